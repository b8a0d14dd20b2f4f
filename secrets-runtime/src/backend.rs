//! The backend traits: what a load asks of a key service, an object store, a secret store and
//! a file system.
//!
//! Object-safe (boxed futures) so that `Sources` can hold any implementation behind an `Arc`:
//! the in-memory and local ones shipped here, Google's clients, or a user's own.

use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;

use zeroize::Zeroizing;

use crate::{BackendError, ErrorKind};

/// A boxed, sendable future, as the backend traits return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Plaintext or object bytes, wiped from memory when dropped.
pub type SecretBytes = Zeroizing<Vec<u8>>;

/// A key service that decrypts ciphertext in the caller's process, like Cloud KMS.
pub trait Kms: Send + Sync + 'static {
    /// Decrypts `ciphertext` with the key named `key`
    /// (`projects/*/locations/*/keyRings/*/cryptoKeys/*`).
    fn decrypt<'a>(
        &'a self,
        key: &'a str,
        ciphertext: &'a [u8],
    ) -> BoxFuture<'a, Result<SecretBytes, BackendError>>;

    /// Decrypts `ciphertext` that was encrypted with additional authenticated data `aad`
    /// (berglas binds each secret's key to its object name this way). The default serves only
    /// an empty `aad`, through [`Kms::decrypt`].
    fn decrypt_with_aad<'a>(
        &'a self,
        key: &'a str,
        ciphertext: &'a [u8],
        aad: &'a [u8],
    ) -> BoxFuture<'a, Result<SecretBytes, BackendError>> {
        if aad.is_empty() {
            return self.decrypt(key, ciphertext);
        }
        ready(Err(BackendError::new(
            ErrorKind::Unconfigured,
            format!(
                "this key service cannot decrypt with additional authenticated data (key {key})"
            ),
        )))
    }
}

/// An object with its custom metadata (`x-goog-meta-*` in Cloud Storage).
pub struct StoredObject {
    /// The object's bytes.
    pub bytes: SecretBytes,
    /// Its custom metadata, as name and value.
    pub metadata: Vec<(String, String)>,
}

impl StoredObject {
    /// The value of custom metadata `name`, if the object has it.
    #[must_use]
    pub fn metadata(&self, name: &str) -> Option<&str> {
        self.metadata
            .iter()
            .find(|(known, _)| known == name)
            .map(|(_, value)| value.as_str())
    }
}

/// An object store that reads whole objects, like Cloud Storage.
pub trait ObjectStore: Send + Sync + 'static {
    /// Reads `object` from `bucket`: `Ok(None)` when the bucket exists but the object does
    /// not (an `Option` field loads that as `None`); a missing bucket is an
    /// [`ErrorKind::NotFound`](crate::ErrorKind::NotFound) error. An object larger than
    /// `max_bytes` is an [`ErrorKind::TooLarge`](crate::ErrorKind::TooLarge) error, found
    /// without reading it all.
    fn read<'a>(
        &'a self,
        bucket: &'a str,
        object: &'a str,
        max_bytes: usize,
    ) -> BoxFuture<'a, Result<Option<SecretBytes>, BackendError>>;

    /// Reads `object` as [`read`](ObjectStore::read) does, with its custom metadata, at
    /// `generation` (`None`: the live one). The default says the store cannot.
    fn read_with_metadata<'a>(
        &'a self,
        bucket: &'a str,
        object: &'a str,
        generation: Option<i64>,
        max_bytes: usize,
    ) -> BoxFuture<'a, Result<Option<StoredObject>, BackendError>> {
        let _ = (generation, max_bytes);
        ready(Err(BackendError::new(
            ErrorKind::Unconfigured,
            format!(
                "this object store cannot read object metadata (object gs://{bucket}/{object})"
            ),
        )))
    }
}

/// A secret store that keeps versions of each secret, like Secret Manager.
pub trait SecretStore: Send + Sync + 'static {
    /// Reads version `name` (`projects/P/secrets/S/versions/V`, with `/locations/L` after the
    /// project for a regional secret; `V` a number, `latest` or an alias): `Ok(None)` when the
    /// secret or the version does not exist; a disabled or destroyed version is an error that
    /// says so. A payload over `max_bytes` is an
    /// [`ErrorKind::TooLarge`](crate::ErrorKind::TooLarge) error.
    fn access<'a>(
        &'a self,
        name: &'a str,
        max_bytes: usize,
    ) -> BoxFuture<'a, Result<Option<SecretBytes>, BackendError>>;

    /// The project of a secret named without one when no project was given (the field's
    /// `project`, or env `GOOGLE_CLOUD_PROJECT`): Google's backend asks the metadata server.
    /// The default says there is none.
    fn default_project(&self) -> BoxFuture<'_, Result<Arc<str>, BackendError>> {
        ready(Err(no_project()))
    }
}

/// Where `#[file]` fields read from: the local file system, or a stand-in for it.
pub trait FileStore: Send + Sync + 'static {
    /// Reads the whole file at `path`: `Ok(None)` when nothing is there. A directory, an
    /// unreadable file or one over `max_bytes` is an error that says which.
    fn read<'a>(
        &'a self,
        path: &'a Path,
        max_bytes: usize,
    ) -> BoxFuture<'a, Result<Option<SecretBytes>, BackendError>>;
}

/// A store that knows no project of its own.
pub(crate) fn no_project() -> BackendError {
    BackendError::new(
        ErrorKind::Unconfigured,
        "no project is known: set the project's env var (GOOGLE_CLOUD_PROJECT unless the struct's `project_env` names another), or give the field `project = \"..\"`",
    )
}

/// Wraps an already-computed result as a [`BoxFuture`], for backends that answer in place.
pub(crate) fn ready<'a, T: Send + 'a>(value: T) -> BoxFuture<'a, T> {
    Box::pin(std::future::ready(value))
}
