//! An AWS Lambda function that loads its secrets once, in the init phase, before its handler
//! runs.
//!
//! Lambda bills and times the init phase apart from invocations, and runs it once per
//! execution environment: a config loaded there is paid for once, not per request. The AWS
//! Parameters and Secrets Lambda Extension cannot be called during init; loading in the
//! process can, with the function's own role. A broken deploy fails init with one error that
//! names every failed field, and Lambda reports it before any event is routed.
//!
//! It reads each AWS source: KMS ciphertext (`SIGNING_KEY`, bound to an encryption context),
//! a JSON object in S3 (`S3_BUCKET`), a Secrets Manager secret (`prod/db`, one JSON key) and a
//! Parameter Store `SecureString` (`/prod/api/token`). Deployed as the README's "Deploying on
//! Lambda" shows; built with
//!
//! ```sh
//! cargo lambda build --release --features aws --example lambda
//! ```
//!
//! `lambda --policy REGION ACCOUNT` prints the IAM policy the function's role needs, derived
//! from `Config` alone (names env vars hold are looked up in the environment).

#![forbid(unsafe_code)]

use std::sync::Arc;

use lambda_runtime::{Error, LambdaEvent, service_fn};
use secrets_runtime::manifest::{AwsScope, ProcessEnv};
use secrets_runtime::{ExposeSecret, SecretSlice, SecretString, Secrets};
use serde_json::{Value, json};

#[derive(Secrets)]
struct Config {
    /// Plain configuration.
    #[env(name = "GREETING", default = "hello")]
    greeting: String,
    /// `aws kms encrypt --key-id alias/app --encryption-context app=billing ...`: the role needs
    /// kms:Decrypt on the key, and the context must match.
    #[aws_kms(key = "alias/app", context = "app=billing")]
    signing_key: SecretSlice<u8>,
    /// One key of a JSON object in the bucket `S3_BUCKET` names.
    #[s3(object = "app1.json", key = "username")]
    username: String,
    /// One key of a Secrets Manager secret holding JSON.
    #[aws_secret(id = "prod/db", key = "password")]
    db_password: SecretString,
    /// A `SecureString`, decrypted by Parameter Store.
    #[ssm(name = "/prod/api/token")]
    api_token: SecretString,
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, region, account] = &args[..]
        && flag == "--policy"
    {
        let scope = AwsScope {
            partition: "aws",
            region,
            account,
        };
        let policy = Config::manifest().aws_policy(scope, Some(&ProcessEnv));
        println!("{policy:#}");
        return Ok(());
    }
    // The init phase: once per execution environment, before the first event.
    let config = match Config::load().await {
        Ok(config) => Arc::new(config),
        Err(error) => {
            // Every failed field, no value; Lambda reports the init failure.
            eprintln!("{error}");
            return Err("the config did not load".into());
        }
    };
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let config = Arc::clone(&config);
        async move { Ok::<_, Error>(handle(&config, &event)) }
    }))
    .await
}

/// Says what it holds, never a secret: lengths stand in for the values a real handler uses.
fn handle(config: &Config, event: &LambdaEvent<Value>) -> Value {
    let name = event.payload["name"].as_str().unwrap_or("world");
    json!({
        "message": format!("{} {name}, from {}", config.greeting, config.username),
        "signing_key_bytes": config.signing_key.expose_secret().len(),
        "db_password_chars": config.db_password.expose_secret().chars().count(),
        "api_token_chars": config.api_token.expose_secret().chars().count(),
    })
}
