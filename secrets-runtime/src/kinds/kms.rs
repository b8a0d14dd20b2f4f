//! `#[kms]`: the env var holds base64 Cloud KMS ciphertext, which the key service decrypts in
//! this process; the plaintext is used whole or as a JSON object with one key picked per field.

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use crate::BackendError;
use crate::backend::{Kms, SecretBytes};
use crate::environment::NameRule;
use crate::family::Family;
use crate::load::{Decrypt as DecryptShape, Planned, Planner};
use crate::manifest::{Holds, ManifestCx};
use crate::origin::Origin;
use crate::spec::{FieldSource, NameRef, Pick, Var};

/// Cloud KMS, or any key service behind [`Kms`]: the family of `#[kms]` fields.
#[derive(Debug)]
pub struct CloudKms;

impl Family for CloudKms {
    const NAME: &'static str = "KMS";
    const HINT: &'static str = "add one with Sources::builder().kms(..), .local(dir) or .gcp()";
    const PERMISSION: &'static str = "roles/cloudkms.cryptoKeyDecrypter";
    // Cloud KMS caps plaintext at 64 KiB itself.
    const CAPPED: bool = false;
    type Backend = dyn Kms;
    type Request = Decrypt;

    fn send<'a>(
        kms: &'a dyn Kms,
        request: &'a Decrypt,
        _max_bytes: usize,
    ) -> impl Future<Output = Result<Option<SecretBytes>, BackendError>> + Send + 'a {
        let decrypted = kms.decrypt(&request.key, &request.ciphertext);
        async move { decrypted.await.map(Some) }
    }
}

/// A decrypt to make: this ciphertext under this key.
pub struct Decrypt {
    key: Arc<str>,
    ciphertext: Vec<u8>,
}

impl Decrypt {
    /// A decrypt of `ciphertext` under `key`, for kinds whose ciphertext is not a `#[kms]`
    /// field's (a bundle's).
    pub(crate) fn new(key: Arc<str>, ciphertext: Vec<u8>) -> Self {
        Self { key, ciphertext }
    }
}

impl PartialEq for Decrypt {
    fn eq(&self, other: &Self) -> bool {
        // Interning compares every new ciphertext with the load's others, which almost always
        // differ in their first bytes (Cloud KMS and AES-GCM nonces are random): an inline
        // look at those spares most of the calls to compare them whole.
        let prefix = |c: &[u8]| c.first_chunk::<8>().copied();
        prefix(&self.ciphertext) == prefix(&other.ciphertext)
            && self.ciphertext == other.ciphertext
            && self.key == other.key
    }
}

impl fmt::Display for Decrypt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "key {}", self.key)
    }
}

pub(crate) static KEY_NAME: NameRule = NameRule {
    what: "the KMS key name",
    check: secrets_names::blind::check_kms_key_name,
};

/// `#[kms(env = "..", key = ".." | key_env = "..", json_key = "..")]`, defaults applied.
#[derive(Debug)]
pub struct Spec {
    /// The env var holding the ciphertext.
    pub var: Var,
    /// The KMS key name.
    pub key: NameRef,
    /// The whole plaintext, or one key of the JSON object it holds.
    pub pick: Pick,
}

impl FieldSource for Spec {
    fn plan(&'static self, cx: &mut Planner<'_>) -> Planned {
        let shape = DecryptShape {
            var: self.var,
            key: self.key,
            rule: &KEY_NAME,
            pick: self.pick,
        };
        shape.plan::<CloudKms>(self, cx, |key, ciphertext| Decrypt { key, ciphertext })
    }

    fn needs(&self, cx: &mut ManifestCx) {
        cx.decrypt(self.var, self.key, |key| Holds::KmsCiphertext { key });
    }

    fn describe(&self, origin: &Origin, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(key) = origin.name() {
            write!(f, "kms {key} via env {}", origin.var())?;
        }
        write!(f, "{}", self.pick)
    }
}
