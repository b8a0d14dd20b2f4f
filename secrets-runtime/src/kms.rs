//! `#[kms]`: the env var holds base64 Cloud KMS ciphertext; the key service decrypts it in
//! this process.

use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use crate::env::Env;
use crate::plan::NameRef;
use crate::{BackendError, ErrorKind};

/// Standard alphabet, padding optional: `gcloud kms encrypt | base64` pads, hand-made
/// values sometimes do not, and neither is ambiguous.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// A decrypt to make: this ciphertext under this key.
#[derive(PartialEq, Eq, Hash)]
pub(crate) struct Decrypt {
    pub(crate) key: String,
    pub(crate) ciphertext: Vec<u8>,
}

/// What a `#[kms]` field needs, before any request is made.
pub(crate) enum Resolved {
    Decrypt(Decrypt),
    Absent(BackendError),
    Failed(BackendError),
}

/// Reads the ciphertext and the key name; returns the field's source description too, with
/// the key name as read whenever it could be read.
pub(crate) fn resolve(env: &Env, var: &str, key_ref: &NameRef) -> (String, Resolved) {
    let key = env.resolve_name(
        key_ref,
        "the KMS key name",
        secrets_names::check_kms_key_name,
    );
    let shown = match &key {
        Ok(key) => key.clone(),
        Err(_) => key_ref.describe(),
    };
    (format!("kms {shown} via env {var}"), request(env, var, key))
}

fn request(env: &Env, var: &str, key: Result<String, BackendError>) -> Resolved {
    let ciphertext = match env.get(var) {
        Ok(Some(text)) => text,
        // Unset ciphertext is absence (an `Option` field is `None`) whatever the key.
        Ok(None) => {
            return Resolved::Absent(BackendError::new(
                ErrorKind::Missing,
                format!("env {var} is not set"),
            ));
        }
        Err(why) => return Resolved::Failed(why),
    };
    match (decode(var, &ciphertext), key) {
        (Ok(ciphertext), Ok(key)) => Resolved::Decrypt(Decrypt { key, ciphertext }),
        (Err(why), _) | (_, Err(why)) => Resolved::Failed(why),
    }
}

/// Base64 with every ASCII whitespace ignored: `base64` wraps at 76 columns and `echo` adds
/// a newline, and neither should make a deploy fail.
pub(crate) fn decode(var: &str, text: &str) -> Result<Vec<u8>, BackendError> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    if compact.is_empty() {
        return Err(BackendError::new(
            ErrorKind::Missing,
            format!("env {var} is empty"),
        ));
    }
    BASE64.decode(compact.as_bytes()).map_err(|err| {
        // The decoder's own message quotes the offending byte; if someone pasted plaintext
        // here, that byte is part of the secret, so only the position is reported.
        let at = match err {
            base64::DecodeError::InvalidByte(offset, _)
            | base64::DecodeError::InvalidLastSymbol(offset, _) => {
                format!(" (bad character at offset {offset})")
            }
            base64::DecodeError::InvalidLength(_) => {
                " (its length is not that of base64)".to_owned()
            }
            base64::DecodeError::InvalidPadding => " (bad padding)".to_owned(),
        };
        BackendError::new(
            ErrorKind::Invalid,
            format!("env {var} is not base64 ciphertext{at}"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_tolerates_wrapping_and_padding() {
        let wrapped = "aGVs\nbG8g\r\n d29y bGQ=\n";
        assert_eq!(decode("X", wrapped).unwrap(), b"hello world");
        assert_eq!(decode("X", "aGVsbG8gd29ybGQ").unwrap(), b"hello world");
    }

    #[test]
    fn decode_errors_name_the_var_but_not_the_text() {
        let err = decode("DB_PASS", "hunter2!").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Invalid);
        assert!(
            err.message()
                .starts_with("env DB_PASS is not base64 ciphertext"),
            "{err}"
        );
        assert!(!err.message().contains('!'), "{err}");
        assert_eq!(
            decode("DB_PASS", " \n").unwrap_err().kind(),
            ErrorKind::Missing
        );
    }
}
