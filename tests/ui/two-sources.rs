use secrets_runtime::{SecretString, Secrets};

#[derive(Secrets)]
struct Config {
    #[env]
    #[kms]
    db_pass: SecretString,
}

fn main() {}
