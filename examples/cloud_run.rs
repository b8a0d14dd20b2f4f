//! A Cloud Run (or Cloud Functions 2nd gen) service that loads its secrets before it listens.
//!
//! Boot order matters: the config is loaded, every secret decrypted or downloaded, before
//! the port opens, so the platform never routes a request to an instance without them, and
//! a broken deploy fails its startup probe with one error that names every failed field.
//!
//! ```sh
//! cargo run --features gcp --example cloud_run   # with DB_PASS, KMS_CRYPTO_KEY_ID, STORAGE_BUCKET set
//! ```

#![forbid(unsafe_code)]

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use secrets_runtime::{ExposeSecret, SecretString, Secrets};

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
}

#[tokio::main]
async fn main() -> ExitCode {
    let config = match Config::load().await {
        Ok(config) => Arc::new(config),
        Err(error) => {
            // One line per failed field, no values: safe for Cloud Logging.
            eprintln!("{error}");
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

/// What the seed function answers: who it is, and that it holds the password, never the
/// password itself.
async fn hello(State(config): State<Arc<Config>>) -> String {
    format!(
        "username: {}\npassword: [REDACTED]\ndatabase password loaded: {}\n",
        config.username,
        !config.db_pass.expose_secret().is_empty() && !config.password.expose_secret().is_empty(),
    )
}
