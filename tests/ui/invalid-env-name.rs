use secrets_runtime::{SecretString, Secrets};

#[derive(Secrets)]
struct Config {
    #[kms(env = "DB-PASS")]
    db_pass: SecretString,
}

fn main() {}
