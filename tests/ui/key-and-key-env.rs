use secrets_runtime::{SecretString, Secrets};

#[derive(Secrets)]
struct Config {
    #[kms(
        key = "projects/p/locations/global/keyRings/r/cryptoKeys/k",
        key_env = "KEY_ID"
    )]
    db_pass: SecretString,
}

fn main() {}
