//! `#[gcs]`: a Cloud Storage object, whole or as a JSON object with one key picked per field.

use serde_json::{Map, Value};

use crate::backend::SecretBytes;
use crate::env::Env;
use crate::plan::NameRef;
use crate::{BackendError, ErrorKind};

/// The default cap on an object's size: 1 MiB, far above any secrets file, far below what
/// could exhaust a function's memory.
pub const DEFAULT_MAX_OBJECT_BYTES: usize = 1 << 20;

/// An object to read.
#[derive(PartialEq, Eq, Hash)]
pub(crate) struct Read {
    pub(crate) bucket: String,
    pub(crate) object: &'static str,
}

/// Resolves the bucket name; returns the field's source description too.
pub(crate) fn resolve(
    env: &Env,
    bucket: &NameRef,
    object: &'static str,
    key: Option<&str>,
) -> (String, Result<Read, BackendError>) {
    let origin = |bucket: &str| match key {
        Some(key) => format!("gs://{bucket}/{object}#{key}"),
        None => format!("gs://{bucket}/{object}"),
    };
    match env.resolve_name(bucket, "the bucket name", secrets_names::check_bucket_name) {
        Ok(bucket) => (origin(&bucket), Ok(Read { bucket, object })),
        Err(why) => (origin(&bucket.describe()), Err(why)),
    }
}

/// Parses an object as a JSON object. The message gives the position of a syntax error,
/// never the text around it.
pub(crate) fn parse_object(bytes: &[u8]) -> Result<Map<String, Value>, BackendError> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(BackendError::new(
            ErrorKind::Invalid,
            format!(
                "the object holds a JSON {}, not a JSON object",
                json_type(&other)
            ),
        )),
        Err(err) => Err(BackendError::new(
            ErrorKind::Invalid,
            format!(
                "the object is not valid JSON (error at line {} column {})",
                err.line(),
                err.column()
            ),
        )),
    }
}

/// The value of `key`: `Ok(None)` when absent or null.
pub(crate) fn pick(
    object: &Map<String, Value>,
    key: &str,
) -> Result<Option<SecretBytes>, BackendError> {
    let text = match object.get(key) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) => s.clone(),
        // A number or boolean keeps its JSON spelling, which `FromStr` of numbers and bool reads.
        Some(scalar @ (Value::Number(_) | Value::Bool(_))) => scalar.to_string(),
        Some(other) => {
            return Err(BackendError::new(
                ErrorKind::Invalid,
                format!(
                    "key `{key}` holds a JSON {}; expected a string, number or boolean",
                    json_type(other)
                ),
            ));
        }
    };
    Ok(Some(SecretBytes::new(text.into_bytes())))
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

pub(crate) fn not_found(bucket: &str, object: &str) -> BackendError {
    BackendError::new(
        ErrorKind::NotFound,
        format!("object gs://{bucket}/{object} not found"),
    )
}

/// The size cap every store applies the same way.
pub(crate) fn check_size(
    bucket: &str,
    object: &str,
    len: u64,
    max_bytes: usize,
) -> Result<(), BackendError> {
    if len > max_bytes as u64 {
        return Err(BackendError::new(
            ErrorKind::TooLarge,
            format!(
                "object gs://{bucket}/{object} is {len} bytes, over the cap of {max_bytes} bytes"
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pick_scalars_and_reject_structures() {
        let object =
            parse_object(br#"{"s":"x","n":8080,"b":true,"z":null,"o":{"a":1},"l":[1]}"#).unwrap();
        assert_eq!(pick(&object, "s").unwrap().unwrap().as_slice(), b"x");
        assert_eq!(pick(&object, "n").unwrap().unwrap().as_slice(), b"8080");
        assert_eq!(pick(&object, "b").unwrap().unwrap().as_slice(), b"true");
        assert!(pick(&object, "z").unwrap().is_none());
        assert!(pick(&object, "missing").unwrap().is_none());
        assert!(
            pick(&object, "o")
                .unwrap_err()
                .message()
                .contains("holds a JSON object")
        );
        assert!(
            pick(&object, "l")
                .unwrap_err()
                .message()
                .contains("holds a JSON array")
        );
    }

    #[test]
    fn parse_errors_quote_nothing() {
        let err = parse_object(b"{\"password\": \"hunter2\"").unwrap_err();
        assert!(
            err.message().starts_with("the object is not valid JSON"),
            "{err}"
        );
        assert!(!err.message().contains("hunter2"));
        let err = parse_object(b"\"hunter2\"").unwrap_err();
        assert_eq!(
            err.message(),
            "the object holds a JSON string, not a JSON object"
        );
    }
}
