use secrets_runtime::{SecretString, Secrets};

#[derive(Secrets)]
struct Config {
    #[aws_secret(key = "password")]
    db_pass: SecretString,
}

fn main() {}
