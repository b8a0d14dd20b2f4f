//! Makes the ciphertext for a `#[kms]` field without gcloud: reads the secret from stdin,
//! encrypts it with Cloud KMS through the same client the library decrypts with, and prints
//! base64 for the env var.
//!
//! ```sh
//! printf %s "$DB_PASSWORD" | cargo run --features gcp --example encrypt -- \
//!     projects/P/locations/global/keyRings/R/cryptoKeys/K
//! ```
//!
//! Application Default Credentials, or `SECRETS_KMS_ENDPOINT` (with `SECRETS_GCP_CREDENTIALS`),
//! the same as `load()`. The caller
//! needs `roles/cloudkms.cryptoKeyEncrypter` on the key (the function needs only Decrypter).

#![forbid(unsafe_code)]

use std::io::Read;
use std::process::ExitCode;

use base64::prelude::*;
use secrets_runtime::gcp::GcpKms;
use zeroize::Zeroizing;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let Some(key) = std::env::args().nth(1) else {
        eprintln!("usage: encrypt projects/P/locations/L/keyRings/R/cryptoKeys/K < secret");
        return ExitCode::FAILURE;
    };
    if let Err(why) = secrets_names::check_kms_key_name(&key) {
        eprintln!("{why}");
        return ExitCode::FAILURE;
    }
    let mut plaintext = Zeroizing::new(Vec::new());
    if let Err(error) = std::io::stdin().read_to_end(&mut plaintext) {
        eprintln!("cannot read stdin: {error}");
        return ExitCode::FAILURE;
    }
    let result = match GcpKms::from_env().await {
        Ok(kms) => kms.encrypt(&key, &plaintext).await,
        Err(error) => Err(error),
    };
    match result {
        Ok(ciphertext) => {
            println!("{}", BASE64_STANDARD.encode(ciphertext));
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("{error}");
            ExitCode::FAILURE
        }
    }
}
