//! One load makes each distinct request once, and all of them at the same time.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use secrets_runtime::memory::{MemoryKms, MemoryStore};
use secrets_runtime::{
    BackendError, BoxFuture, ExposeSecret, Kms, ObjectStore, SecretBytes, SecretString, Secrets,
    Sources,
};
use tokio::sync::Barrier;

/// Answers only once `barrier` has as many requests waiting as it has parties: a load that
/// made its requests one after another would never get past the first.
struct Gated<T> {
    inner: T,
    barrier: Arc<Barrier>,
}

impl Kms for Gated<MemoryKms> {
    fn decrypt<'a>(
        &'a self,
        key: &'a str,
        ciphertext: &'a [u8],
    ) -> BoxFuture<'a, Result<SecretBytes, BackendError>> {
        Box::pin(async move {
            self.barrier.wait().await;
            self.inner.decrypt(key, ciphertext).await
        })
    }
}

impl ObjectStore for Gated<MemoryStore> {
    fn read<'a>(
        &'a self,
        bucket: &'a str,
        object: &'a str,
        max: usize,
    ) -> BoxFuture<'a, Result<Option<SecretBytes>, BackendError>> {
        Box::pin(async move {
            self.barrier.wait().await;
            self.inner.read(bucket, object, max).await
        })
    }
}

#[derive(Secrets)]
struct Wide {
    #[kms]
    db_pass: SecretString,
    #[kms(env = "DB_PASS")]
    db_pass_again: SecretString,
    #[kms(env = "API_TOKEN_CT")]
    api_token: SecretString,
    #[kms(env = "API_TOKEN_COPY")]
    api_token_copy: SecretString,
    #[gcs(object = "app1", key = "username")]
    username: String,
    #[gcs(object = "app1", key = "password")]
    password: SecretString,
    #[gcs(object = "app1", key = "port")]
    port: u16,
    #[gcs(bucket = "certs", object = "tls.pem")]
    cert: Vec<u8>,
    #[gcs(bucket = "certs", object = "tls.pem")]
    cert_again: Vec<u8>,
}

#[tokio::test]
async fn distinct_requests_are_made_once_and_all_at_once() {
    let kms = MemoryKms::new();
    let token = b64(&kms.encrypt(KEY, API_TOKEN.as_bytes()));
    let mut env = base_env(&kms);
    env.push(("API_TOKEN_CT".into(), token.clone()));
    // The same ciphertext, wrapped differently: still one decrypt.
    env.push(("API_TOKEN_COPY".into(), format!("{token}\n")));
    let gcs = store();

    // 2 distinct ciphertexts + 2 distinct objects = 4 requests, gated together.
    let barrier = Arc::new(Barrier::new(4));
    let sources = Sources::builder()
        .env(env)
        .kms(Gated {
            inner: kms.clone(),
            barrier: barrier.clone(),
        })
        .gcs(Gated {
            inner: gcs.clone(),
            barrier,
        })
        .build();

    // The timeout only turns a deadlock (requests made one at a time) into a failure.
    let config = tokio::time::timeout(Duration::from_secs(30), Wide::load_from(&sources))
        .await
        .expect("requests were not all in flight at once")
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(config.db_pass.expose_secret(), DB_PASS);
    assert_eq!(config.db_pass_again.expose_secret(), DB_PASS);
    assert_eq!(config.api_token.expose_secret(), API_TOKEN);
    assert_eq!(config.api_token_copy.expose_secret(), API_TOKEN);
    assert_eq!((config.username.as_str(), config.port), ("my-user", 5432));
    assert_eq!(config.password.expose_secret(), APP_PASSWORD);
    assert_eq!(
        (config.cert.as_slice(), config.cert_again.as_slice()),
        (CERT, CERT)
    );
    assert_eq!(
        kms.decrypt_count(),
        2,
        "one decrypt per distinct ciphertext"
    );
    assert_eq!(gcs.read_count(), 2, "one read per distinct object");
}

#[tokio::test]
async fn loads_share_nothing_but_the_backends() {
    const LOADS: usize = 8;
    let kms = MemoryKms::new();
    // Each load makes one decrypt (DB_PASS), gated until all the loads have theirs in
    // flight: loads that waited on one another through the shared `Sources` never get there,
    // and their decrypts fail at the load deadline.
    let sources = Arc::new(
        Sources::builder()
            .env(base_env(&kms))
            .kms(Gated {
                inner: kms.clone(),
                barrier: Arc::new(Barrier::new(LOADS)),
            })
            .gcs(store())
            .build(),
    );
    let handles: Vec<_> = (0..LOADS)
        .map(|_| {
            let sources = sources.clone();
            tokio::spawn(async move { Wide::load_from(&sources).await.map(|c| c.port) })
        })
        .collect();
    let mut errors = Vec::new();
    for handle in handles {
        // The timeout only turns a deadlock into a failure.
        let joined = tokio::time::timeout(Duration::from_secs(30), handle)
            .await
            .expect("the loads were not all in flight at once");
        // API_TOKEN_CT is unset here, so every load fails the same way, independently.
        errors.push(joined.unwrap().expect_err("API_TOKEN_CT is unset"));
    }
    let failed: Vec<_> = errors[0]
        .fields()
        .iter()
        .map(secrets_runtime::FieldError::field)
        .collect();
    assert_eq!(failed, ["api_token", "api_token_copy"]);
    assert!(errors.iter().all(|err| *err == errors[0]), "{errors:#?}");
    assert_eq!(
        kms.decrypt_count(),
        LOADS,
        "one decrypt per load: the failed fields send nothing"
    );
}
