//! The backend traits of the AWS sources: what a load asks of AWS KMS, Secrets Manager and
//! Parameter Store. S3 objects are read through [`ObjectStore`](crate::ObjectStore), as Cloud
//! Storage objects are.
//!
//! The two stores are asked for many values per call (`BatchGetSecretValue`: 20,
//! `GetParameters`: 10): a load hands a backend that many requests at once, and gets one
//! reply per request back.

use crate::BackendError;
use crate::backend::{BoxFuture, SecretBytes};

/// One value of a batch: the bytes, `None` when what it names does not exist, or why not.
pub type BatchReply = Result<Option<SecretBytes>, BackendError>;

/// A key service that decrypts AWS KMS ciphertext blobs in the caller's process.
pub trait AwsKeyService: Send + Sync + 'static {
    /// Decrypts `ciphertext` (a `CiphertextBlob`). `key`: the key id, key ARN, alias or alias
    /// ARN the field pins (`None`: the key the blob names, which symmetric blobs carry).
    /// `context`: the encryption context, sorted by key (empty: none).
    fn decrypt<'a>(
        &'a self,
        ciphertext: &'a [u8],
        key: Option<&'a str>,
        context: &'a [(&'a str, &'a str)],
    ) -> BoxFuture<'a, Result<SecretBytes, BackendError>>;
}

/// A Secrets Manager secret to read: its id (name or ARN) and, optionally, the version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecretVersion<'a> {
    /// The secret's name or ARN.
    pub id: &'a str,
    /// A staging label (`AWSCURRENT` when neither this nor `version_id` is given).
    pub version_stage: Option<&'a str>,
    /// A version id.
    pub version_id: Option<&'a str>,
}

impl SecretVersion<'_> {
    /// Whether this reads the current version, which a batch call can.
    #[must_use]
    pub fn is_current(&self) -> bool {
        self.version_id.is_none() && matches!(self.version_stage, None | Some("AWSCURRENT"))
    }
}

/// A secret store that keeps versions of each secret, like AWS Secrets Manager.
pub trait AwsSecretStore: Send + Sync + 'static {
    /// Reads each secret (`SecretString` as UTF-8 bytes, or `SecretBinary`): one reply per
    /// request, in order, `Ok(None)` for a secret that does not exist. At most 20 at once, as
    /// `BatchGetSecretValue` takes. `Err` fails the whole call
    /// (the load retries a transient one); a reply's own error fails its fields only.
    fn get_many<'a>(
        &'a self,
        secrets: &'a [SecretVersion<'a>],
        max_bytes: usize,
    ) -> BoxFuture<'a, Result<Vec<BatchReply>, BackendError>>;
}

/// A parameter store, like AWS Systems Manager Parameter Store.
pub trait AwsParameterStore: Send + Sync + 'static {
    /// Reads each parameter, a `SecureString` decrypted: one reply per name, in order,
    /// `Ok(None)` for a parameter that does not exist. At most 10 names at once, as
    /// `GetParameters` takes. `Err` fails the whole call (the load retries a transient one).
    fn get_many<'a>(
        &'a self,
        names: &'a [&'a str],
        max_bytes: usize,
    ) -> BoxFuture<'a, Result<Vec<BatchReply>, BackendError>>;
}
