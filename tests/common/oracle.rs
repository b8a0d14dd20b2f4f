//! The field-outcome oracle: what each field of a load must come out as, predicted from the
//! inputs alone, and the check of a load against it.
//!
//! One file for the test suite (`tests/common`) and the fuzz targets (`fuzz/src/lib.rs`
//! includes it by path), so that both judge loads by the same rules.

use secrets_runtime::{Error, ErrorKind};

/// What one field of a load must come out as.
#[derive(Debug, Clone, PartialEq)]
pub enum Expect<T> {
    /// Loaded, with this value.
    Value(T),
    /// Failed, with one of these kinds.
    Fail(&'static [ErrorKind]),
}

impl<T> Expect<T> {
    pub fn is_ok(&self) -> bool {
        matches!(self, Self::Value(_))
    }
}

/// A source's outcome before conversion to the field's type.
#[derive(Debug, Clone, PartialEq)]
pub enum Raw {
    /// Nothing there: `None` for an `Option`, else a failure of this kind.
    Absent(ErrorKind),
    Bytes(Vec<u8>),
    Fail(&'static [ErrorKind]),
}

pub const INVALID: &[ErrorKind] = &[ErrorKind::Invalid];
pub const MISSING: &[ErrorKind] = &[ErrorKind::Missing];
pub const DECRYPT: &[ErrorKind] = &[ErrorKind::Decrypt];
pub const NOT_FOUND: &[ErrorKind] = &[ErrorKind::NotFound];
pub const TOO_LARGE: &[ErrorKind] = &[ErrorKind::TooLarge];

impl Raw {
    /// The outcome of a field of type `T` parsed with `FromStr`.
    pub fn parsed<T: std::str::FromStr>(&self) -> Expect<T> {
        self.convert(|bytes| {
            std::str::from_utf8(bytes)
                .ok()
                .and_then(|text| text.parse().ok())
        })
    }

    /// The outcome of a `String` or `SecretString` field.
    pub fn text(&self) -> Expect<String> {
        self.convert(|bytes| String::from_utf8(bytes.to_vec()).ok())
    }

    /// The outcome of a `Vec<u8>` field.
    pub fn bytes(&self) -> Expect<Vec<u8>> {
        self.convert(|bytes| Some(bytes.to_vec()))
    }

    /// The outcome of an `Option` field whose inner type converts with `convert`.
    pub fn optional<T>(&self, inner: impl Fn(&Raw) -> Expect<T>) -> Expect<Option<T>> {
        match self {
            Self::Absent(_) => Expect::Value(None),
            other => match inner(other) {
                Expect::Value(value) => Expect::Value(Some(value)),
                Expect::Fail(kinds) => Expect::Fail(kinds),
            },
        }
    }

    fn convert<T>(&self, convert: impl Fn(&[u8]) -> Option<T>) -> Expect<T> {
        match self {
            Self::Absent(kind) => Expect::Fail(match kind {
                ErrorKind::Missing => MISSING,
                ErrorKind::NotFound => NOT_FOUND,
                other => panic!("absence of kind {other:?}"),
            }),
            Self::Bytes(bytes) => convert(bytes).map_or(Expect::Fail(INVALID), Expect::Value),
            Self::Fail(kinds) => Expect::Fail(kinds),
        }
    }
}

/// What an env var holds as `#[env]` and `#[kms]` read it: an empty value is unset.
pub fn env_raw(value: Option<&str>) -> Raw {
    match value {
        None | Some("") => Raw::Absent(ErrorKind::Missing),
        Some(value) => Raw::Bytes(value.as_bytes().to_vec()),
    }
}

/// What key `key` of an object's bytes holds, read the reference way (`serde_json::Value`):
/// a string as its text, a number or a boolean as spelled, `null` or no key as absent; an
/// array, an object, or bytes that are not a JSON object fail. A number `Value` knows only by
/// value (a fraction, an exponent) is spelled as `serde_json` writes it: right only for
/// inputs spelled that way. Duplicate keys are not detected here.
pub fn json_key(bytes: &[u8], key: &str) -> Raw {
    use serde_json::Value;
    // A byte order mark means nothing and is skipped.
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let Ok(Value::Object(object)) = serde_json::from_slice::<Value>(text) else {
        return Raw::Fail(INVALID);
    };
    match object.get(key) {
        None | Some(Value::Null) => Raw::Absent(ErrorKind::Missing),
        Some(Value::String(text)) => Raw::Bytes(text.clone().into_bytes()),
        Some(Value::Bool(b)) => Raw::Bytes(b.to_string().into_bytes()),
        Some(Value::Number(n)) => Raw::Bytes(n.to_string().into_bytes()),
        Some(Value::Array(_) | Value::Object(_)) => Raw::Fail(INVALID),
    }
}

/// Checks one field of a load against what it must come out as: `actual` is the loaded
/// value when the whole load succeeded, `None` when it failed.
pub fn check_field<T: PartialEq + std::fmt::Debug>(
    result: Result<&T, &Error>,
    field: &str,
    expect: &Expect<T>,
) {
    match (result, expect) {
        (Ok(actual), Expect::Value(value)) => {
            assert!(actual == value, "field {field}: loaded a different value");
        }
        (Ok(_), Expect::Fail(kinds)) => panic!("field {field} loaded but must fail with {kinds:?}"),
        (Err(err), Expect::Value(_)) => {
            assert!(
                err.field(field).is_none(),
                "field {field} failed but must load: {err}"
            );
        }
        (Err(err), Expect::Fail(kinds)) => {
            let Some(failure) = err.field(field) else {
                panic!("field {field} did not fail but must fail with {kinds:?}: {err}");
            };
            assert!(
                kinds.contains(&failure.kind()),
                "field {field} failed with {:?}, expected one of {kinds:?}: {err}",
                failure.kind()
            );
        }
    }
}
