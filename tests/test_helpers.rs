//! What a user's own tests need from the crate alone: env-ready ciphertext from the memory and
//! local key rings (`encrypt_base64`), with no base64 crate of their own.

use secrets_runtime::local::LocalKms;
use secrets_runtime::memory::MemoryKms;
use secrets_runtime::{ExposeSecret, SecretString, Secrets, Sources};

const KEY: &str = "projects/p/locations/global/keyRings/r/cryptoKeys/k";

#[derive(Secrets)]
struct Config {
    #[kms]
    db_pass: SecretString,
}

#[tokio::test]
async fn memory_ciphertext_in_base64_loads_as_is() {
    let kms = MemoryKms::new();
    let ciphertext = kms.encrypt_base64(KEY, b"s3cr3t-Pw4");
    assert!(!ciphertext.contains("s3cr3t"));
    let sources = Sources::builder()
        .env([("DB_PASS", ciphertext.as_str()), ("KMS_CRYPTO_KEY_ID", KEY)])
        .kms(kms)
        .build();
    let config = Config::load_from(&sources).await.unwrap();
    assert_eq!(config.db_pass.expose_secret(), "s3cr3t-Pw4");
}

#[tokio::test]
async fn local_ciphertext_in_base64_loads_as_is() {
    let dir = tempfile::tempdir().unwrap();
    let kms = LocalKms::new(dir.path());
    kms.create_key(KEY).unwrap();
    let ciphertext = kms.encrypt_base64(KEY, b"s3cr3t-Pw4").unwrap();
    let sources = Sources::builder()
        .env([("DB_PASS", ciphertext.as_str()), ("KMS_CRYPTO_KEY_ID", KEY)])
        .local(dir.path())
        .build();
    let config = Config::load_from(&sources).await.unwrap();
    assert_eq!(config.db_pass.expose_secret(), "s3cr3t-Pw4");
    // A key the ring lacks is an error, not a panic.
    assert!(
        kms.encrypt_base64(
            "projects/p/locations/global/keyRings/r/cryptoKeys/none",
            b"x"
        )
        .is_err()
    );
}

#[derive(Debug, Secrets)]
#[allow(dead_code)] // `tls_key` is read only through Debug here
struct Tls {
    #[gcs(object = "ca.pem")]
    ca_cert: secrets_runtime::Blob,
    #[kms]
    tls_key: secrets_runtime::SecretSlice<u8>,
}

/// A derived `Debug` of a struct with byte fields stays one short line per field: the size
/// of the public bytes, nothing of the secret ones.
#[tokio::test]
async fn byte_fields_debug_compactly() {
    let kms = MemoryKms::new();
    let pem = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n";
    let sources = Sources::builder()
        .env([
            ("TLS_KEY", kms.encrypt_base64(KEY, b"tls-key-Vb7")),
            ("KMS_CRYPTO_KEY_ID", KEY.to_owned()),
            ("STORAGE_BUCKET", "certs".to_owned()),
        ])
        .kms(kms)
        .gcs(secrets_runtime::memory::MemoryStore::new().with_object("certs", "ca.pem", pem))
        .build();
    let tls = Tls::load_from(&sources).await.unwrap();
    assert_eq!(&tls.ca_cert[..], pem.as_bytes());
    let shown = format!("{tls:#?}");
    assert!(
        shown.contains(&format!("ca_cert: Blob({} bytes)", pem.len())),
        "{shown}"
    );
    assert_eq!(shown.lines().count(), 4, "{shown}");
    assert!(
        !shown.contains("MIIB") && !shown.contains("tls-key"),
        "{shown}"
    );
}
