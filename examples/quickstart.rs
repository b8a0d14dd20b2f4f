//! Quickstart: `cargo run --example quickstart`. No cloud account needed.
//!
//! Sets up the local backend in a temporary directory (a key ring, a bucket, a Secret Manager
//! secret and a mounted file, as Cloud KMS, Cloud Storage, Secret Manager and a Cloud Run
//! secret volume would hold them), encrypts the demo password with it, then runs the
//! function's boot code, `Config::load()`, in a child process whose environment holds only
//! ciphertext and names, as a deployed function's would.

#![forbid(unsafe_code)]

use std::process::{Command, ExitCode};

use base64::prelude::*;
use secrets_runtime::local::{self, LocalFiles, LocalKms, LocalSecretManager, LocalStore};
use secrets_runtime::{ExposeSecret, SecretSlice, SecretString, Secrets};

/// The function's configuration: plain settings, a KMS-encrypted password, a JSON object of
/// credentials in a private bucket, a Secret Manager secret, and a file the platform mounts.
#[derive(Debug, Secrets)]
struct Config {
    #[env(name = "PORT", default = "8080")]
    port: u16,
    #[env]
    log_level: Option<String>,
    #[kms]
    db_pass: SecretString,
    #[gcs(object = "app1", key = "username")]
    username: String,
    #[gcs(object = "app1", key = "password")]
    password: SecretString,
    /// Version `latest` of secret `api-token` in the project named by `GOOGLE_CLOUD_PROJECT`.
    #[secret_manager(secret = "api-token")]
    api_token: SecretString,
    /// On Cloud Run, a secret volume; here, `<dir>/files/secrets/tls-key`.
    #[file(path = "/secrets/tls-key")]
    tls_key: SecretSlice<u8>,
}

const KEY: &str = "projects/demo/locations/global/keyRings/quickstart/cryptoKeys/app";
const BUCKET: &str = "quickstart-secrets";
const PROJECT: &str = "demo";
/// Marks the child process, which plays the deployed function.
const CHILD: &str = "--boot";

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    if std::env::args().nth(1).as_deref() == Some(CHILD) {
        return boot().await;
    }
    match deploy() {
        Ok(code) => code,
        Err(why) => {
            eprintln!("quickstart setup failed: {why}");
            ExitCode::FAILURE
        }
    }
}

/// What the function does at boot: one call, every field loaded, or one error naming them all.
async fn boot() -> ExitCode {
    match Config::load().await {
        Ok(config) => {
            // Debug of a SecretString prints [REDACTED]: the whole config is safe to log.
            println!("loaded {config:#?}");
            // Only the program sees the values; they reach no output, not even their length.
            let ready = !config.db_pass.expose_secret().is_empty()
                && !config.password.expose_secret().is_empty()
                && !config.api_token.expose_secret().is_empty()
                // The file was written with a trailing line break, as `echo` writes one;
                // `#[file]` drops it (`#[file(raw)]` would keep it).
                && !config.tls_key.expose_secret().ends_with(b"\n");
            println!(
                "port {}, log level {}, user {}: db password decrypted in this process, app password read from the bucket, api token from Secret Manager, tls key from /secrets/tls-key: {}",
                config.port,
                config.log_level.as_deref().unwrap_or("default"),
                config.username,
                if ready { "ready" } else { "not ready" },
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("{error}");
            ExitCode::FAILURE
        }
    }
}

/// What a deploy does: keys, objects, secrets and files in place, ciphertext and names in
/// the environment.
fn deploy() -> Result<ExitCode, Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let kms = LocalKms::new(dir.path());
    kms.create_key(KEY)?;
    let db_pass_ciphertext =
        BASE64_STANDARD.encode(kms.encrypt(KEY, b"correct-horse-battery-staple")?);
    LocalStore::new(dir.path()).put(
        BUCKET,
        "app1",
        br#"{"username":"my-user","password":"s3cr3t"}"#,
    )?;
    // `gcloud secrets create api-token --data-file=-` on Google Cloud.
    LocalSecretManager::new(dir.path())
        .add_version(&format!("projects/{PROJECT}/secrets/api-token"), b"t0ken")?;
    // `gcloud run deploy --set-secrets=/secrets/tls-key=tls-key:latest` on Cloud Run.
    LocalFiles::new(dir.path()).put("/secrets/tls-key", b"not-a-real-key\n")?;

    println!("local backend in {}", dir.path().display());
    println!(
        "DB_PASS holds KMS ciphertext: {}...",
        &db_pass_ciphertext[..24]
    );
    // Rust 2024 makes changing this process's own environment unsafe, and a deployed
    // function receives its environment from outside anyway: so the boot runs as a child.
    let status = Command::new(std::env::current_exe()?)
        .arg(CHILD)
        .env(local::DIR_ENV, dir.path())
        .env("DB_PASS", &db_pass_ciphertext)
        .env("KMS_CRYPTO_KEY_ID", KEY)
        .env("STORAGE_BUCKET", BUCKET)
        // Set here, so that a project exported in the developer's shell is not the one read.
        .env("GOOGLE_CLOUD_PROJECT", PROJECT)
        .env("LOG_LEVEL", "info")
        .env_remove("PORT")
        .status()?;
    Ok(if status.success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
