//! The local backend: keys and objects as files, for development without a cloud.

mod common;

use std::os::unix::fs::PermissionsExt;

use common::*;
use secrets_runtime::local::{LocalKms, LocalStore};
use secrets_runtime::memory::MemoryKms;
use secrets_runtime::{ErrorKind, ExposeSecret, Kms, ObjectStore, SecretString, Secrets, Sources};

#[derive(Secrets)]
struct Config {
    #[kms]
    db_pass: SecretString,
    #[gcs(object = "team/app1", key = "password")]
    password: SecretString,
}

#[tokio::test]
async fn keys_and_objects_live_in_private_files() {
    let dir = tempfile::tempdir().unwrap();
    let kms = LocalKms::new(dir.path());
    kms.create_key(KEY).unwrap();
    let key_file = dir.path().join(format!("kms/{KEY}.key"));
    let key_bytes = std::fs::read(&key_file).unwrap();
    assert_eq!(key_bytes.len(), 32);
    kms.create_key(KEY).unwrap();
    assert_eq!(
        std::fs::read(&key_file).unwrap(),
        key_bytes,
        "an existing key is kept"
    );
    assert_eq!(
        std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777,
        0o600
    );

    let store = LocalStore::new(dir.path());
    store
        .put(
            BUCKET,
            "team/app1",
            format!(r#"{{"password":"{APP_PASSWORD}"}}"#).as_bytes(),
        )
        .unwrap();
    assert!(
        dir.path().join("gcs/my-bucket/team/app1").is_file(),
        "the layout fake-gcs-server serves"
    );

    let env = [
        (
            "DB_PASS",
            b64(&kms.encrypt(KEY, DB_PASS.as_bytes()).unwrap()),
        ),
        ("KMS_CRYPTO_KEY_ID", KEY.to_owned()),
        ("STORAGE_BUCKET", BUCKET.to_owned()),
    ];
    let sources = Sources::builder().env(env).local(dir.path()).build();
    let config = Config::load_from(&sources).await.unwrap();
    assert_eq!(config.db_pass.expose_secret(), DB_PASS);
    assert_eq!(config.password.expose_secret(), APP_PASSWORD);
}

#[tokio::test]
async fn foreign_ciphertext_and_bad_key_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let kms = LocalKms::new(dir.path());
    kms.create_key(KEY).unwrap();
    // Same key name, different key material: the in-memory ring's ciphertext does not open.
    let foreign = MemoryKms::new().encrypt(KEY, DB_PASS.as_bytes());
    assert_eq!(
        kms.decrypt(KEY, &foreign).await.unwrap_err().kind(),
        ErrorKind::Decrypt
    );
    // Truncated ciphertext.
    let mine = kms.encrypt(KEY, DB_PASS.as_bytes()).unwrap();
    assert_eq!(
        kms.decrypt(KEY, &mine[..20]).await.unwrap_err().kind(),
        ErrorKind::Decrypt
    );
    assert_eq!(
        kms.decrypt(KEY, &mine[..5]).await.unwrap_err().kind(),
        ErrorKind::Decrypt
    );
    // A key that was never made.
    let missing = kms.decrypt(OTHER_KEY, &mine).await.unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
    assert!(
        missing
            .message()
            .starts_with(&format!("key {OTHER_KEY} not found")),
        "{missing}"
    );
    // A key file that is not 32 bytes.
    std::fs::write(dir.path().join(format!("kms/{KEY}.key")), [7u8; 31]).unwrap();
    let short = kms.decrypt(KEY, &mine).await.unwrap_err();
    assert_eq!(short.kind(), ErrorKind::Other);
    assert!(short.message().contains(".key"), "{short}");
    // A malformed key name never becomes a path.
    let traversal = kms
        .create_key("projects/../locations/x/keyRings/r/cryptoKeys/k")
        .unwrap_err();
    assert_eq!(traversal.kind(), ErrorKind::Invalid);
}

#[tokio::test]
async fn object_names_cannot_leave_the_bucket_and_sizes_are_capped() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::new(dir.path());
    for escape in ["../other/app1", "a/../../b", "/abs", "a//b"] {
        let err = store.put(BUCKET, escape, b"x").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Invalid, "{escape}");
        assert_eq!(
            store.read(BUCKET, escape, 10).await.unwrap_err().kind(),
            ErrorKind::Invalid,
            "{escape}"
        );
    }
    assert_eq!(
        store.put("UPPER", "o", b"x").unwrap_err().kind(),
        ErrorKind::Invalid
    );
    store.put(BUCKET, "ten", &[1u8; 10]).unwrap();
    assert_eq!(
        store.read(BUCKET, "ten", 10).await.unwrap().unwrap().len(),
        10
    );
    // "No cap" spelled as the largest size reads the whole object.
    assert_eq!(
        store
            .read(BUCKET, "ten", usize::MAX)
            .await
            .unwrap()
            .unwrap()
            .len(),
        10
    );
    let err = store.read(BUCKET, "ten", 9).await.unwrap_err();
    assert_eq!(
        (err.kind(), err.message()),
        (
            ErrorKind::TooLarge,
            "object gs://my-bucket/ten is 10 bytes, over the cap of 9 bytes"
        )
    );
    assert!(
        store.read(BUCKET, "nine", 9).await.unwrap().is_none(),
        "a missing object is absence"
    );
    let err = store.read("no-such-bucket", "ten", 9).await.unwrap_err();
    assert_eq!(
        (err.kind(), err.message()),
        (ErrorKind::NotFound, "bucket gs://no-such-bucket not found")
    );
}
