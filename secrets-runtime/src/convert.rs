//! From the bytes a source produced to the field's type.
//!
//! The marker parameter lets one trait cover both the types this crate knows (`String`,
//! `SecretString`, `Vec<u8>`, …) and every `FromStr` type without overlapping impls: each
//! type has exactly one impl across all markers, so the compiler infers the marker.

use std::fmt::Display;
use std::str::FromStr;

use secrecy::{SecretSlice, SecretString};
use zeroize::Zeroize;

use crate::backend::SecretBytes;

pub(crate) mod buffer;
pub(crate) mod list;
use buffer::into_exact;

/// A field type that `#[derive(Secrets)]` can load.
///
/// Implemented for `String`, [`SecretString`], `Vec<u8>`, [`SecretSlice<u8>`], [`Blob`](crate::Blob), every type
/// that implements [`FromStr`] with a [`Display`] error (numbers, `bool`, `IpAddr`, your own),
/// and `Option` of these. Implement it (with any marker type of your own) for other types.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be loaded by `#[derive(Secrets)]`",
    label = "unsupported field type",
    note = "supported: String, SecretString, Vec<u8>, SecretSlice<u8>, Blob, any FromStr type whose error is Display, and Option of these",
    note = "for a list, a `Vec<T>` of one of these with `split = \",\"` on the source attribute",
    note = "for another type, implement `secrets_runtime::FromSecret` for it"
)]
pub trait FromSecret<Marker>: Sized {
    /// Converts the bytes read from the source.
    ///
    /// The error message is shown to operators: it must not contain the value.
    fn from_secret(bytes: SecretBytes) -> Result<Self, ConvertError>;

    /// The value of a field whose source holds nothing: `None` (the default) makes that an
    /// error; `Option<T>` returns `Some(None)`.
    #[must_use]
    fn when_absent() -> Option<Self> {
        None
    }
}

/// Why bytes could not become a field's type. Its message never holds the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConvertError {
    message: String,
}

impl ConvertError {
    /// An error with a message that describes the problem without quoting the value.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }

    /// The message.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl Display for ConvertError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConvertError {}

/// Marker types that keep the [`FromSecret`] impls apart. Name them only when writing an
/// impl of your own would collide (it will not, with a marker type of your own).
pub mod marker {
    /// Types parsed with [`FromStr`](std::str::FromStr).
    #[derive(Debug)]
    pub enum Parsed {}
    /// `SecretString`: UTF-8 text kept secret.
    #[derive(Debug)]
    pub enum Text {}
    /// Raw bytes.
    #[derive(Debug)]
    pub enum Bytes {}
    /// `Option<T>`, with the marker of `T`.
    #[derive(Debug)]
    pub struct Optional<M>(std::marker::PhantomData<M>, std::convert::Infallible);
}

fn into_text(bytes: SecretBytes) -> Result<String, ConvertError> {
    let mut bytes = bytes;
    String::from_utf8(std::mem::take(&mut *bytes)).map_err(|err| {
        // The rejected bytes are the secret: wipe them before the error is dropped.
        err.into_bytes().zeroize();
        ConvertError::new("the value is not valid UTF-8")
    })
}

impl<T> FromSecret<marker::Parsed> for T
where
    T: FromStr,
    T::Err: Display,
{
    fn from_secret(bytes: SecretBytes) -> Result<Self, ConvertError> {
        let text = zeroize::Zeroizing::new(into_text(bytes)?);
        text.parse()
            .map_err(|err: T::Err| parse_error::<T>(&text, &err))
    }
}

/// Says which type the text failed to parse as, and why when the reason comes from a
/// standard parser, whose messages never quote the input. Other `FromStr` errors may quote
/// it, escaped or in part (`bad token "pa\"ss"`, "found `z` at 1"), and the input may be a
/// secret: their text is never shown.
fn parse_error<T: FromStr>(text: &str, err: &dyn Display) -> ConvertError {
    use std::any::type_name;
    let ty = short_type_name(type_name::<T>());
    if text.is_empty() {
        return ConvertError::new(format!("the value is empty, not a valid {ty}"));
    }
    let quiet = [
        type_name::<std::num::ParseIntError>(),
        type_name::<std::num::ParseFloatError>(),
        type_name::<std::str::ParseBoolError>(),
        type_name::<std::char::ParseCharError>(),
        type_name::<std::net::AddrParseError>(),
        type_name::<std::convert::Infallible>(),
    ];
    let reason = if quiet.contains(&type_name::<T::Err>()) {
        format!(": {err}")
    } else {
        String::new()
    };
    // Values are parsed as they are; a stray newline from `echo` is the usual culprit.
    let hint = if text.trim() == text {
        ""
    } else {
        " (it has leading or trailing whitespace)"
    };
    ConvertError::new(format!("the value is not a valid {ty}{reason}{hint}"))
}

/// `core::net::ip_addr::IpAddr` → `IpAddr`, `alloc::vec::Vec<u8>` → `Vec<u8>`.
fn short_type_name(full: &str) -> String {
    let mut out = String::with_capacity(full.len());
    let mut segment = String::new();
    let mut chars = full.chars().peekable();
    while let Some(c) = chars.next() {
        if c == ':' && chars.peek() == Some(&':') {
            chars.next();
            segment.clear();
        } else if c.is_alphanumeric() || c == '_' {
            segment.push(c);
        } else {
            out.push_str(&segment);
            segment.clear();
            out.push(c);
        }
    }
    out.push_str(&segment);
    out
}

// The secret types box their bytes, which shrinks a buffer with spare capacity by `realloc`
// and may leave an unwiped copy behind: they start from an exact allocation. `String` and
// `Vec<u8>` are handed over as they are: their owner never wipes them, so a copy spared
// here would not make them secret, and it would cost one.

impl FromSecret<marker::Text> for SecretString {
    fn from_secret(bytes: SecretBytes) -> Result<Self, ConvertError> {
        into_text(into_exact(bytes)).map(SecretString::from)
    }
}

impl FromSecret<marker::Bytes> for Vec<u8> {
    fn from_secret(bytes: SecretBytes) -> Result<Self, ConvertError> {
        let mut bytes = bytes;
        Ok(std::mem::take(&mut *bytes))
    }
}

impl FromSecret<marker::Bytes> for SecretSlice<u8> {
    fn from_secret(bytes: SecretBytes) -> Result<Self, ConvertError> {
        let mut bytes = into_exact(bytes);
        Ok(SecretSlice::from(std::mem::take(&mut *bytes)))
    }
}

impl<T, M> FromSecret<marker::Optional<M>> for Option<T>
where
    T: FromSecret<M>,
{
    fn from_secret(bytes: SecretBytes) -> Result<Self, ConvertError> {
        T::from_secret(bytes).map(Some)
    }

    fn when_absent() -> Option<Self> {
        Some(None)
    }
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    fn bytes(s: &str) -> SecretBytes {
        SecretBytes::new(s.as_bytes().to_vec())
    }

    #[test]
    fn short_names() {
        assert_eq!(short_type_name("core::net::ip_addr::IpAddr"), "IpAddr");
        assert_eq!(short_type_name("alloc::vec::Vec<u8>"), "Vec<u8>");
        assert_eq!(
            short_type_name("core::option::Option<alloc::string::String>"),
            "Option<String>"
        );
    }

    #[test]
    fn parse_errors_never_quote_the_value() {
        struct Echo;
        impl FromStr for Echo {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                Err(format!("cannot use {s:?}"))
            }
        }
        let err = <Echo as FromSecret<_>>::from_secret(bytes("hunter2"))
            .err()
            .unwrap();
        assert_eq!(err.message(), "the value is not a valid Echo");
        let err = <u16 as FromSecret<_>>::from_secret(bytes("70000")).unwrap_err();
        assert_eq!(
            err.message(),
            "the value is not a valid u16: number too large to fit in target type"
        );
        let err = <u16 as FromSecret<_>>::from_secret(bytes("")).unwrap_err();
        assert_eq!(err.message(), "the value is empty, not a valid u16");
    }

    #[test]
    fn text_and_bytes() {
        let s = <SecretString as FromSecret<_>>::from_secret(bytes("s3cr3t")).unwrap();
        assert_eq!(s.expose_secret(), "s3cr3t");
        let bad = SecretBytes::new(vec![0xff, 0xfe]);
        let err = <String as FromSecret<_>>::from_secret(bad.clone()).unwrap_err();
        assert_eq!(err.message(), "the value is not valid UTF-8");
        assert_eq!(
            <Vec<u8> as FromSecret<_>>::from_secret(bad).unwrap(),
            vec![0xff, 0xfe]
        );
        assert_eq!(<Option<u8> as FromSecret<_>>::when_absent(), Some(None));
        assert_eq!(<u8 as FromSecret<_>>::when_absent(), None);
    }

    /// What AES-GCM's decrypt hands over: the plaintext with room for a tag behind it.
    fn with_spare_capacity(s: &str) -> (SecretBytes, *const u8) {
        let mut bytes = SecretBytes::new(Vec::with_capacity(s.len() + 16));
        bytes.extend_from_slice(s.as_bytes());
        let at = bytes.as_ptr();
        (bytes, at)
    }

    // Boxing shrinks a buffer with spare capacity in place (`realloc`), or moves it and frees
    // the old block unwiped. A secret in a block allocated apart from the one handed over
    // was copied into an exact allocation first, while the old block was alive to be wiped.
    #[test]
    fn secret_types_never_box_a_buffer_with_spare_capacity() {
        let (bytes, old) = with_spare_capacity("s3cr3t");
        let text = <SecretString as FromSecret<_>>::from_secret(bytes).unwrap();
        assert_eq!(text.expose_secret(), "s3cr3t");
        assert_ne!(text.expose_secret().as_ptr(), old);
        let (bytes, old) = with_spare_capacity("s3cr3t");
        let slice = <SecretSlice<u8> as FromSecret<_>>::from_secret(bytes).unwrap();
        assert_eq!(slice.expose_secret(), b"s3cr3t");
        assert_ne!(slice.expose_secret().as_ptr(), old);
        let (bytes, old) = with_spare_capacity("s3cr3t");
        let optional = <Option<SecretString> as FromSecret<_>>::from_secret(bytes).unwrap();
        assert_ne!(optional.unwrap().expose_secret().as_ptr(), old);
    }

    #[test]
    fn an_exact_buffer_becomes_a_secret_without_a_copy() {
        let bytes = bytes("s3cr3t");
        let old = bytes.as_ptr();
        let slice = <SecretSlice<u8> as FromSecret<_>>::from_secret(bytes).unwrap();
        assert_eq!(slice.expose_secret().as_ptr(), old);
    }
}
