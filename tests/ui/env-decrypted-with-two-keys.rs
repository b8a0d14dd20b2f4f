use secrets_runtime::{SecretString, Secrets};

#[derive(Secrets)]
struct Config {
    #[kms(key = "projects/p/locations/global/keyRings/r/cryptoKeys/a")]
    token: SecretString,
    #[kms(
        env = "TOKEN",
        key = "projects/p/locations/global/keyRings/r/cryptoKeys/b"
    )]
    token_again: SecretString,
}

fn main() {}
