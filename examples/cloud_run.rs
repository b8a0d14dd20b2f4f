//! A Cloud Run (or Cloud Functions 2nd gen) service that loads its secrets before it listens.
//!
//! Boot order matters: the config is loaded, every secret decrypted or downloaded, before
//! the port opens, so the platform never routes a request to an instance without them, and
//! a broken deploy fails its startup probe with one error that names every failed field.
//!
//! It reads every kind of Google source: a KMS ciphertext (`DB_PASS`), a JSON object in a
//! bucket (`STORAGE_BUCKET`), a Secret Manager secret (`api-token`, in the project of
//! `GOOGLE_CLOUD_PROJECT`, else the metadata server's: Cloud Run sets no project variable), and
//! a secret Cloud Run mounts as a file (the path in `TLS_KEY_FILE`). Deployed as the README's
//! "Deploying on Cloud Run" shows, plus:
//!
//! ```sh
//! gcloud run deploy my-fn ... \
//!     --set-secrets=/secrets/tls-key=tls-key:latest \
//!     --set-env-vars DB_PASS=$DB_PASS,KMS_CRYPTO_KEY_ID=$KEY,STORAGE_BUCKET=$PROJECT-secrets,TLS_KEY_FILE=/secrets/tls-key
//! ```
//!
//! Locally, with those variables and `GOOGLE_CLOUD_PROJECT` set:
//!
//! ```sh
//! cargo run --features gcp --example cloud_run
//! ```

#![forbid(unsafe_code)]

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use secrets_runtime::{ExposeSecret, SecretSlice, SecretString, Secrets};

#[derive(Secrets)]
struct Config {
    /// Cloud Run sets PORT.
    #[env(name = "PORT", default = "8080")]
    port: u16,
    /// Cloud Run needs 0.0.0.0; tests bind to loopback.
    #[env(name = "HOST", default = "0.0.0.0")]
    host: std::net::IpAddr,
    #[kms]
    db_pass: SecretString,
    #[gcs(object = "app1", key = "username")]
    username: String,
    #[gcs(object = "app1", key = "password")]
    password: SecretString,
    /// Version `latest` of secret `api-token`: Cloud Run's service account needs
    /// roles/secretmanager.secretAccessor on it.
    #[secret_manager(secret = "api-token")]
    api_token: SecretString,
    /// A Cloud Run secret volume (`--set-secrets=/secrets/tls-key=tls-key:latest`), at the path
    /// env `TLS_KEY_FILE` gives, so that the same binary runs where secrets are mounted elsewhere.
    #[file(path_env = "TLS_KEY_FILE")]
    tls_key: SecretSlice<u8>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let config = match Config::load().await {
        Ok(config) => Arc::new(config),
        Err(error) => {
            // One JSON line, which Cloud Logging parses into one entry of severity ERROR with
            // every failed field (the multi-line `{error}` would be an entry per line). No
            // values: names, origins and causes only.
            let entry = serde_json::json!({
                "severity": "ERROR",
                "message": format!("{error:#}"),
                "error": error,
            });
            eprintln!("{entry}");
            return ExitCode::FAILURE;
        }
    };
    let address = SocketAddr::new(config.host, config.port);
    let listener = match tokio::net::TcpListener::bind(address).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("cannot listen on {address}: {error}");
            return ExitCode::FAILURE;
        }
    };
    eprintln!("listening on {address}");
    let app = Router::new().route("/", get(hello)).with_state(config);
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(stop_requested())
        .await;
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("server error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Cloud Run sends SIGTERM before it stops an instance; a terminal sends SIGINT.
async fn stop_requested() {
    let Ok(mut terminate) =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
    else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = terminate.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}

/// What the seed function answers: who it is, and that it holds its secrets, never the
/// secrets themselves.
async fn hello(State(config): State<Arc<Config>>) -> String {
    format!(
        "username: {}\npassword: [REDACTED]\ndatabase password loaded: {}\napi token loaded: {}\ntls key loaded: {}\n",
        config.username,
        !config.db_pass.expose_secret().is_empty() && !config.password.expose_secret().is_empty(),
        !config.api_token.expose_secret().is_empty(),
        !config.tls_key.expose_secret().is_empty(),
    )
}
