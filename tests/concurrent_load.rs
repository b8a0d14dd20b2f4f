//! 1,000 loads at once in one process, against the KMS wire server and fake-gcs-server with
//! 1 % of requests failing transiently: every load succeeds, and memory stays bounded.

#![cfg(feature = "gcp")]

mod common;

use std::sync::Arc;

use common::{API_TOKEN, APP_PASSWORD, BUCKET, DB_PASS, KEY, OTHER_KEY, b64};
use secrets_runtime::{ExposeSecret, SecretString, Secrets, Sources};
use secrets_wire_server::{FakeGcs, Fault, GcsProxy, KmsServer};

const LOADS: usize = 1_000;
/// 1 % of requests, in faults per million.
const FAULT_RATE: u32 = 10_000;

#[derive(Secrets)]
struct Config {
    #[kms]
    db_pass: SecretString,
    #[kms(
        env = "API_TOKEN_CT",
        key = "projects/p/locations/global/keyRings/r/cryptoKeys/other"
    )]
    api_token: SecretString,
    #[gcs(object = "app1", key = "username")]
    username: String,
    #[gcs(object = "app1", key = "password")]
    password: SecretString,
}

/// The peak resident set of this process so far, from the kernel.
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_loads_with_transient_faults_all_succeed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(BUCKET)).unwrap();
    let app1 = format!(r#"{{"username":"my-user","password":"{APP_PASSWORD}"}}"#);
    std::fs::write(dir.path().join(BUCKET).join("app1"), app1).unwrap();
    let gcs = FakeGcs::start(dir.path()).await;
    let proxy = GcsProxy::start(&gcs.endpoint()).await;
    let kms = KmsServer::start().await;
    let env = [
        ("DB_PASS", b64(&kms.encrypt(KEY, DB_PASS.as_bytes()))),
        (
            "API_TOKEN_CT",
            b64(&kms.encrypt(OTHER_KEY, API_TOKEN.as_bytes())),
        ),
        ("KMS_CRYPTO_KEY_ID", KEY.to_owned()),
        ("STORAGE_BUCKET", BUCKET.to_owned()),
    ];
    // One Sources for the process, as `load()` has: one client of each kind, shared.
    let sources = Arc::new(
        Sources::builder()
            .env(env)
            .kms_endpoint(kms.endpoint())
            .storage_endpoint(proxy.endpoint())
            .build(),
    );
    Config::load_from(&sources).await.unwrap();
    let before = peak_rss_kib();
    kms.faults().set_rate(FAULT_RATE, Fault::Unavailable);
    proxy.faults().set_rate(FAULT_RATE, Fault::Unavailable);

    let loads: Vec<_> = (0..LOADS)
        .map(|_| {
            let sources = sources.clone();
            tokio::spawn(async move { Config::load_from(&sources).await })
        })
        .collect();
    let mut failures = Vec::new();
    for load in loads {
        match load.await.unwrap() {
            Ok(config) => {
                assert_eq!(config.db_pass.expose_secret(), DB_PASS);
                assert_eq!(config.api_token.expose_secret(), API_TOKEN);
                assert_eq!(config.username, "my-user");
                assert_eq!(config.password.expose_secret(), APP_PASSWORD);
            }
            Err(error) => failures.push(error.to_string()),
        }
    }
    let after = peak_rss_kib();
    let requests = kms.request_count() + proxy.request_count();
    println!(
        "{LOADS} concurrent loads: {} failed, {requests} requests (3 per load plus retries), peak RSS {} MiB before, {} MiB after",
        failures.len(),
        before / 1024,
        after / 1024
    );
    assert!(
        failures.is_empty(),
        "{} loads failed, first: {}",
        failures.len(),
        failures[0]
    );
    assert!(
        requests > 3 * LOADS,
        "some faults were injected and retried: {requests} requests"
    );
    // Bounded: a thousand loads of four small secrets may not cost anywhere near 256 MiB.
    assert!(
        after - before < 256 * 1024,
        "peak RSS grew by {} MiB",
        (after - before) / 1024
    );
}
