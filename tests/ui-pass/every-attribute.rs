// Every attribute and every form of each, on one struct: it must compile.
use secrets_runtime::{SecretSlice, SecretString, Secrets};

#[derive(Secrets)]
#[secrets(
    prefix = "APP_",
    kms_key_env = "APP_KMS_KEY",
    bucket_env = "APP_BUCKET"
)]
#[secrets(crate = "::secrets_runtime")]
struct Config {
    #[env]
    db_host: String,
    #[env(name = "PORT", default = "8080")]
    port: u16,
    #[env]
    log_level: Option<String>,
    #[env(default = "true")]
    verbose: bool,
    #[kms]
    db_pass: SecretString,
    #[kms(
        env = "API_TOKEN_CT",
        key = "projects/p/locations/global/keyRings/r/cryptoKeys/k"
    )]
    api_token: SecretString,
    #[kms(env = "SIGNING_KEY_CT", key_env = "SIGNING_KEY_NAME")]
    signing_key: SecretSlice<u8>,
    #[gcs(object = "app1", key = "username")]
    username: String,
    #[gcs(object = "app1", key = "password")]
    password: SecretString,
    #[gcs(bucket = "certs", object = "tls.pem")]
    cert: Vec<u8>,
    #[gcs(bucket_env = "OTHER_BUCKET", object = "dir/extra.json", key = "limit")]
    limit: Option<u32>,
    #[env]
    r#type: String,
}

// `load` and `load_from` exist and have the documented shapes.
pub async fn boot(sources: &secrets_runtime::Sources) -> Result<(), secrets_runtime::Error> {
    let _ = Config::load().await?;
    let config = Config::load_from(sources).await?;
    let _ = (
        config.db_host,
        config.port,
        config.log_level,
        config.verbose,
        config.db_pass,
    );
    let _ = (
        config.api_token,
        config.signing_key,
        config.username,
        config.password,
    );
    let _ = (config.cert, config.limit, config.r#type);
    Ok(())
}

fn main() {}
