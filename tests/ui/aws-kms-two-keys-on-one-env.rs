use secrets_runtime::{SecretString, Secrets};

#[derive(Secrets)]
struct Config {
    #[aws_kms(env = "BUNDLE", key = "alias/app", json_key = "user")]
    user: String,
    #[aws_kms(env = "BUNDLE", key = "alias/other", json_key = "password")]
    password: SecretString,
}

fn main() {}
