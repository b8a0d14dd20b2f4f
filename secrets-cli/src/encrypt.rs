//! `secrets encrypt`: one value to Cloud KMS ciphertext, base64, for an env var that a
//! `#[kms]` field reads.

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::backend::Backend;
use crate::fail::{Failure, Result};
use crate::{input, output};

/// The most plaintext Cloud KMS encrypts in one call.
pub const KMS_MAX_PLAINTEXT: usize = 64 * 1024;

pub fn run(backend: &Backend, key: &str, file: Option<&Path>) -> Result<()> {
    let plaintext = input::not_empty(input::file_or_stdin(file, "the file given as argument 1")?)?;
    // On the local backend too: what works in development must work deployed.
    if plaintext.len() > KMS_MAX_PLAINTEXT {
        return Err(Failure::new(format!(
            "the value is {} bytes, over Cloud KMS's {KMS_MAX_PLAINTEXT}: store it with `secrets berglas create` for a #[berglas] field, or seal it into a bundle for #[bundle] fields with `secrets seal --envelope NAME=@FILE` (a bundle is not a #[kms] value)",
            plaintext.len()
        )));
    }
    let ciphertext = backend.encrypt(key, &plaintext, &[])?;
    output::line(&STANDARD.encode(ciphertext))
}
