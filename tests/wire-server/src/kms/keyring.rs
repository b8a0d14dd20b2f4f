//! The KMS server's keys, its ciphertext format, and the shape of crypto key names.
//!
//! Ciphertext format (opaque to clients, as Cloud KMS's own is):
//!
//! ```text
//! [0..4)    key version number, u32 big-endian (1 for the first version)
//! [4..16)   AES-GCM nonce, 12 random bytes
//! [16..)    AES-256-GCM ciphertext followed by its 16-byte tag
//! AAD       "<crypto key name>/cryptoKeyVersions/<n>" 0x00 <caller's additionalAuthenticatedData>
//! ```
//!
//! Binding the key version name into the AAD makes a ciphertext of one key fail to decrypt
//! under any other key, even if the version numbers match; the NUL byte separates it from the
//! caller's AAD (a key name never contains NUL).

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Nonce};

const VERSION_LEN: usize = 4;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
/// The shortest ciphertext this format can produce (empty plaintext).
const MIN_LEN: usize = VERSION_LEN + NONCE_LEN + TAG_LEN;

/// Why a key operation failed.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum KeyError {
    /// No crypto key of that name.
    NotFound,
    /// The ciphertext is not one this key made: wrong key, wrong AAD, corrupted or truncated.
    Invalid,
}

/// The result of a successful decrypt.
pub(crate) struct Decrypted {
    pub(crate) plaintext: Vec<u8>,
    /// Whether the version that decrypted is the key's primary (newest) version.
    pub(crate) used_primary: bool,
}

/// Crypto keys by name; each key holds its versions in order (index 0 is version 1) and the
/// newest is primary, as after a rotation in Cloud KMS.
#[derive(Default)]
pub(crate) struct KeyRing {
    keys: Mutex<HashMap<String, Vec<Aes256Gcm>>>,
}

impl KeyRing {
    /// Adds a new random AES-256 version to `name`, creating the key if needed; the new
    /// version becomes primary. Returns its version number.
    pub(crate) fn create(&self, name: &str) -> u32 {
        let cipher = Aes256Gcm::new(&Aes256Gcm::generate_key(OsRng));
        let mut keys = self.lock();
        let versions = keys.entry(name.to_owned()).or_default();
        versions.push(cipher);
        version_number(versions.len())
    }

    /// Creates `name` with one version unless it already exists.
    pub(crate) fn ensure(&self, name: &str) {
        let mut keys = self.lock();
        if !keys.contains_key(name) {
            let cipher = Aes256Gcm::new(&Aes256Gcm::generate_key(OsRng));
            keys.insert(name.to_owned(), vec![cipher]);
        }
    }

    pub(crate) fn contains(&self, name: &str) -> bool {
        self.lock().contains_key(name)
    }

    /// Encrypts with the primary version of `name`; returns the version number and the
    /// ciphertext.
    pub(crate) fn encrypt(
        &self,
        name: &str,
        plaintext: &[u8],
        aad: &[u8],
    ) -> Result<(u32, Vec<u8>), KeyError> {
        let (version, cipher) = {
            let keys = self.lock();
            let versions = keys.get(name).ok_or(KeyError::NotFound)?;
            // A key always has at least one version: `create` and `ensure` push one.
            let cipher = versions.last().ok_or(KeyError::NotFound)?.clone();
            (version_number(versions.len()), cipher)
        };
        let nonce = Aes256Gcm::generate_nonce(OsRng);
        let aad = full_aad(name, version, aad);
        let sealed = cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad: &aad,
                },
            )
            // AES-GCM fails only past 64 GiB of plaintext, far beyond any HTTP body here.
            .map_err(|_| KeyError::Invalid)?;
        let mut out = Vec::with_capacity(MIN_LEN + plaintext.len());
        out.extend_from_slice(&version.to_be_bytes());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok((version, out))
    }

    /// Decrypts a ciphertext made by [`KeyRing::encrypt`] with the same key and AAD.
    pub(crate) fn decrypt(
        &self,
        name: &str,
        ciphertext: &[u8],
        aad: &[u8],
    ) -> Result<Decrypted, KeyError> {
        let (version_bytes, rest) = ciphertext
            .split_first_chunk::<VERSION_LEN>()
            .ok_or(KeyError::Invalid)?;
        let version = u32::from_be_bytes(*version_bytes);
        let (nonce, sealed) = rest
            .split_first_chunk::<NONCE_LEN>()
            .ok_or(KeyError::Invalid)?;
        if sealed.len() < TAG_LEN {
            return Err(KeyError::Invalid);
        }
        let (cipher, used_primary) = {
            let keys = self.lock();
            let versions = keys.get(name).ok_or(KeyError::NotFound)?;
            let index = usize::try_from(version)
                .ok()
                .and_then(|v| v.checked_sub(1))
                .ok_or(KeyError::Invalid)?;
            let cipher = versions.get(index).ok_or(KeyError::Invalid)?.clone();
            (cipher, index + 1 == versions.len())
        };
        let aad = full_aad(name, version, aad);
        let plaintext = cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: &aad,
                },
            )
            .map_err(|_| KeyError::Invalid)?;
        Ok(Decrypted {
            plaintext,
            used_primary,
        })
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Vec<Aes256Gcm>>> {
        // Every update is one insert or push, so a poisoned map is still consistent.
        self.keys.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The number of the version at position `len - 1`; saturates far beyond any test's needs.
fn version_number(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}

fn full_aad(name: &str, version: u32, caller_aad: &[u8]) -> Vec<u8> {
    let mut aad = format!("{name}/cryptoKeyVersions/{version}").into_bytes();
    aad.push(0);
    aad.extend_from_slice(caller_aad);
    aad
}

/// Whether `name` has the shape `projects/*/locations/*/keyRings/*/cryptoKeys/*`, each `*`
/// one non-empty path segment.
pub(crate) fn is_crypto_key_name(name: &str) -> bool {
    let segments: Vec<&str> = name.split('/').collect();
    let [
        "projects",
        project,
        "locations",
        location,
        "keyRings",
        ring,
        "cryptoKeys",
        key,
    ] = segments.as_slice()
    else {
        return false;
    };
    [project, location, ring, key]
        .iter()
        .all(|s| !s.is_empty() && !s.contains(char::is_whitespace))
}

#[cfg(test)]
mod tests {
    use super::*;

    const K1: &str = "projects/p/locations/global/keyRings/r/cryptoKeys/k1";
    const K2: &str = "projects/p/locations/global/keyRings/r/cryptoKeys/k2";

    #[test]
    fn roundtrip_and_format() {
        let ring = KeyRing::default();
        ring.create(K1);
        let (version, ct) = ring.encrypt(K1, b"hello", b"").unwrap();
        assert_eq!(version, 1);
        assert_eq!(ct.len(), MIN_LEN + 5);
        assert_eq!(ct[..4], [0, 0, 0, 1]);
        let out = ring.decrypt(K1, &ct, b"").unwrap();
        assert_eq!(out.plaintext, b"hello");
        assert!(out.used_primary);
    }

    #[test]
    fn wrong_key_aad_corruption_truncation_are_invalid() {
        let ring = KeyRing::default();
        ring.create(K1);
        ring.create(K2);
        let (_, ct) = ring.encrypt(K1, b"hello", b"aad").unwrap();
        assert_eq!(ring.decrypt(K2, &ct, b"aad").err(), Some(KeyError::Invalid));
        assert_eq!(ring.decrypt(K1, &ct, b"").err(), Some(KeyError::Invalid));
        let mut flipped = ct.clone();
        *flipped.last_mut().unwrap() ^= 1;
        assert_eq!(
            ring.decrypt(K1, &flipped, b"aad").err(),
            Some(KeyError::Invalid)
        );
        for len in [0, 3, 10, MIN_LEN - 1, ct.len() - 1] {
            assert_eq!(
                ring.decrypt(K1, &ct[..len], b"aad").err(),
                Some(KeyError::Invalid)
            );
        }
        assert_eq!(
            ring.decrypt(
                "projects/p/locations/l/keyRings/r/cryptoKeys/none",
                &ct,
                b"aad"
            )
            .err(),
            Some(KeyError::NotFound)
        );
    }

    #[test]
    fn rotation_keeps_old_versions() {
        let ring = KeyRing::default();
        ring.create(K1);
        let (_, old) = ring.encrypt(K1, b"old", b"").unwrap();
        assert_eq!(ring.create(K1), 2);
        let (version, new) = ring.encrypt(K1, b"new", b"").unwrap();
        assert_eq!(version, 2);
        assert!(!ring.decrypt(K1, &old, b"").unwrap().used_primary);
        assert!(ring.decrypt(K1, &new, b"").unwrap().used_primary);
    }

    #[test]
    fn key_name_shape() {
        assert!(is_crypto_key_name(K1));
        for bad in [
            "",
            "k",
            "projects/p/locations/global/keyRings/r/cryptoKeys/",
            "projects/p/locations/global/keyRings/r/cryptoKeys/k/cryptoKeyVersions/1",
            "projects/p/locations/global/keyRing/r/cryptoKeys/k",
            "projects//locations/global/keyRings/r/cryptoKeys/k",
        ] {
            assert!(!is_crypto_key_name(bad), "{bad:?}");
        }
    }
}
