use secrets_runtime::{SecretString, Secrets};

#[derive(Secrets)]
struct Config {
    #[file(key = "password")]
    db_pass: SecretString,
    #[file(path = "/secrets/config.json", key = "password", raw)]
    raw_and_key: SecretString,
    #[file(path = "")]
    empty: SecretString,
    #[file(path = "secrets/db-pass")]
    relative: SecretString,
}

fn main() {}
