//! JSON objects in what a source returns: parsed once per reply, one key picked per field.
//! Every fetch source and decrypted plaintext share it (`key = ".."`, `json_key = ".."`).

use std::borrow::Cow;
use std::collections::HashMap;

use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::backend::SecretBytes;
use crate::{BackendError, ErrorKind};

mod unescape;

/// A JSON object's keys, each with its value's text as it stands in the object's bytes.
///
/// Values stay borrowed until a field picks one: only that value is ever copied out of the
/// (zeroized) object buffer, so no unpicked secret lingers in an unwiped allocation.
pub(crate) type JsonObject<'a> = HashMap<Cow<'a, str>, &'a RawValue>;

/// A JSON object whose keys are all distinct: with a key written twice, which value was
/// meant is a guess, and a secrets file is no place to guess.
struct Distinct<'a>(JsonObject<'a>);

impl<'de> Deserialize<'de> for Distinct<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Keys;
        impl<'de> Visitor<'de> for Keys {
            type Value = Distinct<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
                let mut object = JsonObject::new();
                while let Some((key, value)) = map.next_entry::<Cow<'de, str>, &'de RawValue>()? {
                    if object.contains_key(&key) {
                        return Err(de::Error::custom(format_args!("{DUPLICATE}`{key}`")));
                    }
                    object.insert(key, value);
                }
                Ok(Distinct(object))
            }
        }
        deserializer.deserialize_map(Keys)
    }
}

/// Starts the one error message this module makes inside serde, so it can be told apart.
const DUPLICATE: &str = "duplicate key ";

/// Parses an object as a JSON object. Messages give a JSON type, a duplicated key's name or
/// the position of a syntax error, never text from the object.
pub(crate) fn parse_object(bytes: &[u8]) -> Result<JsonObject<'_>, BackendError> {
    let invalid = |message: String| BackendError::new(ErrorKind::Invalid, message);
    let syntax = |err: serde_json::Error| {
        let at = format!("line {} column {}", err.line(), err.column());
        match err.to_string().strip_prefix(DUPLICATE) {
            Some(rest) => {
                // serde_json appends " at line L column C"; the key may hold " at line" too.
                let key = rest.rsplit_once(" at line ").map_or(rest, |(key, _)| key);
                // Escaped: a key is a name, but a newline in it could forge a line of a log.
                invalid(format!(
                    "the JSON object has the key {} twice ({at})",
                    key.escape_debug()
                ))
            }
            None => invalid(format!("the object is not valid JSON (error at {at})")),
        }
    };
    // Editors on Windows start UTF-8 files with a byte order mark; JSON does not allow it,
    // but it carries no meaning either.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => serde_json::from_slice::<Distinct<'_>>(bytes)
            .map(|d| d.0)
            .map_err(syntax),
        None => Err(invalid("the object is empty, not a JSON object".to_owned())),
        // Not an object: say what it is if it is JSON at all. Deserializing it as a map
        // would fail with serde's "invalid type: string \"...\"", which quotes the value.
        _ => match serde_json::from_slice::<&RawValue>(bytes) {
            Ok(value) => Err(invalid(format!(
                "the object holds a JSON {}, not a JSON object",
                json_type(value)
            ))),
            Err(err) => Err(syntax(err)),
        },
    }
}

/// The value of `key` as bytes: a string's contents, or a number's or boolean's spelling
/// (which `FromStr` of numbers and `bool` reads). An absent or null key is
/// [`ErrorKind::Missing`], so an `Option` field reads it as `None`.
pub(crate) fn pick(object: &JsonObject<'_>, key: &str) -> Result<SecretBytes, BackendError> {
    let Some(value) = object.get(key) else {
        return Err(BackendError::new(
            ErrorKind::Missing,
            format!("the JSON object has no key `{key}`"),
        ));
    };
    match json_type(value) {
        "string" => unescape::unescape(value.get()).ok_or_else(|| {
            BackendError::new(
                ErrorKind::Invalid,
                format!("key `{key}` holds an invalid JSON string"),
            )
        }),
        "null" => Err(BackendError::new(
            ErrorKind::Missing,
            format!("key `{key}` is null"),
        )),
        "number" | "boolean" => Ok(SecretBytes::new(value.get().as_bytes().to_vec())),
        other => Err(BackendError::new(
            ErrorKind::Invalid,
            format!("key `{key}` holds a JSON {other}; expected a string, number or boolean"),
        )),
    }
}

/// The type of a syntactically valid JSON value, from its first character.
fn json_type(value: &RawValue) -> &'static str {
    match value.get().as_bytes().first() {
        Some(b'"') => "string",
        Some(b'{') => "object",
        Some(b'[') => "array",
        Some(b't' | b'f') => "boolean",
        Some(b'n') => "null",
        _ => "number",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pick_scalars_and_reject_structures() {
        let bytes = br#" {"s":"x\"y","n":123456789012345678901234567890,"b":true,"z":null,"o":{"a":1},"l":[1]}"#;
        let object = parse_object(bytes).unwrap();
        assert_eq!(pick(&object, "s").unwrap().as_slice(), b"x\"y");
        assert_eq!(
            pick(&object, "n").unwrap().as_slice(),
            b"123456789012345678901234567890",
            "spelling kept"
        );
        assert_eq!(pick(&object, "b").unwrap().as_slice(), b"true");
        assert_eq!(pick(&object, "z").unwrap_err().message(), "key `z` is null");
        assert_eq!(
            pick(&object, "missing").unwrap_err().kind(),
            ErrorKind::Missing
        );
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
        let err = parse_object(b"password=hunter2").unwrap_err();
        assert_eq!(
            err.message(),
            "the object is not valid JSON (error at line 1 column 1)"
        );
        assert_eq!(
            parse_object(b" ").unwrap_err().message(),
            "the object is empty, not a JSON object"
        );
        let err = parse_object(br#"{"password":"hunter2","password":"hunter3"}"#).unwrap_err();
        assert_eq!(
            err.message(),
            "the JSON object has the key `password` twice (line 1 column 43)"
        );
        assert!(!err.message().contains("hunter"));
        let err = parse_object(b"{\"a\\nb\":1,\"a\\nb\":2}").unwrap_err();
        assert_eq!(
            err.message(),
            "the JSON object has the key `a\\nb` twice (line 1 column 19)"
        );
        let bom = parse_object(b"\xEF\xBB\xBF{\"a\":1}").unwrap();
        assert_eq!(pick(&bom, "a").unwrap().as_slice(), b"1");
    }
}
