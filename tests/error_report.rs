//! How a failed load reads in a log: the multi-line `Display`, the one-line `{:#}` for
//! collectors that make an entry of each line (Cloud Logging with stderr), and `Serialize`
//! for one structured entry; a cause several fields share is said once, with its fields.

use secrets_runtime::memory::{MemoryKms, MemoryStore};
use secrets_runtime::{Error, SecretString, Secrets, Sources};
use serde_json::json;

const KEY: &str = "projects/p/locations/global/keyRings/r/cryptoKeys/k";
/// Written where a number belongs, and as a pasted plaintext: no output may show it.
const PASTED: &str = "hunter2-Zq8Lw";

#[derive(Debug, Secrets)]
#[allow(dead_code)] // loaded to fail
struct Config {
    #[env]
    port: u16,
    #[gcs(object = "app1", key = "username")]
    username: String,
    #[gcs(object = "app1", key = "password")]
    password: SecretString,
    #[kms]
    db_pass: SecretString,
}

async fn failed() -> Error {
    // STORAGE_BUCKET unset: one cause for both `#[gcs]` fields.
    let sources = Sources::builder()
        .env([
            ("PORT", PASTED.to_owned()),
            ("KMS_CRYPTO_KEY_ID", KEY.to_owned()),
            ("DB_PASS", PASTED.to_owned()),
        ])
        .kms(MemoryKms::new())
        .gcs(MemoryStore::new())
        .build();
    Config::load_from(&sources).await.unwrap_err()
}

fn assert_no_value(shown: &str) {
    assert!(!shown.contains(PASTED), "a value is shown: {shown}");
}

#[tokio::test]
async fn a_shared_cause_is_said_once_with_its_fields() {
    let err = failed().await;
    assert_eq!(
        err.fields().len(),
        4,
        "every field is still listed: {err:?}"
    );
    let shown = err.to_string();
    let lines: Vec<&str> = shown.lines().collect();
    assert_eq!(lines[0], "failed to load Config: 4 fields failed");
    assert_eq!(lines.len(), 4, "three causes: {shown}");
    assert!(lines[1].starts_with("  - port (env PORT): "), "{shown}");
    assert!(
        lines[2].starts_with(
            "  - username (gs://$STORAGE_BUCKET/app1#username), password (gs://$STORAGE_BUCKET/app1#password): env STORAGE_BUCKET is not set"
        ),
        "{shown}"
    );
    assert!(lines[3].starts_with("  - db_pass (kms "), "{shown}");
    assert_eq!(shown.matches("STORAGE_BUCKET is not set").count(), 1);
    assert_no_value(&shown);
}

#[tokio::test]
async fn alternate_display_is_one_line_with_the_same_content() {
    let err = failed().await;
    let one_line = format!("{err:#}");
    assert!(!one_line.contains(['\n', '\r']), "{one_line}");
    // The same words, the line breaks and list marks aside.
    let multi = err.to_string();
    let mut causes = multi.lines();
    let header = causes.next().unwrap();
    let rebuilt = format!(
        "{header}: {}",
        causes
            .map(|line| line.trim_start_matches("  - "))
            .collect::<Vec<_>>()
            .join(" | ")
    );
    assert_eq!(one_line, rebuilt);
    assert_no_value(&one_line);
}

#[tokio::test]
async fn serialize_gives_one_structured_entry() {
    let err = failed().await;
    let value = serde_json::to_value(&err).unwrap();
    assert_eq!(value["struct"], "Config");
    let fields = value["fields"].as_array().unwrap();
    let summary: Vec<(&str, &str)> = fields
        .iter()
        .map(|f| (f["field"].as_str().unwrap(), f["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(
        summary,
        [
            ("port", "Invalid"),
            ("username", "Missing"),
            ("password", "Missing"),
            ("db_pass", "Invalid"),
        ]
    );
    let first = err.fields()[0].clone();
    assert_eq!(
        fields[0],
        json!({
            "field": "port",
            "origin": "env PORT",
            "kind": "Invalid",
            "message": first.message(),
        })
    );
    assert_no_value(&value.to_string());
}

/// A type whose conversion error spans lines, as a user's `FromSecret` may write it.
#[derive(Debug)]
struct Multiline;

impl secrets_runtime::FromSecret<()> for Multiline {
    fn from_secret(_: secrets_runtime::SecretBytes) -> Result<Self, secrets_runtime::ConvertError> {
        Err(secrets_runtime::ConvertError::new(
            "line one\nline two\r\nline three",
        ))
    }
}

#[derive(Debug, Secrets)]
#[allow(dead_code)] // loaded to fail
struct Odd {
    #[env]
    multi: Multiline,
    // A line break pasted into a path var: refused by the path rule, never shown.
    #[file(path_env = "CERT_PATH")]
    cert: Option<secrets_runtime::Blob>,
    // Two lists whose own values are wrong alike: two causes, not one.
    #[env(split = ",")]
    origins: Vec<String>,
    #[env(split = ",")]
    hosts: Vec<String>,
}

#[tokio::test]
async fn one_line_whatever_a_message_or_a_var_holds() {
    let sources = Sources::builder()
        .env([
            ("MULTI", "x"),
            ("CERT_PATH", "/tmp/x\nhunter2-Zq8Lw"),
            ("ORIGINS", "a,,b"),
            ("HOSTS", "c,,d"),
        ])
        .build();
    let err = Odd::load_from(&sources).await.unwrap_err();
    let one_line = format!("{err:#}");
    assert!(!one_line.contains(['\n', '\r']), "{one_line}");
    assert!(
        one_line.contains("line one line two line three"),
        "{one_line}"
    );
    for field in err.fields() {
        let shown = format!("{field:#}");
        assert!(!shown.contains(['\n', '\r']), "{shown}");
    }
    let cert = err.field("cert").unwrap();
    assert_eq!(cert.kind(), secrets_runtime::ErrorKind::Invalid);
    assert!(cert.message().contains("control character"), "{cert}");
    let shown = format!("{err} {err:?} {}", serde_json::to_string(&err).unwrap());
    assert_no_value(&shown);
    // The two lists' errors read alike but are two causes: two lines.
    let display = err.to_string();
    assert!(
        display.contains("\n  - origins (env ORIGINS): item 2 of 3 is empty"),
        "{display}"
    );
    assert!(
        display.contains("\n  - hosts (env HOSTS): item 2 of 3 is empty"),
        "{display}"
    );
}
