//! The two shapes almost every source has, planned once for all of them:
//! - decrypt: an env var holds base64 ciphertext that a key service decrypts;
//! - fetch: a resource, named in the struct or by an env var, is read.
//!
//! Either way the field takes the whole value or one key of the JSON object it holds. A source
//! kind of either shape gives its family, its name rule and how to make its request.

use std::borrow::Cow;
use std::sync::Arc;

use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use super::plan::{Planned, Planner, Use};
use crate::environment::NameRule;
use crate::family::Family;
use crate::origin::Origin;
use crate::spec::{FieldSource, NameRef, Pick, Var};
use crate::{BackendError, ErrorKind};

/// Standard alphabet, padding optional: `gcloud kms encrypt | base64` pads, hand-made
/// values sometimes do not, and neither is ambiguous.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// A field of the decrypt shape, as a kind's spec gives it.
pub(crate) struct Decrypt {
    /// The env var that holds the ciphertext.
    pub(crate) var: Var,
    /// The key, and the rule its name obeys.
    pub(crate) key: NameRef,
    pub(crate) rule: &'static NameRule,
    pub(crate) pick: Pick,
}

impl Decrypt {
    /// Plans the field: reads the ciphertext and the key name, and records the request
    /// `make(key, ciphertext)` in family `F`'s batch.
    pub(crate) fn plan<F: Family>(
        self,
        source: &'static dyn FieldSource,
        cx: &mut Planner<'_>,
        make: impl FnOnce(Arc<str>, Vec<u8>) -> F::Request,
    ) -> Planned {
        let var = cx.var(self.var);
        let key = cx.name(self.key, self.rule);
        let origin = Origin::of(source, var.clone(), &key, self.key);
        let how = Use::Ciphertext {
            family: std::any::TypeId::of::<F>(),
            service: F::NAME,
            key: self.key,
        };
        let ciphertext = cx.env(&var, how).and_then(|text| decode(&var, &text));
        match (ciphertext, key) {
            (Ok(ciphertext), Ok(key)) => {
                let id = cx.request::<F>(make(key, ciphertext));
                Planned::pending(origin, id, self.pick)
            }
            // Unset ciphertext is absence (an `Option` field is `None`) whatever the key.
            (Err(why), _) => Planned::done(origin, Err(why)),
            // The ciphertext is there, so a missing key name is a broken deploy, not absence.
            (Ok(_), Err(why)) => Planned::failed(origin, why),
        }
    }
}

/// A field of the fetch shape: a resource in a place (a bucket, a project) that the struct
/// names or an env var holds.
pub(crate) struct Fetch {
    pub(crate) place: NameRef,
    pub(crate) rule: &'static NameRule,
    pub(crate) pick: Pick,
    /// An unset env var for the place is absence (`path_env` of a file that may not be
    /// mounted), rather than a broken deploy (a bucket every field shares).
    pub(crate) unset_is_absence: bool,
}

impl Fetch {
    /// Plans the field: reads the place's name and records the request `make(place)` in
    /// family `F`'s batch.
    pub(crate) fn plan<F: Family>(
        self,
        source: &'static dyn FieldSource,
        cx: &mut Planner<'_>,
        make: impl FnOnce(Arc<str>) -> F::Request,
    ) -> Planned {
        let place = cx.name(self.place, self.rule);
        let origin = Origin::of(source, Cow::Borrowed(""), &place, self.place);
        match place {
            Ok(place) => {
                let id = cx.request::<F>(make(place));
                Planned::pending(origin, id, self.pick)
            }
            Err(why) if self.unset_is_absence => Planned::done(origin, Err(why)),
            // Nowhere to look: a broken deploy, not an absent resource.
            Err(why) => Planned::failed(origin, why),
        }
    }
}

/// `why` with `name` replaced by `named by env VAR` when an env var gave the name: the var may
/// hold a value pasted in the wrong place, which a backend's message would quote.
pub(crate) fn said_by_var(why: BackendError, name: &str, named_by: Option<&str>) -> BackendError {
    match named_by {
        Some(var) if why.message().contains(name) => BackendError::new(
            why.kind(),
            why.message().replace(name, &format!("named by env {var}")),
        ),
        _ => why,
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
        // here, that byte is part of the secret, so only its position is reported. A text
        // of base64 characters only (`hunter2`) is wrong by its length, which is said in
        // words: a position would point at a character that is not wrong. Never the length
        // itself, which would tell a pasted password's.
        let at = match err {
            base64::DecodeError::InvalidByte(offset, _) => {
                let (line, column) = position(text, offset);
                format!(" (bad character at line {line} column {column})")
            }
            base64::DecodeError::InvalidLength(_) => {
                format!(" (its length cannot be base64's: {CUT_OR_PLAIN})")
            }
            base64::DecodeError::InvalidLastSymbol(..) => format!(
                " (its last character leaves bits over, which base64 never does: {CUT_OR_PLAIN})"
            ),
            base64::DecodeError::InvalidPadding => " (bad padding)".to_owned(),
        };
        BackendError::new(
            ErrorKind::Invalid,
            format!("env {var} is not base64 ciphertext{at}"),
        )
    })
}

/// What a base64 text of the wrong length has been, in practice.
const CUT_OR_PLAIN: &str =
    "it was cut short, or is not base64 at all, such as a value pasted unencrypted";

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

    #[test]
    fn a_text_of_base64_characters_only_is_wrong_by_its_length() {
        // Every character is base64's: no position would point at what is wrong.
        for pasted in ["hunter2", "hunter2hunter", "QUJDRB"] {
            let message = decode("DB_PASS", pasted).unwrap_err().message().to_owned();
            assert!(!message.contains("bad character"), "{message}");
            assert!(
                message.contains("cut short, or is not base64 at all"),
                "{message}"
            );
            assert!(!message.contains(pasted), "{message}");
        }
        assert_eq!(
            decode("DB_PASS", "hunter2").unwrap_err().message(),
            "env DB_PASS is not base64 ciphertext (its last character leaves bits over, which \
             base64 never does: it was cut short, or is not base64 at all, such as a value \
             pasted unencrypted)"
        );
        assert_eq!(
            decode("DB_PASS", "QUJDREVGR").unwrap_err().message(),
            "env DB_PASS is not base64 ciphertext (its length cannot be base64's: it was cut \
             short, or is not base64 at all, such as a value pasted unencrypted)"
        );
    }
}
