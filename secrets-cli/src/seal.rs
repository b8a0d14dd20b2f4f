//! `secrets seal`: several secrets into one bundle, a JSON object of strings sealed for one
//! env var (`SECRETS_BUNDLE`) that `#[bundle]` fields read with one Cloud KMS call.
//!
//! Up to Cloud KMS's 64 KiB the bundle is the KMS ciphertext of the JSON, base64; beyond that,
//! or with `--envelope`, it is berglas's envelope text: a random AES-256-GCM key seals the JSON
//! and Cloud KMS wraps that key, with no additional authenticated data.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use secrets_runtime::berglas;
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::error::Category;
use zeroize::Zeroizing;

use crate::backend::Backend;
use crate::encrypt::KMS_MAX_PLAINTEXT;
use crate::fail::{Failure, Result};
use crate::{dotenv, input, output};

/// Cloud Run's limit on one env var's value, worth a warning when a bundle outgrows it.
const CLOUD_RUN_ENV_MAX: usize = 32 * 1024;

/// What to seal, as the command line gives it.
pub struct Request<'a> {
    pub key: &'a str,
    /// `NAME=value` or `NAME=@file`.
    pub entries: &'a [String],
    pub json: Option<&'a Path>,
    pub dotenv: Option<&'a Path>,
    pub envelope: bool,
}

/// The bundle's secrets by name, with where each came from for the duplicate message.
#[derive(Default)]
struct Bundle {
    secrets: BTreeMap<String, (Zeroizing<String>, String)>,
}

impl Bundle {
    fn add(&mut self, name: String, value: Zeroizing<String>, from: String) -> Result<()> {
        if let Some((_, first)) = self.secrets.get(&name) {
            return Err(Failure::new(format!(
                "`{name}` is given twice ({first} and {from}): a bundle holds one value per name"
            )));
        }
        self.secrets.insert(name, (value, from));
        Ok(())
    }

    /// The JSON object, in a buffer of exactly its size: one that grew would leave copies of
    /// the values behind, unwiped.
    fn to_json(&self) -> Zeroizing<Vec<u8>> {
        let map: BTreeMap<&str, &str> = self
            .secrets
            .iter()
            .map(|(name, (value, _))| (name.as_str(), value.as_str()))
            .collect();
        let mut counter = Counter(0);
        serde_json::to_writer(&mut counter, &map).expect("counting cannot fail");
        let mut json = Zeroizing::new(Vec::with_capacity(counter.0));
        serde_json::to_writer(&mut *json, &map).expect("writing to a Vec cannot fail");
        json
    }
}

/// Counts what would be written.
struct Counter(usize);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

pub fn run(backend: &Backend, request: &Request<'_>) -> Result<()> {
    let bundle = collect(request)?;
    if bundle.secrets.is_empty() {
        return Err(Failure::new(
            "nothing to seal: the files given hold no secrets; add NAME=value or NAME=@file",
        ));
    }
    let json = bundle.to_json();
    let (text, form) = if request.envelope || json.len() > KMS_MAX_PLAINTEXT {
        let sealed = berglas::seal(&json, |dek| backend.encrypt(request.key, dek, &[]))?;
        (sealed, "berglas envelope")
    } else {
        let ciphertext = backend.encrypt(request.key, &json, &[])?;
        (STANDARD.encode(ciphertext), "Cloud KMS ciphertext")
    };
    let names: Vec<&str> = bundle.secrets.keys().map(String::as_str).collect();
    output::note(&format!(
        "sealed {} ({}) as {form}, {} bytes, for env SECRETS_BUNDLE; env KMS_CRYPTO_KEY_ID (or the struct's kms_key_env) must name the same key, {}",
        plural(names.len(), "secret"),
        names.join(", "),
        text.len(),
        request.key
    ));
    if text.len() > CLOUD_RUN_ENV_MAX {
        output::note(&format!(
            "the bundle is over {CLOUD_RUN_ENV_MAX} bytes, more than Cloud Run takes in one env var: store it with `secrets berglas create` and read it with #[berglas] fields instead"
        ));
    }
    output::line(&text)
}

/// `1 secret`, `2 secrets`.
fn plural(count: usize, noun: &str) -> String {
    match count {
        1 => format!("1 {noun}"),
        _ => format!("{count} {noun}s"),
    }
}

/// Every secret the request names: the files' first, then the arguments'.
fn collect(request: &Request<'_>) -> Result<Bundle> {
    let mut bundle = Bundle::default();
    if let Some(path) = request.json {
        for (index, (name, value)) in json_file(path)?.into_iter().enumerate() {
            let from = format!("--json {} entry {}", path.display(), index + 1);
            bundle.add(name, value, from)?;
        }
    }
    if let Some(path) = request.dotenv {
        let shown = path.display().to_string();
        let text = input::text(&input::file_or_stdin(Some(path), &shown)?, &shown)?;
        let entries = dotenv::parse(&text).map_err(|e| e.of(&shown))?;
        for entry in entries {
            let from = format!("{} line {}", path.display(), entry.line);
            bundle.add(entry.name, entry.value, from)?;
        }
    }
    for (index, arg) in request.entries.iter().enumerate() {
        let (name, value) = entry(arg, index + 1)?;
        bundle.add(name, value, format!("secret argument {}", index + 1))?;
    }
    Ok(bundle)
}

/// `NAME=value` or `NAME=@file`, the `index`th such argument.
fn entry(arg: &str, index: usize) -> Result<(String, Zeroizing<String>)> {
    // Never quoted: an argument without `=` may be a value typed on its own.
    let Some((name, value)) = arg.split_once('=') else {
        return Err(Failure::new(format!(
            "secret argument {index} has no `=`: write NAME=value or NAME=@file"
        )));
    };
    if name.is_empty() || name.chars().any(char::is_control) {
        return Err(Failure::new(format!(
            "secret argument {index} has an empty name or one with control characters: write NAME=value or NAME=@file"
        )));
    }
    let what = format!("the value of `{name}`");
    let value = match value.strip_prefix('@') {
        Some(path) => {
            let file = format!("the file given in secret argument {index}");
            input::text(&input::file(Path::new(path), &file)?, &what)?
        }
        None => Zeroizing::new(value.to_owned()),
    };
    if value.is_empty() {
        return Err(Failure::new(input::EMPTY).of(&format!("secret argument {index}")));
    }
    Ok((name.to_owned(), value))
}

/// A JSON object's entries in order, duplicates kept: `serde_json`'s `Map` would keep the last
/// of a name given twice and say nothing.
struct Entries(Vec<(String, serde_json::Value)>);

impl<'de> Deserialize<'de> for Entries {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        deserializer.deserialize_map(EntriesVisitor)
    }
}

struct EntriesVisitor;

impl<'de> Visitor<'de> for EntriesVisitor {
    type Value = Entries;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Entries, A::Error> {
        let mut entries = Vec::new();
        while let Some(entry) = map.next_entry()? {
            entries.push(entry);
        }
        Ok(Entries(entries))
    }
}

/// A JSON object of strings, from `path` (`-`: stdin), every entry in order.
fn json_file(path: &Path) -> Result<Vec<(String, Zeroizing<String>)>> {
    let shown = path.display();
    let bytes = input::file_or_stdin(Some(path), &shown.to_string())?;
    let parsed = serde_json::from_slice::<Entries>(&bytes).map_err(|e| {
        if e.classify() == Category::Data {
            // serde_json's message would quote what it found in place of an object.
            Failure::new(format!(
                "{shown} is not a JSON object: a bundle is {{\"NAME\": \"value\", ...}}"
            ))
        } else {
            // A syntax error's message gives a line and column, never the text.
            Failure::new(format!("{shown} is not JSON: {e}"))
        }
    })?;
    parsed
        .0
        .into_iter()
        .map(|(name, value)| match value {
            serde_json::Value::String(text) => Ok((name, Zeroizing::new(text))),
            _ => Err(Failure::new(format!(
                "{shown}: the value of `{name}` is not a string: a bundle holds strings (quote numbers and booleans)"
            ))),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_json_is_an_object_of_strings_in_a_buffer_of_its_size() {
        let mut bundle = Bundle::default();
        for (name, value) in [("B", "two \"quoted\"\n"), ("A", "one")] {
            let value = Zeroizing::new(value.to_owned());
            bundle.add(name.into(), value, "test".into()).unwrap();
        }
        let json = bundle.to_json();
        assert_eq!(json.as_slice(), br#"{"A":"one","B":"two \"quoted\"\n"}"#);
        assert_eq!(json.capacity(), json.len());
    }

    #[test]
    fn a_name_given_twice_is_refused_naming_both_places() {
        let mut bundle = Bundle::default();
        let value = || Zeroizing::new("s3cr3t".to_owned());
        bundle.add("A".into(), value(), "--json f".into()).unwrap();
        let why = bundle
            .add("A".into(), value(), "secret argument 2".into())
            .unwrap_err()
            .to_string();
        assert_eq!(
            why,
            "`A` is given twice (--json f and secret argument 2): a bundle holds one value per name"
        );
    }

    #[test]
    fn a_json_name_given_twice_is_refused_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.json");
        std::fs::write(&path, r#"{"a":"1","b":"x","a":"2"}"#).unwrap();
        let request = Request {
            key: "k",
            entries: &[],
            json: Some(&path),
            dotenv: None,
            envelope: false,
        };
        let Err(why) = collect(&request) else {
            panic!("a duplicate was accepted")
        };
        let shown = path.display();
        assert_eq!(
            why.to_string(),
            format!(
                "`a` is given twice (--json {shown} entry 1 and --json {shown} entry 3): a bundle holds one value per name"
            )
        );
        std::fs::write(&path, r#""s3cr3t""#).unwrap();
        let why = json_file(&path).unwrap_err().to_string();
        assert!(
            why.ends_with("is not a JSON object: a bundle is {\"NAME\": \"value\", ...}"),
            "{why}"
        );
    }

    #[test]
    fn counts_are_said_in_the_right_number() {
        assert_eq!(plural(1, "secret"), "1 secret");
        assert_eq!(plural(2, "secret"), "2 secrets");
    }

    #[test]
    fn an_empty_value_or_a_missing_file_is_refused_without_quoting() {
        let why = entry("A=", 3).unwrap_err().to_string();
        assert_eq!(why, format!("secret argument 3: {}", input::EMPTY));
        let why = entry("A=@s3cr3t", 2).unwrap_err().to_string();
        assert_eq!(
            why,
            "cannot read the file given in secret argument 2 (No such file or directory)"
        );
    }

    #[test]
    fn arguments_without_a_name_are_refused_without_quoting_them() {
        for arg in ["s3cr3t", "=s3cr3t"] {
            let why = entry(arg, 2).unwrap_err().to_string();
            assert!(why.starts_with("secret argument 2 has"), "{why}");
            assert!(!why.contains("s3cr3t"), "{why}");
        }
        let (name, value) = entry("A=b=c", 1).unwrap();
        assert_eq!((name.as_str(), value.as_str()), ("A", "b=c"));
    }
}
