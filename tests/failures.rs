//! A failed load is one error that names every failed field, where it came from and why.

// Structs whose load fails on purpose: their fields are never read.
#![allow(dead_code)]

mod common;

use common::*;
use secrets_runtime::memory::MemoryKms;
use secrets_runtime::{ErrorKind, SecretString, Secrets, Sources};

#[derive(Debug, Secrets)]
struct Config {
    #[env]
    db_host: String,
    #[env(default = "8080")]
    port: u16,
    #[kms]
    db_pass: SecretString,
    #[kms(env = "API_TOKEN_CT")]
    api_token: SecretString,
    #[kms(env = "PIN_CT")]
    pin: u32,
    #[gcs(object = "app1", key = "username")]
    username: String,
    #[gcs(object = "app1", key = "email")]
    email: String,
    #[gcs(object = "app1", key = "port")]
    app_port: u8,
    #[gcs(bucket = "certs", object = "missing.pem")]
    cert: Vec<u8>,
    #[gcs(bucket_env = "OTHER_BUCKET", object = "app1")]
    other: Vec<u8>,
}

#[tokio::test]
async fn every_failed_field_is_named_in_one_error() {
    let kms = MemoryKms::new();
    let env = [
        // db_host: unset
        ("PORT", "eighty".to_owned()),
        ("DB_PASS", "not base64!".to_owned()),
        (
            "API_TOKEN_CT",
            b64(&kms.encrypt(OTHER_KEY, API_TOKEN.as_bytes())),
        ), // wrong key
        ("PIN_CT", b64(&kms.encrypt(KEY, DB_PASS.as_bytes()))), // not a number
        ("KMS_CRYPTO_KEY_ID", KEY.to_owned()),
        ("STORAGE_BUCKET", BUCKET.to_owned()),
        ("OTHER_BUCKET", "Not A Bucket".to_owned()),
    ];
    let sources = Sources::builder().env(env).kms(kms).gcs(store()).build();

    let err = Config::load_from(&sources)
        .await
        .expect_err("the load must fail");

    let got: Vec<(&str, &str, ErrorKind, &str)> = err
        .fields()
        .iter()
        .map(|f| (f.field(), f.origin(), f.kind(), f.message()))
        .collect();
    let key = KEY;
    let expected = [
        ("db_host", "env DB_HOST".to_owned(), ErrorKind::Missing, "env DB_HOST is not set".to_owned()),
        ("port", "env PORT".into(), ErrorKind::Invalid, "the value is not a valid u16: invalid digit found in string".into()),
        (
            "db_pass",
            format!("kms {key} via env DB_PASS"),
            ErrorKind::Invalid,
            "env DB_PASS is not base64 ciphertext (bad character at line 1 column 11)".into(),
        ),
        (
            "api_token",
            format!("kms {key} via env API_TOKEN_CT"),
            ErrorKind::Decrypt,
            format!("key {key} cannot decrypt the ciphertext: it was not made by this key or was altered"),
        ),
        ("pin", format!("kms {key} via env PIN_CT"), ErrorKind::Invalid, "the value is not a valid u32: invalid digit found in string".into()),
        ("email", "gs://my-bucket/app1#email".into(), ErrorKind::Missing, "the JSON object has no key `email`".into()),
        (
            "app_port",
            "gs://my-bucket/app1#port".into(),
            ErrorKind::Invalid,
            "the value is not a valid u8: number too large to fit in target type".into(),
        ),
        ("cert", "gs://certs/missing.pem".into(), ErrorKind::Missing, "object gs://certs/missing.pem not found".into()),
        (
            "other",
            "gs://$OTHER_BUCKET/app1".into(),
            ErrorKind::Invalid,
            "env OTHER_BUCKET: bucket name has a character other than lowercase letters, digits, `-`, `_` and `.` (character 1)".into(),
        ),
    ];
    let expected: Vec<(&str, &str, ErrorKind, &str)> = expected
        .iter()
        .map(|(f, s, k, m)| (*f, s.as_str(), *k, m.as_str()))
        .collect();
    assert_eq!(got, expected);
    assert_eq!(err.target(), "Config");
    assert_eq!(
        err.field("username"),
        None,
        "the field that loaded is not listed"
    );

    let shown = err.to_string();
    assert!(shown.starts_with("failed to load Config: 9 fields failed\n  - db_host (env DB_HOST): env DB_HOST is not set\n"), "{shown}");
    assert_eq!(shown.lines().count(), 10);
    assert_no_secret("Display", &shown);
    assert_no_secret("Debug", &format!("{err:?}"));
}

#[tokio::test]
async fn a_missing_backend_is_named_on_each_field_that_needs_it() {
    #[derive(Secrets)]
    struct Remote {
        #[kms]
        db_pass: SecretString,
        #[gcs(object = "app1", key = "username")]
        username: String,
    }
    let kms = MemoryKms::new();
    let sources = Sources::builder().env(base_env(&kms)).build();
    let err = Remote::load_from(&sources)
        .await
        .err()
        .expect("the load must fail");
    assert_eq!(err.fields().len(), 2);
    for field in err.fields() {
        assert_eq!(field.kind(), ErrorKind::Unconfigured, "{field}");
        assert!(field.message().contains("Sources::builder()"), "{field}");
    }
}

#[tokio::test]
async fn names_read_at_boot_are_checked_like_literals() {
    #[derive(Secrets)]
    struct Names {
        #[kms]
        db_pass: SecretString,
        #[gcs(object = "app1")]
        app: Vec<u8>,
    }
    let kms = MemoryKms::new();
    let ciphertext = b64(&kms.encrypt(KEY, DB_PASS.as_bytes()));
    let sources = Sources::builder()
        .env([
            ("DB_PASS", ciphertext),
            ("KMS_CRYPTO_KEY_ID", format!("{KEY}/cryptoKeyVersions/1")),
            ("STORAGE_BUCKET", " ".to_owned()),
        ])
        .kms(kms.clone())
        .gcs(store())
        .build();
    let err = Names::load_from(&sources)
        .await
        .err()
        .expect("the load must fail");
    let db_pass = err.field("db_pass").unwrap();
    assert_eq!(db_pass.kind(), ErrorKind::Invalid);
    assert!(
        db_pass
            .message()
            .contains("names a key version; decrypt takes the key"),
        "{db_pass}"
    );
    assert_eq!(db_pass.origin(), "kms $KMS_CRYPTO_KEY_ID via env DB_PASS");
    let app = err.field("app").unwrap();
    assert_eq!(
        (app.kind(), app.message()),
        (
            ErrorKind::Missing,
            "env STORAGE_BUCKET is blank (the bucket name)"
        )
    );
    assert_eq!(
        kms.decrypt_count(),
        0,
        "nothing is sent for a field that failed to resolve"
    );
}

#[tokio::test]
async fn objects_over_the_cap_and_not_json_fail_their_fields() {
    #[derive(Secrets)]
    struct Objects {
        #[gcs(object = "big")]
        big: Vec<u8>,
        #[gcs(object = "text", key = "password")]
        password: SecretString,
        #[gcs(object = "nested", key = "db")]
        db: String,
        #[gcs(object = "small")]
        small: String,
    }
    let gcs = store()
        .with_object(BUCKET, "big", vec![b'x'; 2049])
        .with_object(BUCKET, "text", format!("password={APP_PASSWORD}"))
        .with_object(
            BUCKET,
            "nested",
            format!(r#"{{"db":{{"password":"{APP_PASSWORD}"}}}}"#),
        )
        .with_object(BUCKET, "small", "x".repeat(2048));
    let sources = Sources::builder()
        .env([("STORAGE_BUCKET", BUCKET)])
        .gcs(gcs)
        .max_object_bytes(2048)
        .build();
    let err = Objects::load_from(&sources)
        .await
        .err()
        .expect("the load must fail");
    let kinds: Vec<(&str, ErrorKind)> =
        err.fields().iter().map(|f| (f.field(), f.kind())).collect();
    assert_eq!(
        kinds,
        [
            ("big", ErrorKind::TooLarge),
            ("password", ErrorKind::Invalid),
            ("db", ErrorKind::Invalid)
        ]
    );
    assert_eq!(
        err.field("big").unwrap().message(),
        "object gs://my-bucket/big is 2049 bytes, over the cap of 2048 bytes"
    );
    assert_eq!(
        err.field("password").unwrap().message(),
        "the object is not valid JSON (error at line 1 column 1)"
    );
    assert_eq!(
        err.field("db").unwrap().message(),
        "key `db` holds a JSON object; expected a string, number or boolean"
    );
    assert_no_secret("Display", &err.to_string());
}

#[derive(Debug, Secrets)]
struct Absence {
    #[env]
    level: Option<u8>,
    #[env(default = "info")]
    mode: String,
    #[kms]
    webhook: Option<SecretString>,
    #[gcs(object = "app1", key = "nickname")]
    nickname: Option<String>,
    #[gcs(object = "app1", key = "manager")]
    manager: Option<String>,
    #[gcs(object = "missing")]
    extra: Option<Vec<u8>>,
}

#[tokio::test]
async fn empty_env_vars_null_keys_and_missing_objects_are_absence() {
    let gcs = store().with_object(BUCKET, "app1", r#"{"username":"u","manager":null}"#);
    let env = [
        ("LEVEL", ""),
        ("MODE", ""),
        ("WEBHOOK", ""),
        ("STORAGE_BUCKET", BUCKET),
    ];
    let sources = Sources::builder().env(env).gcs(gcs).build();
    let loaded = Absence::load_from(&sources).await.unwrap();
    assert_eq!(loaded.level, None, "an empty env var is unset");
    assert_eq!(loaded.mode, "info", "an empty env var takes the default");
    assert!(
        loaded.webhook.is_none(),
        "empty ciphertext is unset; no KMS needed"
    );
    assert_eq!(
        (loaded.nickname, loaded.manager, loaded.extra),
        (None, None, None)
    );
}

#[tokio::test]
async fn absence_is_an_error_for_required_fields_and_a_missing_bucket_always() {
    // An alias: the derive cannot see that it is a `u16`, so a default that does not parse
    // compiles and is the runtime's to report (the derive rejects it on a `u16` as written).
    type Port = u16;
    #[derive(Secrets)]
    struct Required {
        #[env]
        level: u8,
        #[gcs(object = "app1", key = "manager")]
        manager: String,
        #[gcs(bucket = "no-such-bucket", object = "app1")]
        optional_but_bucket_missing: Option<Vec<u8>>,
        #[env(name = "PORT", default = "80x")]
        port: Port,
    }
    let gcs = store().with_object(BUCKET, "app1", r#"{"manager":null}"#);
    let env = [("LEVEL", ""), ("STORAGE_BUCKET", BUCKET)];
    let sources = Sources::builder().env(env).gcs(gcs).build();
    let err = Required::load_from(&sources)
        .await
        .err()
        .expect("the load must fail");
    let got: Vec<String> = err.fields().iter().map(ToString::to_string).collect();
    assert_eq!(
        got,
        [
            "level (env LEVEL): env LEVEL is empty",
            "manager (gs://my-bucket/app1#manager): key `manager` is null",
            "optional_but_bucket_missing (gs://no-such-bucket/app1): bucket gs://no-such-bucket not found",
            "port (env PORT, unset: the default): the value is not a valid u16: invalid digit found in string",
        ]
    );
}
