use secrets_runtime::{SecretString, Secrets};

#[derive(Secrets)]
struct Config {
    #[secrets(kms_key_env = "APP_KEY")]
    #[kms]
    db_pass: SecretString,
}

fn main() {}
