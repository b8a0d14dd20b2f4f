//! The ciphertext format of the in-memory and local key rings: AES-256-GCM with a random
//! 96-bit nonce, laid out as `nonce || ciphertext || tag`.
//!
//! The key name is bound in as associated data, so ciphertext made under one key name fails
//! under another even if someone copies key files around: the same answer Cloud KMS gives.

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use zeroize::Zeroizing;

use crate::{BackendError, ErrorKind};

const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;

/// A 256-bit key, wiped when dropped.
pub(crate) type KeyBytes = Zeroizing<[u8; 32]>;

pub(crate) fn generate_key() -> KeyBytes {
    Zeroizing::new(Aes256Gcm::generate_key(OsRng).into())
}

/// What the ciphertext is bound to: the key name, and after a NUL the caller's additional
/// authenticated data when there is any (so that ciphertext made before AAD existed here
/// still opens).
fn bound(key_name: &str, aad: &[u8]) -> Vec<u8> {
    let mut bound = key_name.as_bytes().to_vec();
    if !aad.is_empty() {
        bound.push(0);
        bound.extend_from_slice(aad);
    }
    bound
}

pub(crate) fn seal(key: &KeyBytes, key_name: &str, aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
    let bound = bound(key_name, aad);
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key.as_slice()));
    let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
    let sealed = cipher
        .encrypt(
            &nonce,
            Payload {
                msg: plaintext,
                aad: &bound,
            },
        )
        // aes-gcm fails only for messages over 64 GiB, far beyond any secret.
        .expect("AES-GCM encryption of a message under 64 GiB cannot fail");
    let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    out
}

pub(crate) fn open(
    key: &KeyBytes,
    key_name: &str,
    aad: &[u8],
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>, BackendError> {
    if ciphertext.len() < NONCE_LEN + TAG_LEN {
        return Err(rejected(key_name, "it is too short"));
    }
    let (nonce, sealed) = ciphertext.split_at(NONCE_LEN);
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key.as_slice()));
    cipher
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: sealed,
                aad: &bound(key_name, aad),
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| rejected(key_name, "it was not made by this key or was altered"))
}

fn rejected(key_name: &str, why: &str) -> BackendError {
    BackendError::new(
        ErrorKind::Decrypt,
        format!("key {key_name} cannot decrypt the ciphertext: {why}"),
    )
}
