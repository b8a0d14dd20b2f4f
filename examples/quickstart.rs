//! Quickstart: `cargo run --example quickstart`. No cloud account needed.
//!
//! Sets up the local backend in a temporary directory (a key ring and a bucket, as Cloud KMS
//! and Cloud Storage would hold them), encrypts the demo secrets with it, then runs the
//! function's boot code, `Config::load()`, in a child process whose environment holds only
//! ciphertext and names, as a deployed function's would.

#![forbid(unsafe_code)]

use std::process::{Command, ExitCode};

use base64::prelude::*;
use secrets_runtime::local::{self, LocalKms, LocalStore};
use secrets_runtime::{ExposeSecret, SecretString, Secrets};

/// The function's configuration: plain settings, a KMS-encrypted password, and a JSON
/// object of credentials in a private bucket.
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
}

const KEY: &str = "projects/demo/locations/global/keyRings/quickstart/cryptoKeys/app";
const BUCKET: &str = "quickstart-secrets";
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
                && !config.password.expose_secret().is_empty();
            println!(
                "port {}, log level {}, user {}: db password decrypted in this process, app password read from the bucket: {}",
                config.port,
                config.log_level.as_deref().unwrap_or("default"),
                config.username,
                if ready { "ready" } else { "empty" },
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("{error}");
            ExitCode::FAILURE
        }
    }
}

/// What a deploy does: keys and objects in place, ciphertext in the environment.
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
        .env("LOG_LEVEL", "info")
        .env_remove("PORT")
        .status()?;
    Ok(if status.success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
