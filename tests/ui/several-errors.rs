use secrets_runtime::{SecretString, Secrets};

#[derive(Secrets)]
struct Config {
    #[env(nmae = "HOST")]
    host: String,
    #[env(default = 8080)]
    port: u16,
    #[kms(key = "projects/p/locations/global/keyRings/r")]
    db_pass: SecretString,
    #[gcs(bucket = "Certs", key = "cert")]
    cert: Vec<u8>,
    #[env(default = "info")]
    log_level: Option<String>,
    user: String,
}

fn main() {}
