//! `#[kms]`: the env var holds base64 Cloud KMS ciphertext, which the key service decrypts in
//! this process; the plaintext is used whole or as a JSON object with one key picked per field.

use std::any::TypeId;
use std::fmt;
use std::sync::Arc;

use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use crate::backend::{BoxFuture, Kms, SecretBytes};
use crate::environment::NameRule;
use crate::family::Family;
use crate::load::{Planned, Planner, Use};
use crate::origin::Origin;
use crate::spec::{FieldSource, NameRef, Pick, Var};
use crate::{BackendError, ErrorKind};

/// Standard alphabet, padding optional: `gcloud kms encrypt | base64` pads, hand-made
/// values sometimes do not, and neither is ambiguous.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Cloud KMS, or any key service behind [`Kms`]: the family of `#[kms]` fields.
#[derive(Debug)]
pub struct CloudKms;

impl Family for CloudKms {
    const NAME: &'static str = "KMS";
    const HINT: &'static str = "add one with Sources::builder().kms(..), .local(dir) or .gcp()";
    // Cloud KMS caps plaintext at 64 KiB itself.
    const CAPPED: bool = false;
    type Backend = dyn Kms;
    type Request = Decrypt;

    fn send<'a>(
        kms: &'a dyn Kms,
        request: &'a Decrypt,
        _max_bytes: usize,
    ) -> BoxFuture<'a, Result<Option<SecretBytes>, BackendError>> {
        let decrypted = kms.decrypt(&request.key, &request.ciphertext);
        Box::pin(async move { decrypted.await.map(Some) })
    }
}

/// A decrypt to make: this ciphertext under this key.
#[derive(PartialEq, Eq)]
pub struct Decrypt {
    key: Arc<str>,
    ciphertext: Vec<u8>,
}

impl fmt::Display for Decrypt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "key {}", self.key)
    }
}

static KEY_NAME: NameRule = NameRule {
    what: "the KMS key name",
    check: secrets_names::blind::check_kms_key_name,
};

/// `#[kms(env = "..", key = ".." | key_env = "..", json_key = "..")]`, defaults applied.
#[derive(Debug)]
pub struct Spec {
    /// The env var holding the ciphertext.
    pub var: Var,
    /// The KMS key name.
    pub key: NameRef,
    /// The whole plaintext, or one key of the JSON object it holds.
    pub pick: Pick,
}

impl FieldSource for Spec {
    fn plan(&'static self, cx: &mut Planner<'_>) -> Planned {
        let var = cx.var(self.var);
        let key = cx.name(self.key, &KEY_NAME);
        let origin = Origin::new(self)
            .with_var(var.clone())
            .with_name(&key, self.key);
        let how = Use::Ciphertext {
            family: TypeId::of::<CloudKms>(),
            key: self.key,
        };
        let ciphertext = cx.env(&var, how).and_then(|text| decode(&var, &text));
        match (ciphertext, key) {
            (Ok(ciphertext), Ok(key)) => {
                let id = cx.request::<CloudKms>(Decrypt { key, ciphertext });
                Planned::pending(origin, id, self.pick)
            }
            // Unset ciphertext is absence (an `Option` field is `None`) whatever the key.
            (Err(why), _) => Planned::done(origin, Err(why)),
            // The ciphertext is there, so a missing key name is a broken deploy, not absence.
            (Ok(_), Err(why)) => Planned::failed(origin, why),
        }
    }

    fn describe(&self, origin: &Origin, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let key = origin.name().map_or(String::new(), ToString::to_string);
        write!(f, "kms {key} via env {}", origin.var())?;
        match self.pick {
            Pick::JsonKey(json_key) => write!(f, "#{json_key}"),
            Pick::Whole => Ok(()),
        }
    }
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
