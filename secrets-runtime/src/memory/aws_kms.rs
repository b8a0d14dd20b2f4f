//! AWS KMS in memory: keys by id, aliases, and ciphertext blobs that name their key and bind
//! an encryption context, refused as AWS KMS refuses them but with messages that say which
//! check failed.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use base64::Engine;
use base64::prelude::BASE64_STANDARD;

use super::aws_blob::{self, KeyRing};
use super::{lock, sorted_names};
use crate::BackendError;
use crate::aead::{self, KeyBytes};
use crate::backend::{BoxFuture, SecretBytes, ready};
use crate::backend_aws::AwsKeyService;

/// AWS KMS in memory: real AES-256-GCM, one random key per key id, made on first use.
///
/// A blob names the key it was made under, as AWS KMS's do: a field with no `key` decrypts
/// it with that key, and a field that pins one (an id, an alias or the ARN of either) fails
/// for a blob of another key. AWS KMS cannot decrypt these blobs, nor this AWS KMS's.
///
/// ```
/// use secrets_runtime::memory::MemoryAwsKms;
/// let kms = MemoryAwsKms::new().with_alias("alias/app", "1234abcd-12ab-34cd-56ef-1234567890ab");
/// let blob: String = kms.encrypt_base64("alias/app", &[("app", "billing")], b"s3cr3t");
/// assert!(!blob.contains("s3cr3t"));
/// ```
#[derive(Clone, Default)]
pub struct MemoryAwsKms {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    keys: Mutex<HashMap<String, Arc<KeyBytes>>>,
    /// `alias/NAME` to key id.
    aliases: Mutex<HashMap<String, String>>,
    /// Keys made for an alias seen first by `encrypt`.
    made: AtomicUsize,
    decrypts: AtomicUsize,
}

impl MemoryAwsKms {
    /// No keys and no aliases.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Points `alias` (`alias/NAME`) at the key `key_id`, which is made when first used.
    ///
    /// # Panics
    /// If `alias` is not `alias/NAME` or `key_id` not a key id, by AWS KMS's rules.
    #[must_use]
    pub fn with_alias(self, alias: &str, key_id: &str) -> Self {
        let alias_ok =
            alias.starts_with("alias/") && secrets_names::aws::check_aws_kms_key(alias).is_ok();
        assert!(
            alias_ok,
            "MemoryAwsKms::with_alias takes `alias/NAME` as the alias"
        );
        assert!(
            !key_id.starts_with("alias/") && !key_id.starts_with("arn:") && checked(key_id),
            "MemoryAwsKms::with_alias takes a key id (`1234abcd-…`) as the key"
        );
        lock(&self.inner.aliases).insert(alias.to_owned(), key_id.to_owned());
        self
    }

    /// Encrypts `plaintext` under `key` (a key id, an alias or the ARN of either) bound to
    /// `context`, in any order: the blob a field's env var holds, before base64. A key id
    /// seen for the first time is made; an alias seen for the first time is made too, and
    /// points at a new key of id `key-N`.
    ///
    /// # Panics
    /// If `key` is not a key, alias or ARN by AWS KMS's rules.
    #[must_use]
    pub fn encrypt(&self, key: &str, context: &[(&str, &str)], plaintext: &[u8]) -> Vec<u8> {
        assert!(
            checked(key),
            "MemoryAwsKms::encrypt takes a key id, an alias or the ARN of either as the key"
        );
        let key_id = match self.key_id(key) {
            Ok(id) => id,
            Err(_) => self.new_alias(aws_blob::strip_arn(key)),
        };
        let key_bytes = lock(&self.inner.keys)
            .entry(key_id.clone())
            .or_insert_with(|| Arc::new(aead::generate_key()))
            .clone();
        aws_blob::seal(&key_id, &key_bytes, context, plaintext)
    }

    /// [`encrypt`](Self::encrypt), in base64: what the env var of an `#[aws_kms]` field
    /// holds, as `aws kms encrypt --output text --query CiphertextBlob` prints it.
    #[must_use]
    pub fn encrypt_base64(&self, key: &str, context: &[(&str, &str)], plaintext: &[u8]) -> String {
        BASE64_STANDARD.encode(self.encrypt(key, context, plaintext))
    }

    /// How many decrypt requests this key service (and its clones) has answered.
    #[must_use]
    pub fn decrypt_count(&self) -> usize {
        self.inner.decrypts.load(Ordering::SeqCst)
    }

    /// Points `alias` at a new key `key-N`, unless another thread just did.
    fn new_alias(&self, alias: &str) -> String {
        let mut aliases = lock(&self.inner.aliases);
        let made = &self.inner.made;
        let key_id = aliases
            .entry(alias.to_owned())
            .or_insert_with(|| format!("key-{}", made.fetch_add(1, Ordering::SeqCst) + 1));
        key_id.clone()
    }
}

/// A key, alias or ARN by AWS KMS's rules.
fn checked(key: &str) -> bool {
    secrets_names::aws::check_aws_kms_key(key).is_ok()
}

impl KeyRing for MemoryAwsKms {
    type Key = Arc<KeyBytes>;

    fn key(&self, key_id: &str) -> Result<Arc<KeyBytes>, BackendError> {
        let keys = lock(&self.inner.keys);
        let key = keys.get(key_id).cloned();
        key.ok_or_else(|| aws_blob::not_found(&format!("key {key_id}")))
    }

    fn alias(&self, alias: &str) -> Result<String, BackendError> {
        let aliases = lock(&self.inner.aliases);
        aliases
            .get(alias)
            .cloned()
            .ok_or_else(|| aws_blob::not_found(alias))
    }
}

impl AwsKeyService for MemoryAwsKms {
    fn decrypt<'a>(
        &'a self,
        ciphertext: &'a [u8],
        key: Option<&'a str>,
        context: &'a [(&'a str, &'a str)],
    ) -> BoxFuture<'a, Result<SecretBytes, BackendError>> {
        self.inner.decrypts.fetch_add(1, Ordering::SeqCst);
        ready(self.decrypt_blob(ciphertext, key, context))
    }
}

/// Key ids and aliases; never a key.
impl fmt::Debug for MemoryAwsKms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keys = lock(&self.inner.keys);
        let aliases = lock(&self.inner.aliases);
        let mut pointed: Vec<(&str, &str)> = aliases
            .iter()
            .map(|(alias, id)| (alias.as_str(), id.as_str()))
            .collect();
        pointed.sort_unstable();
        f.debug_struct("MemoryAwsKms")
            .field("keys", &sorted_names(&keys))
            .field("aliases", &pointed)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    const ID: &str = "1234abcd-12ab-34cd-56ef-1234567890ab";
    const ARN: &str = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    fn decrypt(
        kms: &MemoryAwsKms,
        blob: &[u8],
        key: Option<&str>,
        context: &[(&str, &str)],
    ) -> Result<SecretBytes, BackendError> {
        kms.decrypt_blob(blob, key, context)
    }

    #[test]
    fn a_key_is_named_by_its_id_its_arn_or_an_alias() {
        let kms = MemoryAwsKms::new().with_alias("alias/app", ID);
        let blob = kms.encrypt("alias/app", &[], b"s3cr3t-Zq");
        for pinned in [None, Some(ID), Some(ARN), Some("alias/app")] {
            let plain = decrypt(&kms, &blob, pinned, &[]).unwrap();
            assert_eq!(plain.as_slice(), b"s3cr3t-Zq", "{pinned:?}");
        }
        let alias_arn = "arn:aws:kms:eu-west-1:111122223333:alias/app";
        assert!(decrypt(&kms, &blob, Some(alias_arn), &[]).is_ok());
    }

    #[test]
    fn each_refusal_says_which_check_failed() {
        let kms = MemoryAwsKms::new().with_alias("alias/app", ID);
        let blob = kms.encrypt(ID, &[("app", "billing")], b"s3cr3t-Zq");
        let other = kms.encrypt("alias/other", &[], b"s3cr3t-Zq");

        let err = decrypt(&kms, &other, Some("alias/app"), &[]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decrypt);
        assert_eq!(
            err.message(),
            "the ciphertext was encrypted under another key than the field's alias/app (key key-1); encrypt it under alias/app, or pin the key it names"
        );
        let err = decrypt(&kms, &blob, None, &[("app", "payroll")]).unwrap_err();
        assert!(
            err.message().contains("the encryption context differs"),
            "{err:?}"
        );
        let err = decrypt(&kms, &blob[..blob.len() - 1], None, &[("app", "billing")]);
        assert!(
            err.unwrap_err()
                .message()
                .ends_with("it is truncated or altered")
        );
        let err = decrypt(&kms, &blob, Some("alias/nobody"), &[]).unwrap_err();
        assert_eq!(
            (err.kind(), err.message()),
            (ErrorKind::NotFound, "AWS KMS alias/nobody not found")
        );
        let foreign = MemoryAwsKms::new().encrypt(ID, &[], b"s3cr3t-Zq");
        let err = decrypt(&kms, &foreign, None, &[]).unwrap_err();
        assert_eq!(
            err.kind(),
            ErrorKind::Decrypt,
            "same id, another key: {err:?}"
        );
        let unknown = MemoryAwsKms::new().encrypt("k-9", &[], b"s3cr3t-Zq");
        let err = decrypt(&kms, &unknown, None, &[]).unwrap_err();
        assert_eq!(err.message(), "AWS KMS key k-9 not found");
        assert_eq!(
            kms.decrypt_count(),
            0,
            "counted by the trait's decrypt only"
        );
    }

    #[test]
    fn debug_shows_names_only() {
        let kms = MemoryAwsKms::new().with_alias("alias/app", ID);
        let _ = kms.encrypt("alias/app", &[], b"s3cr3t-Zq");
        let shown = format!("{kms:?}");
        assert_eq!(
            shown,
            format!(
                "MemoryAwsKms {{ keys: [\"{ID}\"], aliases: [(\"alias/app\", \"{ID}\")], .. }}"
            )
        );
    }
}
