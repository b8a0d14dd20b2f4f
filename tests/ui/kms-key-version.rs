use secrets_runtime::{SecretString, Secrets};

#[derive(Secrets)]
struct Config {
    #[kms(key = "projects/p/locations/global/keyRings/r/cryptoKeys/k/cryptoKeyVersions/1")]
    db_pass: SecretString,
}

fn main() {}
