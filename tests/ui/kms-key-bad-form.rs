use secrets_runtime::{SecretString, Secrets};

#[derive(Secrets)]
struct Config {
    #[kms(key = "projects/p/keyRings/r/cryptoKeys/k")]
    db_pass: SecretString,
}

fn main() {}
