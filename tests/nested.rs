//! Nested structs through the derive: one load for the whole tree, shared requests made once,
//! failures named by path, prefixes where the nested struct's own prefix goes, and conflicts
//! only the load can see.

mod common;

use common::{KEY, assert_no_secret, b64};
use secrets_runtime::memory::{MemoryKms, MemoryStore};
use secrets_runtime::{ErrorKind, ExposeSecret, SecretString, Secrets, Sources};

#[derive(Secrets)]
#[secrets(prefix = "PG_")]
struct Database {
    #[env(default = "5432")] // env <outer prefix>PG_PORT
    port: u16,
    #[kms] // env <outer prefix>PG_PASSWORD; key from KMS_CRYPTO_KEY_ID, never prefixed
    password: SecretString,
    #[gcs(object = "shared", key = "ca")] // bucket from STORAGE_BUCKET, never prefixed
    ca: String,
}

#[derive(Secrets)]
struct Config {
    #[env]
    region: String,
    #[gcs(object = "shared", key = "token")]
    token: SecretString,
    #[secrets(nested, prefix = "PRIMARY_")]
    primary: Database,
    #[secrets(nested, prefix = "REPLICA_")]
    replica: Database,
}

const PRIMARY: &str = "primary-pass-Zq51";
const REPLICA: &str = "replica-pass-Zq52";
const TOKEN: &str = "token-Zq53";

fn backends() -> (MemoryKms, MemoryStore) {
    let store = MemoryStore::new().with_object(
        "my-bucket",
        "shared",
        format!(r#"{{"token":"{TOKEN}","ca":"the-ca"}}"#),
    );
    (MemoryKms::new(), store)
}

fn env(kms: &MemoryKms) -> Vec<(String, String)> {
    vec![
        ("REGION".into(), "europe-west1".into()),
        ("KMS_CRYPTO_KEY_ID".into(), KEY.into()),
        ("STORAGE_BUCKET".into(), "my-bucket".into()),
        (
            "PRIMARY_PG_PASSWORD".into(),
            b64(&kms.encrypt(KEY, PRIMARY.as_bytes())),
        ),
        (
            "REPLICA_PG_PASSWORD".into(),
            b64(&kms.encrypt(KEY, REPLICA.as_bytes())),
        ),
        ("REPLICA_PG_PORT".into(), "6432".into()),
    ]
}

#[tokio::test]
async fn a_tree_of_structs_loads_in_one_load_with_shared_requests_made_once() {
    let (kms, store) = backends();
    let sources = Sources::builder()
        .env(env(&kms))
        .kms(kms.clone())
        .gcs(store.clone())
        .build();
    let config = Config::load_from(&sources).await.unwrap();
    assert_eq!(config.region, "europe-west1");
    assert_eq!(config.token.expose_secret(), TOKEN);
    assert_eq!(config.primary.password.expose_secret(), PRIMARY);
    assert_eq!(config.replica.password.expose_secret(), REPLICA);
    assert_eq!((config.primary.port, config.replica.port), (5432, 6432));
    assert_eq!(
        (config.primary.ca.as_str(), config.replica.ca.as_str()),
        ("the-ca", "the-ca")
    );
    // Three levels read one object: one read. Two distinct ciphertexts: two decrypts.
    assert_eq!((store.read_count(), kms.decrypt_count()), (1, 2));
}

#[tokio::test]
async fn failures_in_nested_structs_are_named_by_path() {
    let (kms, store) = backends();
    let mut env = env(&kms);
    env.retain(|(var, _)| var != "REPLICA_PG_PASSWORD");
    env.push(("PRIMARY_PG_PORT".into(), "not-a-port".into()));
    let sources = Sources::builder().env(env).kms(kms).gcs(store).build();
    let Err(err) = Config::load_from(&sources).await else {
        panic!("the load must fail")
    };
    let failed: Vec<(&str, &str, ErrorKind)> = err
        .fields()
        .iter()
        .map(|f| (f.field(), f.origin(), f.kind()))
        .collect();
    assert_eq!(
        failed,
        [
            ("primary.port", "env PRIMARY_PG_PORT", ErrorKind::Invalid),
            (
                "replica.password",
                "kms projects/p/locations/global/keyRings/r/cryptoKeys/k via env REPLICA_PG_PASSWORD",
                ErrorKind::Missing
            ),
        ]
    );
    assert_eq!(err.target(), "Config");
    assert!(err.field("replica.password").is_some());
    assert_no_secret("the error", &format!("{err}\n{err:?}"));
    for secret in [PRIMARY, REPLICA, TOKEN] {
        assert!(!format!("{err}\n{err:?}").contains(secret));
    }
}

/// Reads env `DB_PASSWORD` as plain text, while `Inner` under prefix `DB_` decrypts it: no
/// single struct shows the conflict, so the derive cannot; the load must.
#[derive(Secrets)]
#[allow(dead_code)] // only its failure is asserted
struct Inner {
    #[kms(key = "projects/p/locations/global/keyRings/r/cryptoKeys/k")]
    password: SecretString,
}

#[derive(Secrets)]
#[allow(dead_code)] // only its failure is asserted
struct Clashing {
    #[env(name = "DB_PASSWORD")]
    password_text: String,
    #[secrets(nested, prefix = "DB_")]
    db: Inner,
}

#[tokio::test]
async fn an_env_var_two_structs_read_in_conflicting_ways_fails_the_load_clearly() {
    let kms = MemoryKms::new();
    let sources = Sources::builder()
        .env([("DB_PASSWORD", b64(&kms.encrypt(KEY, b"conflict-Zq54")))])
        .kms(kms.clone())
        .build();
    let Err(err) = Clashing::load_from(&sources).await else {
        panic!("the load must fail")
    };
    let failed = err.field("db.password").expect("the nested field fails");
    assert_eq!(failed.kind(), ErrorKind::Invalid);
    assert_eq!(
        failed.message(),
        "env DB_PASSWORD is read as ciphertext here but as plain text by field `password_text`; read each from its own env var"
    );
    assert_eq!(kms.decrypt_count(), 0, "nothing is decrypted on a guess");
    assert!(!err.to_string().contains("conflict-Zq54"));
}

#[derive(Secrets)]
struct Bundle {
    #[kms(env = "BUNDLE", json_key = "user")]
    user: String,
    #[kms(env = "BUNDLE", json_key = "password")]
    password: SecretString,
    #[kms(env = "BUNDLE", json_key = "port")]
    port: u16,
    #[kms(env = "BUNDLE", json_key = "absent")]
    absent: Option<String>,
}

#[tokio::test]
async fn keys_of_one_decrypted_json_object_share_one_decrypt() {
    let kms = MemoryKms::new();
    let plaintext = br#"{"user":"admin","password":"bundle-pass-Zq55","port":5432}"#;
    let sources = Sources::builder()
        .env([
            ("BUNDLE", b64(&kms.encrypt(KEY, plaintext))),
            ("KMS_CRYPTO_KEY_ID", KEY.to_owned()),
        ])
        .kms(kms.clone())
        .build();
    let bundle = Bundle::load_from(&sources).await.unwrap();
    assert_eq!(bundle.user, "admin");
    assert_eq!(bundle.password.expose_secret(), "bundle-pass-Zq55");
    assert_eq!((bundle.port, bundle.absent), (5432, None));
    assert_eq!(kms.decrypt_count(), 1);

    // A plaintext that is not a JSON object fails every field that picks from it, once
    // parsed, without quoting it.
    let sources = Sources::builder()
        .env([
            ("BUNDLE", b64(&kms.encrypt(KEY, b"not-json-Zq56"))),
            ("KMS_CRYPTO_KEY_ID", KEY.to_owned()),
        ])
        .kms(kms)
        .build();
    let Err(err) = Bundle::load_from(&sources).await else {
        panic!("the load must fail")
    };
    assert_eq!(err.fields().len(), 4, "{err}");
    assert_eq!(
        err.field("user").map(|f| (f.origin(), f.message())),
        Some((
            "kms projects/p/locations/global/keyRings/r/cryptoKeys/k via env BUNDLE#user",
            "the object is not valid JSON (error at line 1 column 2)"
        ))
    );
    assert!(!format!("{err:?}").contains("Zq56"));
}
