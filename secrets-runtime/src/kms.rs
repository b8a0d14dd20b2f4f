//! `#[kms]`: the env var holds base64 Cloud KMS ciphertext; the key service decrypts it in
//! this process.

use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use std::sync::Arc;

use crate::env::{Env, Names};
use crate::loaded::Slot;
use crate::origin::{Name, Origin};
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
    pub(crate) key: Arc<str>,
    pub(crate) ciphertext: Vec<u8>,
}

/// Reads the ciphertext and the key name: the decrypt to make, or the field's outcome
/// already. Returns where the field comes from too, with the key name as read whenever it
/// could be read.
pub(crate) fn resolve(
    names: &mut Names<'_>,
    env: &Env,
    var: &'static str,
    key_ref: &NameRef,
) -> (Origin, Result<Decrypt, Slot>) {
    let key = names.resolve(
        key_ref,
        "the KMS key name",
        secrets_names::check_kms_key_name,
    );
    let origin = Origin::Kms {
        key: Name::new(&key, key_ref),
        var,
    };
    let ciphertext = env
        .get(var)
        .and_then(|text| decode(var, &text))
        // Unset ciphertext is absence (an `Option` field is `None`) whatever the key.
        .map_err(Slot::from_error);
    let request = match (ciphertext, key) {
        (Ok(ciphertext), Ok(key)) => Ok(Decrypt { key, ciphertext }),
        (Err(slot), _) => Err(slot),
        // The ciphertext is there, so a missing key name is a broken deploy, not absence.
        (Ok(_), Err(why)) => Err(Slot::Failed(why)),
    };
    (origin, request)
}

/// Base64 with every ASCII whitespace ignored: `base64` wraps at 76 columns and `echo` adds
/// a newline, and neither should make a deploy fail.
pub(crate) fn decode(var: &str, text: &str) -> Result<Vec<u8>, BackendError> {
    let bytes = text.as_bytes();
    // Most values hold no whitespace: decode those where they are rather than copy them.
    let compact: std::borrow::Cow<'_, [u8]> = if bytes.iter().any(u8::is_ascii_whitespace) {
        bytes
            .iter()
            .copied()
            .filter(|b| !b.is_ascii_whitespace())
            .collect()
    } else {
        bytes.into()
    };
    if compact.is_empty() {
        return Err(BackendError::new(
            ErrorKind::Missing,
            format!("env {var} is blank"),
        ));
    }
    BASE64.decode(&compact).map_err(|err| {
        // The decoder's own message quotes the offending byte; if someone pasted plaintext
        // here, that byte is part of the secret, so only its position is reported.
        let at = match err {
            base64::DecodeError::InvalidByte(offset, _)
            | base64::DecodeError::InvalidLastSymbol(offset, _) => {
                let (line, column) = position(text, offset);
                format!(" (bad character at line {line} column {column})")
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

/// Line and column (1-based, in characters) in `text` of the character that holds byte
/// `offset` of its non-whitespace text: where a person looking at the wrapped value finds it.
///
/// The offset counts bytes, not characters: the decoder may report the last byte of the
/// input while a multi-byte character comes before it (`"Zürich1!"`).
fn position(text: &str, offset: usize) -> (usize, usize) {
    let (mut line, mut column, mut seen) = (1, 0, 0);
    for c in text.chars() {
        if c == '\n' {
            (line, column) = (line + 1, 0);
            continue;
        }
        column += 1;
        if !c.is_ascii_whitespace() {
            seen += c.len_utf8();
            if seen > offset {
                break;
            }
        }
    }
    (line, column)
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
    fn decode_errors_give_the_position_but_not_the_text() {
        let err = decode("DB_PASS", "hunter2!").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Invalid);
        assert_eq!(
            err.message(),
            "env DB_PASS is not base64 ciphertext (bad character at line 1 column 8)"
        );
        let err = decode("DB_PASS", "aGVs\n  bG8!").unwrap_err();
        assert_eq!(
            err.message(),
            "env DB_PASS is not base64 ciphertext (bad character at line 2 column 6)"
        );
        assert_eq!(
            decode("DB_PASS", " \n").unwrap_err().kind(),
            ErrorKind::Missing
        );
        // Found by fuzzing: the decoder reports the byte offset of the last character here,
        // which once pointed past the end ("line 2 column 0").
        assert_eq!(
            decode("DB_PASS", "Zürich1!\n").unwrap_err().message(),
            "env DB_PASS is not base64 ciphertext (bad character at line 1 column 8)"
        );
    }
}
