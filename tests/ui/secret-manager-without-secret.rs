use secrets_runtime::{SecretString, Secrets};

#[derive(Secrets)]
struct Config {
    #[secret_manager(version = "3")]
    db_pass: SecretString,
}

fn main() {}
