//! Where the commands write and read: Google's services through the runtime's clients and
//! Google's official crates, with Application Default Credentials and the endpoint variables
//! the runtime honours; or, when `SECRETS_LOCAL_DIR` is set, the runtime's local backend in
//! that directory, for development, laid out as `load()` reads it there.

use std::cell::OnceCell;
use std::future::Future;
use std::path::{Path, PathBuf};

use secrets_runtime::gcp::GcpKms;
use secrets_runtime::local::{self, LocalKms};
use secrets_runtime::{BackendError, ErrorKind, Kms, SecretBytes};
use tokio::runtime::Runtime;

use crate::fail::{Failure, Result};

/// The backend the environment selects, and the runtime its requests run on.
pub struct Backend {
    runtime: Runtime,
    kind: Kind,
}

enum Kind {
    Local(PathBuf),
    /// The KMS client, built when first needed: a command that does not encrypt needs no
    /// KMS credentials.
    Gcp(OnceCell<GcpKms>),
}

impl Backend {
    /// The local backend when `SECRETS_LOCAL_DIR` is set (and not empty), as for `load()`;
    /// else Google's services.
    pub fn from_env() -> Result<Backend> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Failure::new(format!("cannot start the async runtime: {e}")))?;
        let kind = match std::env::var_os(local::DIR_ENV) {
            Some(dir) if !dir.is_empty() => Kind::Local(PathBuf::from(dir)),
            _ => Kind::Gcp(OnceCell::new()),
        };
        Ok(Backend { runtime, kind })
    }

    /// The local backend's directory, if that is the backend.
    pub fn local_dir(&self) -> Option<&Path> {
        match &self.kind {
            Kind::Local(dir) => Some(dir),
            Kind::Gcp(_) => None,
        }
    }

    /// Runs `work` to its end on this backend's runtime.
    pub fn block_on<F: Future>(&self, work: F) -> F::Output {
        self.runtime.block_on(work)
    }

    /// Encrypts `plaintext` under `key`, bound to `aad` (none if empty): Cloud KMS with its
    /// checksums verified, or the local key ring. A runtime error, as `berglas::seal`'s
    /// wrapping step returns one.
    pub fn encrypt(
        &self,
        key: &str,
        plaintext: &[u8],
        aad: &[u8],
    ) -> std::result::Result<Vec<u8>, BackendError> {
        match &self.kind {
            Kind::Local(dir) => LocalKms::new(dir)
                .encrypt_with_aad(key, plaintext, aad)
                .map_err(with_key_hint),
            Kind::Gcp(kms) => {
                let kms = self.gcp_kms(kms)?;
                self.block_on(kms.encrypt_with_aad(key, plaintext, aad))
            }
        }
    }

    /// Decrypts Cloud KMS ciphertext (no additional authenticated data) under `key`, as a
    /// `#[kms]` field does.
    pub fn decrypt(
        &self,
        key: &str,
        ciphertext: &[u8],
    ) -> std::result::Result<SecretBytes, BackendError> {
        match &self.kind {
            Kind::Local(dir) => self
                .block_on(LocalKms::new(dir).decrypt(key, ciphertext))
                .map_err(with_key_hint),
            Kind::Gcp(kms) => {
                let kms = self.gcp_kms(kms)?;
                self.block_on(kms.decrypt(key, ciphertext))
            }
        }
    }

    fn gcp_kms<'a>(
        &self,
        cell: &'a OnceCell<GcpKms>,
    ) -> std::result::Result<&'a GcpKms, BackendError> {
        if let Some(kms) = cell.get() {
            return Ok(kms);
        }
        let built = self.block_on(GcpKms::from_env())?;
        Ok(cell.get_or_init(|| built))
    }
}

/// The local key ring's error, with how to make a key it lacks.
fn with_key_hint(err: BackendError) -> BackendError {
    if err.kind() != ErrorKind::NotFound {
        return err;
    }
    BackendError::new(
        ErrorKind::NotFound,
        format!(
            "{}: the local backend's keys are 32 random bytes in that file, made with `head -c 32 /dev/urandom > FILE`",
            err.message()
        ),
    )
}
