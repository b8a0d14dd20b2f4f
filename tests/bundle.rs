//! `#[bundle]`: a sealed bundle of secrets in one env var, decrypted once for every field.

mod common;

use common::{API_TOKEN, APP_PASSWORD, DB_PASS, KEY, OTHER_KEY, assert_no_secret, b64};
use secrets_runtime::memory::MemoryKms;
use secrets_runtime::{ErrorKind, ExposeSecret, SecretString, Secrets, Sources, berglas};

#[derive(Secrets)]
struct Bundled {
    #[bundle]
    db_pass: SecretString,
    #[bundle(key = "API_TOKEN")]
    api_token: SecretString,
    #[bundle]
    app_password: SecretString,
    #[bundle]
    port: u16,
    #[bundle]
    missing: Option<SecretString>,
}

fn json() -> String {
    format!(
        r#"{{"db_pass": "{DB_PASS}", "API_TOKEN": "{API_TOKEN}", "app_password": "{APP_PASSWORD}", "port": 8443}}"#
    )
}

fn sources(kms: &MemoryKms, bundle: &str) -> Sources {
    Sources::builder()
        .env([("SECRETS_BUNDLE", bundle), ("KMS_CRYPTO_KEY_ID", KEY)])
        .kms(kms.clone())
        .build()
}

fn check(loaded: &Bundled) {
    assert_eq!(loaded.db_pass.expose_secret(), DB_PASS);
    assert_eq!(loaded.api_token.expose_secret(), API_TOKEN);
    assert_eq!(loaded.app_password.expose_secret(), APP_PASSWORD);
    assert_eq!(loaded.port, 8443);
    assert!(
        loaded.missing.is_none(),
        "a key the bundle lacks is absence"
    );
}

#[tokio::test]
async fn every_field_of_a_kms_ciphertext_bundle_shares_one_decrypt() {
    let kms = MemoryKms::new();
    let bundle = b64(&kms.encrypt(KEY, json().as_bytes()));
    let loaded = Bundled::load_from(&sources(&kms, &bundle)).await.unwrap();
    check(&loaded);
    assert_eq!(kms.decrypt_count(), 1);
}

#[tokio::test]
async fn an_envelope_bundle_of_any_size_is_still_one_decrypt() {
    let kms = MemoryKms::new();
    // Far over Cloud KMS's 64 KiB of plaintext: only the data key goes to the key service.
    let padding = "x".repeat(200 * 1024);
    let json = json().replace('}', &format!(r#", "padding": "{padding}"}}"#));
    let bundle = berglas::seal(json.as_bytes(), |dek| Ok(kms.encrypt(KEY, dek))).unwrap();
    let sources = Sources::builder()
        .env([
            ("SECRETS_BUNDLE", bundle.as_str()),
            ("KMS_CRYPTO_KEY_ID", KEY),
        ])
        .kms(kms.clone())
        .max_object_bytes(1 << 20)
        .build();
    let loaded = Bundled::load_from(&sources).await.unwrap();
    check(&loaded);
    assert_eq!(kms.decrypt_count(), 1);
}

#[tokio::test]
async fn a_bundle_under_another_key_or_damaged_fails_every_field_once_and_shows_nothing() {
    let kms = MemoryKms::new();
    kms.encrypt(KEY, b"");
    let other = b64(&kms.encrypt(OTHER_KEY, json().as_bytes()));
    let err = Bundled::load_from(&sources(&kms, &other))
        .await
        .err()
        .unwrap();
    // One decrypt, and every field names its failure: a failed decrypt is not absence, so
    // the `Option` field fails too.
    assert_eq!(err.fields().len(), 5, "{err}");
    assert!(
        err.fields().iter().all(|f| f.kind() == ErrorKind::Decrypt),
        "{err}"
    );
    assert_eq!(kms.decrypt_count(), 1);
    assert_eq!(
        err.fields()[0].origin(),
        format!("bundle via env SECRETS_BUNDLE#db_pass (kms {KEY})")
    );
    assert_no_secret("error", &format!("{err} {err:?}"));

    let envelope = berglas::seal(json().as_bytes(), |dek| Ok(kms.encrypt(KEY, dek))).unwrap();
    // Cut by 20 characters, the sealed part is still base64 but no longer opens...
    let cut = &envelope[..envelope.len() - 20];
    let err = Bundled::load_from(&sources(&kms, cut)).await.err().unwrap();
    assert_eq!(
        err.fields()[0].message(),
        "the bundle: its sealed value does not open with its data key: it was altered or cut"
    );
    assert_no_secret("error", &format!("{err} {err:?}"));
    // ...cut by one, it is not even base64.
    let cut = &envelope[..envelope.len() - 1];
    let err = Bundled::load_from(&sources(&kms, cut)).await.err().unwrap();
    assert!(
        err.fields()[0]
            .message()
            .starts_with("env SECRETS_BUNDLE is not a bundle envelope: "),
        "{err}"
    );
    assert_no_secret("error", &format!("{err} {err:?}"));
}

#[derive(Secrets)]
#[secrets(bundle_env = "APP_BUNDLE")]
struct Renamed {
    #[bundle]
    db_pass: Option<SecretString>,
}

#[tokio::test]
async fn the_struct_names_the_bundle_var_and_an_unset_one_is_absence() {
    let kms = MemoryKms::new();
    let bundle = b64(&kms.encrypt(KEY, json().as_bytes()));
    let sources = Sources::builder()
        .env([("APP_BUNDLE", bundle.as_str()), ("KMS_CRYPTO_KEY_ID", KEY)])
        .kms(kms.clone())
        .build();
    let loaded = Renamed::load_from(&sources).await.unwrap();
    assert_eq!(loaded.db_pass.unwrap().expose_secret(), DB_PASS);
    let none = Renamed::load_from(&Sources::builder().kms(kms).env([("X", "")]).build())
        .await
        .unwrap();
    assert!(none.db_pass.is_none());
}
