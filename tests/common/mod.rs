//! Shared by the top-level tests: key names, seeded backends, and the leak assertion.
#![allow(dead_code)] // each test binary uses its own subset

use std::str::FromStr;
use std::time::Duration;

use base64::prelude::*;
use secrets_runtime::RetryPolicy;
use secrets_runtime::memory::{MemoryKms, MemoryStore};

pub const KEY: &str = "projects/p/locations/global/keyRings/r/cryptoKeys/k";
pub const OTHER_KEY: &str = "projects/p/locations/global/keyRings/r/cryptoKeys/other";
pub const BUCKET: &str = "my-bucket";

/// The secrets the seeded sources hold; no output may ever contain one of them.
pub const DB_PASS: &str = "db-pass-Zq8!xK";
pub const API_TOKEN: &str = "api-token-7Hw2pR";
pub const APP_PASSWORD: &str = "app-password-Lm3sV9";
pub const CERT: &[u8] =
    b"-----BEGIN CERTIFICATE-----\ncert-body-Pq4tYb\n-----END CERTIFICATE-----\n";

pub fn b64(bytes: &[u8]) -> String {
    BASE64_STANDARD.encode(bytes)
}

/// The seed case: object `app1` with `username` and `password`, plus a certificate.
pub fn store() -> MemoryStore {
    MemoryStore::new()
        .with_object(
            BUCKET,
            "app1",
            format!(
                r#"{{"username":"my-user","password":"{APP_PASSWORD}","port":5432,"tls":true}}"#
            ),
        )
        .with_object("certs", "tls.pem", CERT)
}

/// Panics if `text` contains any secret (or its base64), naming where it was found.
pub fn assert_no_secret(what: &str, text: &str) {
    for secret in [DB_PASS, API_TOKEN, APP_PASSWORD, "cert-body-Pq4tYb"] {
        assert!(!text.contains(secret), "{what} leaks a secret: {text}");
        assert!(
            !text.contains(&b64(secret.as_bytes())),
            "{what} leaks a secret's base64: {text}"
        );
    }
}

/// The failure of `field` in a load that must fail, with no secret anywhere in the error.
pub fn failure<T: std::fmt::Debug>(
    result: Result<T, secrets_runtime::Error>,
    field: &str,
) -> secrets_runtime::FieldError {
    let err = result.expect_err("the load must fail");
    assert_no_secret("error", &format!("{err} {err:?}"));
    err.field(field)
        .unwrap_or_else(|| panic!("{field} did not fail: {err}"))
        .clone()
}

/// A short deadline and quick retries, so that tests of failures over the wire end soon.
pub fn quick() -> RetryPolicy {
    RetryPolicy::default()
        .with_deadline(Duration::from_secs(2))
        .with_attempt_timeout(Duration::from_millis(500))
        .with_backoff(Duration::from_millis(20), Duration::from_millis(100))
}

/// Env with the ciphertext of `DB_PASS` under `KEY`, made by `kms`.
pub fn base_env(kms: &MemoryKms) -> Vec<(String, String)> {
    vec![
        ("DB_PASS".into(), b64(&kms.encrypt(KEY, DB_PASS.as_bytes()))),
        ("KMS_CRYPTO_KEY_ID".into(), KEY.into()),
        ("STORAGE_BUCKET".into(), BUCKET.into()),
    ]
}
#[cfg(feature = "aws")]
pub mod aws;
pub mod child;
pub mod matrix;
pub mod oracle;

/// A `FromStr` error that quotes its input, escaped, as careless parsers do: the library must
/// not pass such a message on.
pub struct Echo;
impl FromStr for Echo {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Err(format!("cannot parse {s:?} as Echo"))
    }
}
