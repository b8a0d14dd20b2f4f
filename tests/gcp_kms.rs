//! `#[kms]` through Google's official KMS client, over real HTTP, against the project's KMS
//! wire server: success, every failure class, retries and the deadline.

#![cfg(feature = "gcp")]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{API_TOKEN, DB_PASS, KEY, OTHER_KEY, assert_no_secret, b64, quick};

use secrets_runtime::gcp::GcpKms;
use secrets_runtime::{BoxFuture, ErrorKind, ExposeSecret, SecretString, Secrets, Sources};
use secrets_wire_server::{Fault, KmsServer};

#[derive(Debug, Secrets)]
struct Config {
    #[kms]
    db_pass: SecretString,
    #[kms(env = "DB_PASS")]
    db_pass_again: SecretString,
    #[kms(
        env = "API_TOKEN_CT",
        key = "projects/p/locations/global/keyRings/r/cryptoKeys/other"
    )]
    api_token: SecretString,
    #[kms(env = "PIN_CT")]
    pin: Option<u32>,
}

/// A server with both keys, and env holding ciphertext the server made.
async fn setup() -> (KmsServer, Vec<(String, String)>) {
    let server = KmsServer::start().await;
    // Every decrypt of every test must carry the ciphertext's CRC32C.
    server.set_require_ciphertext_crc(true);
    server.create_key(KEY);
    server.create_key(OTHER_KEY);
    let env = vec![
        (
            "DB_PASS".to_owned(),
            b64(&server.encrypt(KEY, DB_PASS.as_bytes())),
        ),
        (
            "API_TOKEN_CT".to_owned(),
            b64(&server.encrypt(OTHER_KEY, API_TOKEN.as_bytes())),
        ),
        ("KMS_CRYPTO_KEY_ID".to_owned(), KEY.to_owned()),
    ];
    (server, env)
}

/// The official client at `server`, with a short deadline and quick retries so that failure
/// tests end soon.
fn sources(server: &KmsServer, env: Vec<(String, String)>) -> Sources {
    Sources::builder()
        .env(env)
        .kms_endpoint(server.endpoint())
        .retry(quick())
        .build()
}

/// The one failure of a load that must fail: the field, its source, and no secret anywhere.
fn failure(
    result: Result<Config, secrets_runtime::Error>,
    field: &str,
) -> secrets_runtime::FieldError {
    let failed = common::failure(result, field);
    assert!(
        failed
            .origin()
            .starts_with("kms projects/p/locations/global/keyRings/r/cryptoKeys/"),
        "{failed}"
    );
    failed
}

#[tokio::test]
async fn decrypts_through_the_official_client_once_per_ciphertext() {
    let (server, env) = setup().await;
    let config = Config::load_from(&sources(&server, env)).await.unwrap();
    assert_eq!(config.db_pass.expose_secret(), DB_PASS);
    assert_eq!(config.db_pass_again.expose_secret(), DB_PASS);
    assert_eq!(config.api_token.expose_secret(), API_TOKEN);
    assert_eq!(config.pin, None);
    assert_eq!(server.decrypt_count(), 2, "two distinct ciphertexts");
    assert_eq!(
        server.decrypts_with_crc_count(),
        2,
        "each with its ciphertextCrc32c"
    );
    assert_no_secret("Debug", &format!("{config:?}"));
}

#[tokio::test]
async fn ciphertext_under_another_key_is_a_decrypt_error() {
    let (server, mut env) = setup().await;
    env.push(("PIN_CT".into(), b64(&server.encrypt(OTHER_KEY, b"1234")))); // read with KEY
    let failed = failure(Config::load_from(&sources(&server, env)).await, "pin");
    assert_eq!(failed.kind(), ErrorKind::Decrypt, "{failed}");
    assert!(
        failed
            .message()
            .contains(&format!("key {KEY} rejected the request")),
        "{failed}"
    );
}

#[tokio::test]
async fn corrupted_and_truncated_ciphertext_are_decrypt_errors() {
    let (server, mut env) = setup().await;
    let mut corrupted = server.encrypt(KEY, b"1234");
    let middle = corrupted.len() / 2;
    corrupted[middle] ^= 0x01;
    env.push(("PIN_CT".into(), b64(&corrupted)));
    let failed = failure(
        Config::load_from(&sources(&server, env.clone())).await,
        "pin",
    );
    assert_eq!(failed.kind(), ErrorKind::Decrypt, "{failed}");

    let whole = server.encrypt(KEY, b"1234");
    env.pop();
    env.push(("PIN_CT".into(), b64(&whole[..whole.len() - 5])));
    let failed = failure(Config::load_from(&sources(&server, env)).await, "pin");
    assert_eq!(failed.kind(), ErrorKind::Decrypt, "{failed}");
}

#[tokio::test]
async fn permission_denied_names_the_key_and_the_role_and_is_not_retried() {
    let (server, env) = setup().await;
    server.deny(OTHER_KEY);
    let sources = sources(&server, env);
    let failed = failure(Config::load_from(&sources).await, "api_token");
    assert_eq!(failed.kind(), ErrorKind::PermissionDenied, "{failed}");
    assert!(
        failed.message().starts_with(&format!(
            "permission denied on key {OTHER_KEY}: grant the function's service account roles/cloudkms.cryptoKeyDecrypter on it"
        )),
        "{failed}"
    );
    assert_eq!(
        server.decrypt_count(),
        2,
        "one attempt each: 403 is permanent"
    );
}

#[tokio::test]
async fn an_unknown_key_is_not_found() {
    let (server, mut env) = setup().await;
    let missing = "projects/p/locations/global/keyRings/r/cryptoKeys/missing";
    env.retain(|(name, _)| name != "KMS_CRYPTO_KEY_ID");
    env.push(("KMS_CRYPTO_KEY_ID".into(), missing.into()));
    let err = Config::load_from(&sources(&server, env))
        .await
        .expect_err("the key does not exist");
    assert_no_secret("error", &format!("{err} {err:?}"));
    let failed = err.field("db_pass").unwrap();
    assert_eq!(failed.kind(), ErrorKind::NotFound, "{failed}");
    assert!(
        failed
            .message()
            .starts_with(&format!("key {missing} not found")),
        "{failed}"
    );
    assert_eq!(failed.origin(), format!("kms {missing} via env DB_PASS"));
}

#[tokio::test]
async fn unavailable_twice_then_success_is_retried() {
    let (server, env) = setup().await;
    server.faults().push(Fault::Unavailable);
    server.faults().push(Fault::Unavailable);
    let sources = sources(&server, env);
    let config = Config::load_from(&sources).await.unwrap();
    assert_eq!(config.db_pass.expose_secret(), DB_PASS);
    assert_eq!(config.api_token.expose_secret(), API_TOKEN);
    assert_eq!(server.decrypt_count(), 4, "2 decrypts + 2 retried 503s");
}

#[tokio::test]
async fn throttling_and_reset_connections_are_retried() {
    let (server, env) = setup().await;
    server.faults().push(Fault::ResourceExhausted);
    server.faults().push(Fault::Reset);
    let sources = sources(&server, env);
    let config = Config::load_from(&sources).await.unwrap();
    assert_eq!(config.api_token.expose_secret(), API_TOKEN);
}

/// A load against a server that always answers with `fault`: it must end by its deadline.
async fn load_against(fault: Fault) -> (KmsServer, secrets_runtime::Error) {
    let (server, env) = setup().await;
    server.faults().set_always(Some(fault));
    let sources = sources(&server, env);
    // Not a speed bound: five deadlines only tell "stopped at its deadline" from "kept going".
    let result = tokio::time::timeout(quick().deadline * 5, Config::load_from(&sources))
        .await
        .expect("the load outlived its deadline");
    (server, result.expect_err("every request fails"))
}

#[tokio::test]
async fn unavailable_forever_fails_at_the_deadline() {
    let (server, err) = load_against(Fault::Unavailable).await;
    let failed = failure(Err(err), "db_pass");
    assert_eq!(failed.kind(), ErrorKind::Unavailable, "{failed}");
    assert!(
        failed
            .message()
            .starts_with("gave up at the load deadline (2 s) after "),
        "{failed}"
    );
    assert!(failed.message().contains("UNAVAILABLE"), "{failed}");
    assert!(
        server.decrypt_count() > 2,
        "retried before giving up: {}",
        server.decrypt_count()
    );
}

#[tokio::test]
async fn a_hanging_server_fails_at_the_deadline() {
    let (_server, err) = load_against(Fault::Hang).await;
    let failed = failure(Err(err), "api_token");
    assert_eq!(failed.kind(), ErrorKind::Unavailable, "{failed}");
    assert!(failed.message().contains("no answer within "), "{failed}");
}

#[tokio::test]
async fn a_reply_with_a_wrong_plaintext_checksum_is_never_used() {
    let (server, env) = setup().await;
    server.set_wrong_plaintext_crc(true);
    let failed = failure(Config::load_from(&sources(&server, env)).await, "db_pass");
    assert_eq!(failed.kind(), ErrorKind::Integrity, "{failed}");
    assert_eq!(
        failed.message(),
        format!(
            "key {KEY}: the plaintext does not match its CRC32C checksum; the value was not used"
        )
    );
}

#[tokio::test]
async fn the_client_is_built_once_and_only_when_a_field_needs_it() {
    #[derive(Secrets)]
    struct Plain {
        #[env(default = "x")]
        mode: String,
    }
    let builds = Arc::new(AtomicUsize::new(0));
    // The official client at `endpoint`, counting how often it is built.
    let counted = |endpoint: String| {
        let builds = Arc::clone(&builds);
        move || {
            builds.fetch_add(1, Ordering::SeqCst);
            Box::pin(GcpKms::connect(Some(endpoint.clone()))) as BoxFuture<'static, _>
        }
    };
    // An endpoint nothing listens on: building is lazy, so an env-only struct never notices.
    let unused = Sources::builder()
        .env([("A", "b")])
        .kms_with(counted("http://127.0.0.1:9".to_owned()))
        .build();
    assert_eq!(Plain::load_from(&unused).await.unwrap().mode, "x");
    assert_eq!(
        builds.load(Ordering::SeqCst),
        0,
        "no #[kms] field, no client"
    );

    let (server, env) = setup().await;
    let sources = Sources::builder()
        .env(env)
        .kms_with(counted(server.endpoint()))
        .retry(quick())
        .build();
    for _ in 0..3 {
        Config::load_from(&sources).await.unwrap();
    }
    assert_eq!(builds.load(Ordering::SeqCst), 1, "three loads, one client");
    assert_eq!(server.decrypt_count(), 6);
}

#[tokio::test]
async fn a_reply_without_a_plaintext_checksum_is_never_used() {
    let (server, env) = setup().await;
    server.set_omit_plaintext_crc(true);
    let failed = failure(Config::load_from(&sources(&server, env)).await, "db_pass");
    assert_eq!(failed.kind(), ErrorKind::Integrity, "{failed}");
    assert_eq!(
        failed.message(),
        format!(
            "key {KEY}: the reply carries no plaintext CRC32C checksum; the value was not used"
        )
    );
}

#[derive(Secrets)]
struct Bundled {
    #[bundle]
    db_pass: SecretString,
    #[bundle(key = "API_TOKEN")]
    api_token: SecretString,
    #[bundle]
    pin: u32,
}

/// A bundle through the official client: one decrypt for every field, in either form.
#[tokio::test]
async fn a_bundle_is_one_decrypt_for_all_its_fields_in_either_form() {
    let (server, mut env) = setup().await;
    let json = format!(r#"{{"db_pass":"{DB_PASS}","API_TOKEN":"{API_TOKEN}","pin":1234}}"#);
    let plain = b64(&server.encrypt(KEY, json.as_bytes()));
    let envelope =
        secrets_runtime::berglas::seal(json.as_bytes(), |dek| Ok(server.encrypt(KEY, dek)))
            .unwrap();
    for bundle in [plain, envelope] {
        env.retain(|(var, _)| var != "SECRETS_BUNDLE");
        env.push(("SECRETS_BUNDLE".to_owned(), bundle));
        let before = server.decrypt_count();
        let loaded = Bundled::load_from(&sources(&server, env.clone()))
            .await
            .unwrap();
        assert_eq!(loaded.db_pass.expose_secret(), DB_PASS);
        assert_eq!(loaded.api_token.expose_secret(), API_TOKEN);
        assert_eq!(loaded.pin, 1234);
        assert_eq!(server.decrypt_count() - before, 1);
    }
}
