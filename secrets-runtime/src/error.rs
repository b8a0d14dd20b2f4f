//! The one error a failed load returns: every failed field, where it came from and why.
//!
//! Nothing in here ever holds a value read from a source: only field names, source
//! descriptions built from names, and messages written by this crate or by a backend's
//! error reply (which describes the request, never the plaintext).

use std::fmt;

use serde::ser::{Serialize, SerializeStruct, Serializer};

/// What went wrong with one field, in broad classes a caller can branch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The source holds nothing for a required field: an env var unset, a JSON key, an
    /// object, a secret, a parameter or a file absent. Absence of any source is this kind.
    Missing,
    /// The source holds something that cannot become the field: bad base64, not UTF-8,
    /// not JSON, not a number, a malformed name read from the environment.
    Invalid,
    /// The key service rejected the ciphertext: wrong key, corrupted or truncated.
    Decrypt,
    /// A place that must exist does not (or the caller may not know it does): a key, a
    /// bucket, a key version. A missing object or secret is absence: [`ErrorKind::Missing`].
    NotFound,
    /// The caller's identity lacks the IAM permission to use the key or read the object.
    PermissionDenied,
    /// The backend could not answer in time: throttled, unavailable, timed out.
    Unavailable,
    /// The object is larger than the configured cap.
    TooLarge,
    /// A checksum of the reply did not match: the value was damaged on the way.
    Integrity,
    /// No backend is configured for a source the struct uses.
    Unconfigured,
    /// Anything else a backend reported.
    Other,
}

/// One failed field of a load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    field: String,
    origin: String,
    kind: ErrorKind,
    message: String,
}

impl FieldError {
    pub(crate) fn new(field: String, origin: String, kind: ErrorKind, message: String) -> Self {
        Self {
            field,
            origin,
            kind,
            message,
        }
    }

    /// The Rust field name, with the path of the nested struct it is in: `db.password`.
    #[must_use]
    pub fn field(&self) -> &str {
        &self.field
    }

    /// Where the value was to come from: `env DB_PASS`, `kms <key> via env DB_PASS`,
    /// `gs://bucket/app1#password`.
    #[must_use]
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The class of failure.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// Why it failed, in words.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// `field (origin): message`; `{:#}` the same with any line break made a space, so that it
/// is one log entry whatever a backend's message holds.
impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if f.alternate() {
            let (field, origin) = (one_line(&self.field), one_line(&self.origin));
            write!(f, "{field} ({origin}): {}", one_line(&self.message))
        } else {
            write!(f, "{} ({}): {}", self.field, self.origin, self.message)
        }
    }
}

/// `text` with each line break (`\r\n`, `\n`, `\r`) made one space.
fn one_line(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains(['\n', '\r']) {
        text.replace("\r\n", " ").replace(['\n', '\r'], " ").into()
    } else {
        text.into()
    }
}

/// Whether `field` failed for a cause other fields can share, which is then said once: a
/// service that cannot be reached or used (credentials, permission, an outage), or an env
/// var or bucket the fields name together. A message about the field's own value (`item 2
/// of 3 is empty`) may read the same for two fields without being one cause.
fn shared_cause(field: &FieldError) -> bool {
    matches!(
        field.kind,
        ErrorKind::Unconfigured | ErrorKind::Unavailable | ErrorKind::PermissionDenied
    ) || field.message.starts_with("env ")
        || field.message.starts_with("bucket ")
}

/// A failed load: every field that failed, in declaration order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    target: &'static str,
    fields: Vec<FieldError>,
}

impl Error {
    pub(crate) fn new(target: &'static str, fields: Vec<FieldError>) -> Self {
        Self { target, fields }
    }

    /// The name of the struct that failed to load.
    #[must_use]
    pub fn target(&self) -> &'static str {
        self.target
    }

    /// Every failed field, in declaration order.
    #[must_use]
    pub fn fields(&self) -> &[FieldError] {
        &self.fields
    }

    /// The failure of the named field, if it failed.
    #[must_use]
    pub fn field(&self, name: &str) -> Option<&FieldError> {
        self.fields.iter().find(|e| e.field == name)
    }
}

impl Error {
    /// The failed fields grouped by cause: fields that failed alike for a shared cause (the
    /// same kind and message, such as an unset bucket var or missing credentials) form one
    /// group, said once; groups in the order of their first field.
    fn causes(&self) -> Vec<Vec<&FieldError>> {
        let mut groups: Vec<Vec<&FieldError>> = Vec::new();
        for field in &self.fields {
            let alike = groups.iter_mut().find(|g| {
                shared_cause(field) && g[0].kind == field.kind && g[0].message == field.message
            });
            match alike {
                Some(group) => group.push(field),
                None => groups.push(vec![field]),
            }
        }
        groups
    }
}

/// `{}`: a header, then a line per cause: `  - field (origin): message`, and for a cause
/// several fields share, `  - a (origin a), b (origin b): message`.
///
/// `{:#}`: the same on one line (causes separated by ` | `, line breaks made spaces), for
/// log collectors that make an entry of each line, as Cloud Logging does with stderr.
impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let one_line = f.alternate();
        let n = self.fields.len();
        let plural = if n == 1 { "" } else { "s" };
        write!(
            f,
            "failed to load {}: {n} field{plural} failed",
            self.target
        )?;
        for (i, group) in self.causes().into_iter().enumerate() {
            let lead = match (one_line, i) {
                (false, _) => "\n  - ",
                (true, 0) => ": ",
                (true, _) => " | ",
            };
            f.write_str(lead)?;
            for (j, field) in group.iter().enumerate() {
                let sep = if j == 0 { "" } else { ", " };
                if one_line {
                    let (name, origin) =
                        (self::one_line(&field.field), self::one_line(&field.origin));
                    write!(f, "{sep}{name} ({origin})")?;
                } else {
                    write!(f, "{sep}{} ({})", field.field, field.origin)?;
                }
            }
            let message = &group[0].message;
            if one_line {
                write!(f, ": {}", self::one_line(message))?;
            } else {
                write!(f, ": {message}")?;
            }
        }
        Ok(())
    }
}

/// `{"struct": "Config", "fields": [{"field": "port", "origin": "env PORT", "kind":
/// "Invalid", "message": "…"}]}`: one structured log entry (`serde_json::to_value(&err)`).
/// Every field is listed, in declaration order, each with its own cause.
impl Serialize for Error {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut out = serializer.serialize_struct("Error", 2)?;
        out.serialize_field("struct", self.target)?;
        out.serialize_field("fields", &self.fields)?;
        out.end()
    }
}

impl Serialize for FieldError {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut out = serializer.serialize_struct("FieldError", 4)?;
        out.serialize_field("field", &self.field)?;
        out.serialize_field("origin", &self.origin)?;
        out.serialize_field("kind", &self.kind)?;
        out.serialize_field("message", &self.message)?;
        out.end()
    }
}

/// The variant's name: `"Invalid"`, `"NotFound"`.
impl Serialize for ErrorKind {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&format!("{self:?}"))
    }
}

impl std::error::Error for Error {}

/// What a backend (KMS, object store) reports when a request fails. Backends written by
/// users return it too; its message must describe the request, never a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackendError {
    kind: ErrorKind,
    message: String,
}

impl BackendError {
    /// A failure of the given class, with a message that names the resource and the cause.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// The class of failure.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// Why it failed, in words.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for BackendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for BackendError {}
