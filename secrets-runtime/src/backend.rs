//! The backend traits: what a load asks of a key service and of an object store.
//!
//! Object-safe (boxed futures) so that `Sources` can hold any implementation behind an `Arc`:
//! the in-memory and local ones shipped here, Google's clients, or a user's own.

use std::future::Future;
use std::pin::Pin;

use zeroize::Zeroizing;

use crate::BackendError;

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
}

/// Wraps an already-computed result as a [`BoxFuture`], for backends that answer in place.
pub(crate) fn ready<'a, T: Send + 'a>(value: T) -> BoxFuture<'a, T> {
    Box::pin(std::future::ready(value))
}
