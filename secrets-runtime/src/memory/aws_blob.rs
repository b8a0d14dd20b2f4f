//! The ciphertext blob of the in-memory and local stand-ins for AWS KMS. Like a real
//! `CiphertextBlob` it names the key it was made under, so a decrypt needs no key; unlike
//! one, AWS KMS cannot decrypt it, nor these stand-ins AWS KMS's.
//!
//! ```text
//! 1 | n | key id (n bytes) | context fingerprint (8 bytes) | nonce || ciphertext || tag
//! ```
//!
//! The sealed part is the in-memory key ring's AES-256-GCM (`crate::aead`) with the key id
//! and the encryption context bound in as associated data, so a wrong context or an altered
//! byte fails to open. The fingerprint (FNV-1a of the context) only tells the two apart in
//! the message: AWS KMS answers both with `InvalidCiphertextException`, which leaves a
//! deploy guessing.

use std::borrow::Borrow;

use crate::aead::{self, KeyBytes};
use crate::backend::SecretBytes;
use crate::{BackendError, ErrorKind};

const FORMAT: u8 = 1;
const FINGERPRINT_LEN: usize = 8;

/// An encryption context, as the blob binds it: sorted by key, as AWS KMS compares contexts
/// as maps; each key and value length-prefixed, so no two contexts encode alike.
fn encode(context: &[(&str, &str)]) -> Vec<u8> {
    let mut pairs = context.to_vec();
    pairs.sort_unstable();
    let mut encoded = Vec::new();
    for (key, value) in pairs {
        for part in [key, value] {
            let len = u32::try_from(part.len()).unwrap_or(u32::MAX);
            encoded.extend_from_slice(&len.to_be_bytes());
            encoded.extend_from_slice(part.as_bytes());
        }
    }
    encoded
}

/// FNV-1a, 64 bits: stable across builds and platforms, which `std`'s hasher is not, and a
/// blob may outlive the build that made it (kept in a `.env` file for the local backend).
fn fingerprint(encoded: &[u8]) -> [u8; FINGERPRINT_LEN] {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in encoded {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash.to_be_bytes()
}

/// Seals `plaintext` under `key` (whose id is `key_id`) bound to `context`.
pub(crate) fn seal(
    key_id: &str,
    key: &KeyBytes,
    context: &[(&str, &str)],
    plaintext: &[u8],
) -> Vec<u8> {
    let id_len = u8::try_from(key_id.len())
        .expect("a key id is at most 64 characters, as secrets_names::aws checks");
    let encoded = encode(context);
    let sealed = aead::seal(key, key_id, &encoded, plaintext);
    let mut blob = Vec::with_capacity(2 + key_id.len() + FINGERPRINT_LEN + sealed.len());
    blob.extend_from_slice(&[FORMAT, id_len]);
    blob.extend_from_slice(key_id.as_bytes());
    blob.extend_from_slice(&fingerprint(&encoded));
    blob.extend_from_slice(&sealed);
    blob
}

/// A blob taken apart: the key it names, its context's fingerprint, the sealed part.
pub(crate) struct Blob<'a> {
    pub(crate) key_id: &'a str,
    fingerprint: &'a [u8],
    sealed: &'a [u8],
}

/// Splits `blob`, or says it is not one of ours, whole.
pub(crate) fn parse(blob: &[u8]) -> Result<Blob<'_>, BackendError> {
    let broken = || {
        BackendError::new(
            ErrorKind::Decrypt,
            "the ciphertext is not an AWS KMS ciphertext blob of this key service, or it is truncated or altered",
        )
    };
    let [FORMAT, id_len, rest @ ..] = blob else {
        return Err(broken());
    };
    let id_len = usize::from(*id_len);
    if rest.len() < id_len + FINGERPRINT_LEN {
        return Err(broken());
    }
    let (key_id, rest) = rest.split_at(id_len);
    let (fingerprint, sealed) = rest.split_at(FINGERPRINT_LEN);
    let key_id = std::str::from_utf8(key_id)
        .ok()
        .filter(|id| secrets_names::aws::check_aws_kms_key(id).is_ok())
        .ok_or_else(broken)?;
    Ok(Blob {
        key_id,
        fingerprint,
        sealed,
    })
}

impl Blob<'_> {
    /// The plaintext, if `key` (the blob's key) opens it under `context`.
    pub(crate) fn open(
        &self,
        key: &KeyBytes,
        context: &[(&str, &str)],
    ) -> Result<SecretBytes, BackendError> {
        let encoded = encode(context);
        let refused = |why: &str| {
            BackendError::new(
                ErrorKind::Decrypt,
                format!(
                    "AWS KMS key {} cannot decrypt the ciphertext: {why}",
                    self.key_id
                ),
            )
        };
        if fingerprint(&encoded) != self.fingerprint {
            return Err(refused(
                "the encryption context differs from the one it was encrypted with; give the field the same `context`",
            ));
        }
        aead::open(key, self.key_id, &encoded, self.sealed)
            .map_err(|_| refused("it is truncated or altered"))
    }
}

/// A pinned key that is not the one the blob names (AWS KMS: `IncorrectKeyException`).
pub(crate) fn another_key(pinned: &str, blob: &Blob<'_>) -> BackendError {
    BackendError::new(
        ErrorKind::Decrypt,
        format!(
            "the ciphertext was encrypted under another key than the field's {pinned} (key {}); encrypt it under {pinned}, or pin the key it names",
            blob.key_id
        ),
    )
}

/// Where a stand-in keeps its keys and aliases.
pub(crate) trait KeyRing {
    /// A key as the ring hands it out: its own copy, or a shared one.
    type Key: std::borrow::Borrow<KeyBytes>;

    /// The key `key_id` names; an [`ErrorKind::NotFound`] error when there is none.
    fn key(&self, key_id: &str) -> Result<Self::Key, BackendError>;
    /// The key id `alias` (`alias/NAME`) points at; [`ErrorKind::NotFound`] when none.
    fn alias(&self, alias: &str) -> Result<String, BackendError>;

    /// The key id that `key` (an id, an alias, or the ARN of either) names.
    fn key_id(&self, key: &str) -> Result<String, BackendError> {
        match strip_arn(key) {
            alias if alias.starts_with("alias/") => self.alias(alias),
            id => Ok(id.to_owned()),
        }
    }

    /// Decrypts `blob` as AWS KMS would: under the key it names, which must be the one
    /// `pinned` names if the field pins one, and with the same encryption context.
    fn decrypt_blob(
        &self,
        blob: &[u8],
        pinned: Option<&str>,
        context: &[(&str, &str)],
    ) -> Result<SecretBytes, BackendError> {
        let parsed = parse(blob)?;
        if let Some(pinned) = pinned
            && self.key_id(pinned)? != parsed.key_id
        {
            return Err(another_key(pinned, &parsed));
        }
        parsed.open(self.key(parsed.key_id)?.borrow(), context)
    }
}

/// No such key, as AWS KMS says it.
pub(crate) fn not_found(what: &str) -> BackendError {
    BackendError::new(ErrorKind::NotFound, format!("AWS KMS {what} not found"))
}

/// What a key, alias or ARN names, as a stand-in resolves it: `arn:…:key/ID` is `ID`,
/// `arn:…:alias/NAME` is `alias/NAME`, anything else as it is.
pub(crate) fn strip_arn(key: &str) -> &str {
    if !key.starts_with("arn:") {
        return key;
    }
    let resource = key.splitn(6, ':').nth(5).unwrap_or(key);
    resource.strip_prefix("key/").unwrap_or(resource)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_key() -> KeyBytes {
        aead::generate_key()
    }

    #[test]
    fn a_blob_opens_under_its_key_and_context_only() {
        let key = new_key();
        let blob = seal("k-1", &key, &[("b", "2"), ("a", "1")], b"s3cr3t-Zq");
        let parsed = parse(&blob).unwrap();
        assert_eq!(parsed.key_id, "k-1");
        // The order the context is given in does not matter.
        let opened = parsed.open(&key, &[("a", "1"), ("b", "2")]).unwrap();
        assert_eq!(opened.as_slice(), b"s3cr3t-Zq");
        let err = parsed.open(&key, &[("a", "1")]).unwrap_err();
        assert!(
            err.message().contains("encryption context differs"),
            "{err:?}"
        );
        let err = parsed
            .open(&new_key(), &[("a", "1"), ("b", "2")])
            .unwrap_err();
        assert!(err.message().ends_with("truncated or altered"), "{err:?}");
    }

    #[test]
    fn truncated_or_foreign_blobs_are_refused_without_quoting_them() {
        let key = new_key();
        let blob = seal("k-1", &key, &[], b"s3cr3t-Zq");
        for cut in [1, 10, blob.len() - 12] {
            let short = &blob[..blob.len() - cut];
            let why = match parse(short) {
                Ok(parsed) => parsed.open(&key, &[]).unwrap_err(),
                Err(why) => why,
            };
            assert_eq!(why.kind(), ErrorKind::Decrypt);
            assert!(why.message().contains("truncated or altered"), "{why:?}");
        }
        for foreign in [&b""[..], b"\x02\x01k", b"\x01\x40k", b"\x01\x03a b01234567"] {
            assert!(parse(foreign).is_err());
        }
    }

    #[test]
    fn arns_name_their_key_or_alias() {
        assert_eq!(
            strip_arn("arn:aws:kms:eu-west-1:111122223333:key/k-1"),
            "k-1"
        );
        assert_eq!(
            strip_arn("arn:aws:kms:eu-west-1:111122223333:alias/app"),
            "alias/app"
        );
        assert_eq!(strip_arn("alias/app"), "alias/app");
        assert_eq!(strip_arn("k-1"), "k-1");
    }
}
