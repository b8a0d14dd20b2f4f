//! `#[gcs]` fields with keys: the object's bytes are the fuzzer's, either raw or built by
//! `arbitrary` as a JSON object whose strings all start with the canary.
//!
//! Besides "no panic", every field's outcome is predicted from `serde_json::Value` (the
//! reference reading of the same bytes), the whole-object field must be the bytes
//! unchanged, the object must be read once, and no error may show the canary.

#![no_main]

use std::collections::HashSet;
use std::net::IpAddr;

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use secrets_runtime::memory::MemoryStore;
use secrets_runtime::{ErrorKind, ExposeSecret, SecretString, Secrets, Sources};
use secrets_runtime_fuzz::*;
use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::Value;

#[derive(Secrets)]
struct Stored {
    #[gcs(object = "app1", key = "username")]
    username: String,
    #[gcs(object = "app1", key = "password")]
    password: SecretString,
    #[gcs(object = "app1", key = "cert")]
    cert: Vec<u8>,
    #[gcs(object = "app1", key = "port")]
    port: u16,
    #[gcs(object = "app1", key = "tls")]
    tls: bool,
    #[gcs(object = "app1", key = "retries")]
    retries: Option<u64>,
    #[gcs(object = "app1", key = "token")]
    token: Option<SecretString>,
    #[gcs(object = "app1", key = "host")]
    host: Option<IpAddr>,
    // No key: the whole object, whatever it holds.
    #[gcs(object = "app1")]
    whole: Vec<u8>,
}

const FIELDS: &[&str] = &[
    "username", "password", "cert", "port", "tls", "retries", "token", "host", "whole",
];
const KEYS: [&str; 8] = [
    "username", "password", "cert", "port", "tls", "retries", "token", "host",
];

/// A JSON object built from parts, every string value a planted secret.
#[derive(Arbitrary, Debug)]
struct Built {
    entries: Vec<Entry>,
    /// Whitespace between tokens: none, spaces, newlines and tabs, CRLF.
    spacing: u8,
    /// Cut the text at this byte: invalid JSON with secrets inside.
    cut: Option<u16>,
    /// Something after the object: trailing data is a syntax error.
    trailing: Option<String>,
}

#[derive(Arbitrary, Debug)]
struct Entry {
    key: Key,
    value: Val,
}

#[derive(Arbitrary, Debug)]
enum Key {
    /// One the struct reads (index into `KEYS`).
    Known(u8),
    /// Any other, possibly a secret itself.
    Other(String),
    /// A known key spelled with escapes (`"p\u0061ssword"`).
    Escaped(u8),
}

#[derive(Arbitrary, Debug)]
enum Val {
    /// `CANARY` + text, escaped as JSON needs.
    Str(String),
    /// `CANARY` + text, every character written as `\uXXXX` (surrogate pairs included).
    Unicode(String),
    /// Text exactly as given, unquoted: numbers, `true`, garbage.
    Bare(String),
    /// A string holding a number or a boolean, as many secrets files spell them.
    Quoted(u64),
    Int(i64),
    Uint(u64),
    Float(f64),
    Bool(bool),
    Null,
    Array(Vec<String>),
    Object(Vec<(String, String)>),
}

fn secret(text: &str) -> String {
    String::from_utf8(planted(text.as_bytes())).expect("UTF-8 plus UTF-8")
}

fn json_string(text: &str) -> String {
    serde_json::to_string(text).expect("a string serializes")
}

fn unicode_escaped(text: &str) -> String {
    let mut out = String::from("\"");
    for unit in text.encode_utf16() {
        out.push_str(&format!("\\u{unit:04x}"));
    }
    out.push('"');
    out
}

fn value_text(value: &Val) -> String {
    match value {
        Val::Str(text) => json_string(&secret(text)),
        Val::Unicode(text) => unicode_escaped(&secret(text)),
        Val::Bare(text) => text.clone(),
        Val::Quoted(n) => format!("\"{n}\""),
        Val::Int(n) => n.to_string(),
        Val::Uint(n) => n.to_string(),
        // NaN and infinities have no JSON spelling: serde_json writes `null`.
        Val::Float(x) => serde_json::to_string(x).expect("a float serializes"),
        Val::Bool(b) => b.to_string(),
        Val::Null => "null".to_owned(),
        Val::Array(items) => {
            let items: Vec<String> = items.iter().map(|s| json_string(&secret(s))).collect();
            format!("[{}]", items.join(","))
        }
        Val::Object(pairs) => {
            let pairs: Vec<String> = pairs
                .iter()
                .map(|(k, v)| format!("{}:{}", json_string(k), json_string(&secret(v))))
                .collect();
            format!("{{{}}}", pairs.join(","))
        }
    }
}

fn build(built: &Built) -> Vec<u8> {
    let space = match built.spacing % 4 {
        0 => "",
        1 => " ",
        2 => "\n\t",
        _ => "\r\n  ",
    };
    let entries: Vec<String> = built
        .entries
        .iter()
        .map(|entry| {
            let key = match &entry.key {
                Key::Known(i) => json_string(KEYS[usize::from(*i) % KEYS.len()]),
                Key::Other(key) => json_string(key),
                Key::Escaped(i) => unicode_escaped(KEYS[usize::from(*i) % KEYS.len()]),
            };
            format!("{space}{key}{space}:{space}{}", value_text(&entry.value))
        })
        .collect();
    let mut text = format!("{space}{{{}{space}}}{space}", entries.join(","));
    if let Some(trailing) = &built.trailing {
        text.push_str(trailing);
    }
    let mut bytes = text.into_bytes();
    if let Some(cut) = built.cut {
        bytes.truncate(usize::from(cut));
    }
    bytes
}

/// What a key holds, read the reference way.
enum Ref {
    Raw(Raw),
    /// A number `Value` knows only by value (a fraction, an exponent, an integer beyond 64
    /// bits): the loader hands over its spelling, which must read back as this value.
    Spelled(f64),
}

fn reference(object: &serde_json::Map<String, Value>, key: &str) -> Ref {
    Ref::Raw(match object.get(key) {
        None | Some(Value::Null) => Raw::Absent(ErrorKind::Missing),
        Some(Value::String(text)) => Raw::Bytes(text.clone().into_bytes()),
        Some(Value::Bool(b)) => Raw::Bytes(b.to_string().into_bytes()),
        // JSON spells integers as digits (no `+`, no leading zeros): their text is known.
        Some(Value::Number(n)) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
            (Some(n), _, _) => Raw::Bytes(n.to_string().into_bytes()),
            (None, Some(n), _) => Raw::Bytes(n.to_string().into_bytes()),
            (None, None, Some(x)) => return Ref::Spelled(x),
            (None, None, None) => unreachable!("a JSON number is a u64, an i64 or an f64"),
        },
        Some(Value::Array(_) | Value::Object(_)) => Raw::Fail(INVALID),
    })
}

impl Ref {
    /// For a field parsed with `FromStr` as a number, `bool` or address: a fraction or an
    /// exponent is none of these.
    fn parsed(&self) -> Raw {
        match self {
            Self::Raw(raw) => raw.clone(),
            Self::Spelled(_) => Raw::Fail(INVALID),
        }
    }
}

/// Checks a text or bytes field (`Some` when loaded; `None` inside for an absent `Option`).
fn check_text(
    result: Result<Option<&[u8]>, &secrets_runtime::Error>,
    field: &str,
    reference: &Ref,
    optional: bool,
) {
    match reference {
        Ref::Raw(raw) => {
            let expect = raw.optional(Raw::bytes);
            let expect = match (expect, optional) {
                (Expect::Value(None), false) => Expect::Fail(MISSING),
                (expect, _) => expect,
            };
            let result = result.map(|value| value.map(<[u8]>::to_vec));
            check_field(result.as_ref().map_err(|e| *e), field, &expect);
        }
        Ref::Spelled(expected) => match result {
            Ok(value) => {
                let text = std::str::from_utf8(value.expect("a number is present"))
                    .expect("a number is ASCII");
                let read: f64 = text.parse().expect("a JSON number reads as an f64");
                assert!(read == *expected, "{field}: {text} is not {expected}");
            }
            Err(err) => assert!(err.field(field).is_none(), "{field} failed: {err}"),
        },
    }
}

/// The first key an object writes twice, if the object reads as JSON at all (values are
/// skipped as the loader skips them, so a lone surrogate in one is no error here either).
fn first_duplicate(text: &[u8]) -> Option<String> {
    struct Keys(Option<String>);
    impl<'de> Deserialize<'de> for Keys {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            struct Visit;
            impl<'de> Visitor<'de> for Visit {
                type Value = Keys;
                fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str("an object")
                }
                fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Keys, M::Error> {
                    let mut seen = HashSet::new();
                    let mut first = None;
                    while let Some((key, IgnoredAny)) = map.next_entry::<String, IgnoredAny>()? {
                        if !seen.insert(key.clone()) && first.is_none() {
                            first = Some(key);
                        }
                    }
                    Ok(Keys(first))
                }
            }
            deserializer.deserialize_map(Visit)
        }
    }
    serde_json::from_slice::<Keys>(text).ok()?.0
}

/// Every keyed field fails alike (the object is parsed once), with a message `ok` accepts.
fn all_keys_fail(result: &Result<Stored, secrets_runtime::Error>, ok: impl Fn(&str) -> bool) {
    let Err(err) = result else {
        panic!("the object cannot be read as a JSON object, yet the load succeeded");
    };
    for key in KEYS {
        let failure = err
            .field(key)
            .unwrap_or_else(|| panic!("{key} did not fail: {err}"));
        assert_eq!(failure.kind(), ErrorKind::Invalid, "{err}");
        assert!(ok(failure.message()), "{key}: unexpected message: {err}");
        assert_eq!(failure.message(), err.fields()[0].message(), "{err}");
    }
}

fn check(bytes: &[u8]) {
    let store = MemoryStore::new().with_object(BUCKET, "app1", bytes);
    let sources = Sources::builder()
        .env([("STORAGE_BUCKET", BUCKET)])
        .gcs(store.clone())
        .build();
    let result = block_on(Stored::load_from(&sources));
    assert_eq!(store.read_count(), 1, "one object, read once");
    if std::env::var_os("FUZZ_SHOW").is_some() {
        eprintln!("FUZZ_SHOW object {:?}", String::from_utf8_lossy(bytes));
    }

    // A byte order mark means nothing and is skipped; JSON itself does not allow it.
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let duplicate = first_duplicate(text);
    if text.iter().all(u8::is_ascii_whitespace) {
        all_keys_fail(&result, |m| m == "the object is empty, not a JSON object");
    } else if let Some(key) = &duplicate {
        // A key written twice: which value was meant is a guess, so the object is refused,
        // naming the key (a name, not a value).
        let prefix = format!("the JSON object has the key `{key}` twice (line ");
        all_keys_fail(&result, |m| m.starts_with(&prefix));
    } else {
        match serde_json::from_slice::<Value>(text) {
            Ok(Value::Object(object)) => {
                let refs: Vec<Ref> = KEYS.iter().map(|key| reference(&object, key)).collect();
                check_keys(result.as_ref(), &refs);
            }
            Ok(_) => all_keys_fail(&result, |m| {
                m.starts_with("the object holds a JSON ") && m.ends_with(", not a JSON object")
            }),
            // The reference rejects it. The loader may read it still (a lone surrogate in a
            // string no field picks is no error to it); the checks below hold either way.
            Err(_) => {}
        }
    }

    match &result {
        Ok(config) => assert_eq!(config.whole, bytes, "the whole object, unchanged"),
        Err(err) => {
            let names: Vec<&str> = duplicate.iter().map(String::as_str).collect();
            check_error(err, "Stored", FIELDS, &names);
            assert!(
                err.field("whole").is_none(),
                "the whole object loads: {err}"
            );
            for failure in err.fields() {
                assert_eq!(
                    failure.origin(),
                    format!("gs://{BUCKET}/app1#{}", failure.field())
                );
            }
            // A syntax error is found by the reference too, and fails every keyed field.
            if err
                .fields()
                .iter()
                .any(|f| f.message().starts_with("the object is not valid JSON"))
            {
                all_keys_fail(&result, |m| {
                    m.starts_with("the object is not valid JSON (error at line ")
                });
                assert!(
                    serde_json::from_slice::<Value>(text).is_err(),
                    "the reference reads it: {err}"
                );
            }
        }
    }
}

fn check_keys(result: Result<&Stored, &secrets_runtime::Error>, refs: &[Ref]) {
    let [username, password, cert, port, tls, retries, token, host] = refs else {
        unreachable!()
    };
    let password_text = result.map(|c| c.password.expose_secret().to_owned());
    let token_text = result.map(|c| c.token.as_ref().map(|t| t.expose_secret().to_owned()));
    check_text(
        result.map(|c| Some(c.username.as_bytes())),
        "username",
        username,
        false,
    );
    check_text(
        password_text
            .as_ref()
            .map(|p| Some(p.as_bytes()))
            .map_err(|e| *e),
        "password",
        password,
        false,
    );
    check_text(result.map(|c| Some(&c.cert[..])), "cert", cert, false);
    check_text(
        token_text
            .as_ref()
            .map(|t| t.as_ref().map(String::as_bytes))
            .map_err(|e| *e),
        "token",
        token,
        true,
    );
    check_field(
        result.map(|c| &c.port),
        "port",
        &port.parsed().parsed::<u16>(),
    );
    check_field(
        result.map(|c| &c.tls),
        "tls",
        &tls.parsed().parsed::<bool>(),
    );
    check_field(
        result.map(|c| &c.retries),
        "retries",
        &retries.parsed().optional(Raw::parsed::<u64>),
    );
    check_field(
        result.map(|c| &c.host),
        "host",
        &host.parsed().optional(Raw::parsed::<IpAddr>),
    );
}

fuzz_target!(|data: &[u8]| {
    // The first byte picks the mode; raw bytes stay raw so that libFuzzer's own mutations
    // (and its dictionary of compared strings) work on the object directly.
    let Some((mode, rest)) = data.split_first() else {
        return;
    };
    if mode & 1 == 0 {
        check(rest);
    } else if let Ok(built) = Built::arbitrary_take_rest(Unstructured::new(rest)) {
        check(&build(&built));
    }
});
