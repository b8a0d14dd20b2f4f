//! `#[bundle]` in its documented forms.
use secrets_runtime::{SecretString, Secrets};

#[derive(Secrets)]
#[secrets(bundle_env = "APP_BUNDLE", kms_key_env = "APP_KEY")]
#[allow(dead_code)]
struct Config {
    #[bundle]
    db_pass: SecretString,
    #[bundle(key = "API_TOKEN")]
    api_token: SecretString,
    #[bundle(env = "OTHER_BUNDLE")]
    other: Option<SecretString>,
}

fn main() {}
