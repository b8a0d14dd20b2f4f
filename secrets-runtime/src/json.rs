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
/// (zeroized) object buffer, so no unpicked secret lingers in an unwiped allocation. Keys are
/// borrowed too unless they hold an escape. A secrets object has a handful of keys, searched
/// in place; a large one gets a hash index, so that neither the duplicate check nor a pick
/// grows with the square of its size.
pub(crate) struct JsonObject<'a> {
    entries: Vec<(Cow<'a, str>, &'a RawValue)>,
    index: Option<HashMap<Cow<'a, str>, usize>>,
}

/// Up to this many keys, a linear search beats hashing.
const SMALL: usize = 16;

impl<'a> JsonObject<'a> {
    pub(crate) fn get(&self, key: &str) -> Option<&'a RawValue> {
        let at = match &self.index {
            Some(index) => *index.get(key)?,
            None => self.entries.iter().position(|(k, _)| k == key)?,
        };
        Some(self.entries[at].1)
    }

    /// Adds `key`, or gives it back when the object has it already.
    fn insert(&mut self, key: Cow<'a, str>, value: &'a RawValue) -> Result<(), Cow<'a, str>> {
        if self.get(&key).is_some() {
            return Err(key);
        }
        if let Some(index) = &mut self.index {
            index.insert(key.clone(), self.entries.len());
        } else if self.entries.len() == SMALL {
            let mut index: HashMap<Cow<'a, str>, usize> = self
                .entries
                .iter()
                .enumerate()
                .map(|(at, (k, _))| (k.clone(), at))
                .collect();
            index.insert(key.clone(), self.entries.len());
            self.index = Some(index);
        }
        self.entries.push((key, value));
        Ok(())
    }
}

impl std::fmt::Debug for JsonObject<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Keys only: the values are secrets.
        f.debug_list()
            .entries(self.entries.iter().map(|(k, _)| k))
            .finish()
    }
}

/// A key, borrowed from the object's bytes when it holds no escape.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Text;
        impl<'de> Visitor<'de> for Text {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E: de::Error>(self, key: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(key)))
            }
            fn visit_str<E: de::Error>(self, key: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(key.to_owned())))
            }
        }
        deserializer.deserialize_str(Text)
    }
}

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
                let mut object = JsonObject {
                    entries: Vec::with_capacity(map.size_hint().unwrap_or(0).min(SMALL)),
                    index: None,
                };
                while let Some((Key(key), value)) = map.next_entry::<Key<'de>, &'de RawValue>()? {
                    if let Err(key) = object.insert(key, value) {
                        return Err(de::Error::custom(format_args!("{DUPLICATE}`{key}`")));
                    }
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

    #[test]
    fn large_objects_find_keys_and_duplicates_through_their_index() {
        let keys: Vec<String> = (0..40)
            .map(|i| format!("\"k\\u00{:02x}{i}\":{i}", 0x41 + i % 20))
            .collect();
        let text = format!("{{{}}}", keys.join(","));
        let object = parse_object(text.as_bytes()).unwrap();
        assert!(object.index.is_some());
        assert_eq!(pick(&object, "kA0").unwrap().as_slice(), b"0");
        assert_eq!(pick(&object, "kT39").unwrap().as_slice(), b"39");
        assert_eq!(pick(&object, "kA1").unwrap_err().kind(), ErrorKind::Missing);
        let twice = format!("{{{},\"kT39\":0}}", keys.join(","));
        let err = parse_object(twice.as_bytes()).unwrap_err();
        assert!(
            err.message()
                .starts_with("the JSON object has the key `kT39` twice"),
            "{err}"
        );
        let twice_small = r#"{"a":1,"b":2,"a":3}"#;
        let err = parse_object(twice_small.as_bytes()).unwrap_err();
        assert!(
            err.message()
                .starts_with("the JSON object has the key `a` twice"),
            "{err}"
        );
    }
}
