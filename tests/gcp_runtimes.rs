//! Google's clients are kept for the process, yet every load may run on another Tokio runtime
//! (each `#[tokio::test]` is one; so is a short-lived runtime in `main`). Tested through the
//! production credentials path: Application Default Credentials finding a local metadata
//! server (`GCE_METADATA_HOST`) that issues short-lived tokens, and the KMS wire server
//! refusing any request whose bearer token is missing, unknown or expired. The loads are
//! `Config::load()` itself, with its default policy.
//!
//! `GCE_METADATA_HOST` must be in the process environment, so the loads run in a child (see
//! `common::child`).

#![cfg(feature = "gcp")]

mod common;

use std::time::Duration;

use common::child::{in_child, run_child};
use common::{DB_PASS, KEY, assert_no_secret, b64};
use secrets_runtime::gcp::{CREDENTIALS_ENV, KMS_ENDPOINT_ENV};
use secrets_runtime::{ErrorKind, ExposeSecret, SecretString, Secrets, Sources};
use secrets_wire_server::{KmsServer, MetadataServer};

/// What the metadata server says a token lives. google-cloud-auth refreshes a token that lives
/// under 4 minutes every 10 s, on the task it spawned when the client was built: with 12 s,
/// the second load (after the first token expired) needs the token that task fetched. Where
/// that task died with the first runtime, the second load panicked inside the auth crate.
const TOKEN_LIFETIME: Duration = Duration::from_secs(12);

#[derive(Debug, Secrets)]
struct Config {
    #[kms]
    db_pass: SecretString,
}

#[test]
fn loads_on_five_runtimes_with_metadata_server_tokens() {
    if in_child() {
        return five_runtimes();
    }
    let servers = tokio::runtime::Runtime::new().unwrap();
    let (kms, metadata) = servers.block_on(async {
        let kms = KmsServer::start().await;
        let metadata = MetadataServer::start(TOKEN_LIFETIME).await;
        kms.require_tokens(metadata.tokens());
        (kms, metadata)
    });
    let ciphertext = b64(&kms.encrypt(KEY, DB_PASS.as_bytes()));
    // The servers answer from `servers`' worker threads while this thread waits for the child.
    let output = run_child(
        "loads_on_five_runtimes_with_metadata_server_tokens",
        &[
            ("GCE_METADATA_HOST", metadata.host()),
            (KMS_ENDPOINT_ENV, kms.endpoint()),
            (CREDENTIALS_ENV, "adc".to_owned()),
            ("KMS_CRYPTO_KEY_ID", KEY.to_owned()),
            ("DB_PASS", ciphertext),
        ],
    );
    let mut loaded: Vec<&str> = output
        .lines()
        .filter(|line| line.starts_with("loaded on "))
        .collect();
    // Runtimes 4 and 5 load in parallel threads: either may print first.
    loaded.sort_unstable();
    assert_eq!(
        loaded,
        [
            "loaded on runtime 1",
            "loaded on runtime 2",
            "loaded on runtime 3",
            "loaded on runtime 4",
            "loaded on runtime 5",
        ],
        "{output}"
    );

    let tokens = metadata.tokens();
    assert_eq!(tokens.rejected(), 0, "every request carried a valid token");
    assert_eq!(
        tokens.accepted(),
        kms.request_count(),
        "and every request was checked"
    );
    assert_eq!(kms.decrypt_count(), 5, "one decrypt per load");
    // The first token expired before the second runtime's load: that load and the later ones
    // were served with a token fetched after the first runtime was gone.
    assert!(tokens.used() >= 2, "{tokens:?}");
}

/// The child: one load on each of five runtimes, three one after another (the first gone
/// before the next starts, its token expired), then two at once on their own threads.
fn five_runtimes() {
    fn load_on(runtime: &tokio::runtime::Runtime, n: usize) {
        let config = runtime
            .block_on(Config::load())
            .unwrap_or_else(|e| panic!("runtime {n}: {e}"));
        assert_eq!(config.db_pass.expose_secret(), DB_PASS, "runtime {n}");
        println!("loaded on runtime {n}");
    }
    let current_thread = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    };
    load_on(&current_thread(), 1);
    // Not synchronisation: the token must expire so that the next load needs a new one.
    std::thread::sleep(TOKEN_LIFETIME + Duration::from_millis(500));
    load_on(&current_thread(), 2);
    load_on(&tokio::runtime::Runtime::new().unwrap(), 3);
    std::thread::scope(|scope| {
        for n in [4, 5] {
            scope.spawn(move || load_on(&current_thread(), n));
        }
    });
}

/// The check the child relies on bites: an endpoint override sends no token unless ADC is
/// asked for, and the server refuses the request.
#[tokio::test]
async fn an_endpoint_override_is_anonymous_unless_adc_is_asked_for() {
    let kms = KmsServer::start().await;
    let metadata = MetadataServer::start(TOKEN_LIFETIME).await;
    kms.require_tokens(metadata.tokens());
    let sources = Sources::builder()
        .env([
            ("KMS_CRYPTO_KEY_ID", KEY.to_owned()),
            ("DB_PASS", b64(&kms.encrypt(KEY, DB_PASS.as_bytes()))),
        ])
        .kms_endpoint(kms.endpoint())
        .build();
    let err = Config::load_from(&sources)
        .await
        .expect_err("no token, no decrypt");
    assert_no_secret("error", &format!("{err} {err:?}"));
    let failed = err.field("db_pass").unwrap();
    assert_eq!(failed.kind(), ErrorKind::PermissionDenied, "{failed}");
    assert!(
        failed.message().starts_with(&format!(
            "the credentials were rejected for key {KEY} (Request is missing required authentication credential."
        )),
        "{failed}"
    );
    assert_eq!(
        (metadata.tokens().rejected(), metadata.tokens().issued()),
        (1, 0)
    );
}
