//! No secret value reaches Debug, Display or an error, in success or in any failure mode.

// Structs whose load fails on purpose: their fields are never read.
#![allow(dead_code)]

mod common;

use std::str::FromStr;

use common::*;
use secrets_runtime::memory::{MemoryKms, MemoryStore};
use secrets_runtime::{SecretSlice, SecretString, Secrets, Sources};

#[derive(Debug, Secrets)]
struct Config {
    #[kms]
    db_pass: SecretString,
    #[kms(env = "API_TOKEN_CT")]
    api_token: Option<SecretString>,
    #[gcs(object = "app1", key = "password")]
    password: SecretString,
    #[gcs(bucket = "certs", object = "tls.pem")]
    cert: SecretSlice<u8>,
}

#[tokio::test]
async fn debug_of_everything_a_user_can_print_is_clean() {
    let kms = MemoryKms::new();
    let mut env = base_env(&kms);
    env.push((
        "API_TOKEN_CT".into(),
        b64(&kms.encrypt(KEY, API_TOKEN.as_bytes())),
    ));
    let gcs = store();
    let sources = Sources::builder()
        .env(env)
        .kms(kms.clone())
        .gcs(gcs.clone())
        .build();
    let config = Config::load_from(&sources).await.unwrap();
    assert_no_secret("Debug of the config", &format!("{config:?} {config:#?}"));
    assert_no_secret("Debug of Sources", &format!("{sources:?}"));
    assert_no_secret("Debug of MemoryKms", &format!("{kms:?}"));
    assert_no_secret("Debug of MemoryStore", &format!("{gcs:?}"));
    // The Debug of the backends names what they hold, which is not secret.
    assert!(format!("{gcs:?}").contains("gs://my-bucket/app1"));
    assert!(format!("{kms:?}").contains(KEY));
}

#[derive(Secrets)]
struct Broken {
    #[kms]
    as_number: u64,
    #[kms(env = "ECHO_CT")]
    echo: Echo,
    #[kms(env = "NOT_UTF8_CT")]
    not_utf8: SecretString,
    #[env(name = "PLAINTEXT_BY_MISTAKE")]
    pasted: Echo,
    #[kms(env = "PLAINTEXT_AS_CT")]
    plaintext_as_ciphertext: SecretString,
    #[kms(env = "WRONG_KEY_CT")]
    wrong_key: SecretString,
    #[gcs(object = "nested", key = "db")]
    nested: String,
    #[gcs(object = "broken", key = "password")]
    unparsable: String,
    #[gcs(object = "top-string", key = "password")]
    top_string: String,
    #[gcs(object = "app1", key = "password")]
    password_as_bool: bool,
    #[gcs(object = "app1", key = "password")]
    password_as_echo: Echo,
    #[kms(env = "QUOTED_CT")]
    quoted: Echo,
    #[kms(env = "QUOTED_CT")]
    prefix: Prefix,
}

/// Quotes the first six characters only: a partial copy no substring check would catch.
struct Prefix;
impl FromStr for Prefix {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Err(format!("unknown prefix {}", &s[..6]))
    }
}

const QUOTED: &str = r#"pa"ss\word-Qx7"#;

#[tokio::test]
async fn every_failure_mode_keeps_values_out_of_the_error() {
    let kms = MemoryKms::new();
    let env = [
        ("DB_PASS", b64(&kms.encrypt(KEY, DB_PASS.as_bytes()))),
        ("ECHO_CT", b64(&kms.encrypt(KEY, API_TOKEN.as_bytes()))),
        ("NOT_UTF8_CT", b64(&kms.encrypt(KEY, &[0xff, b'x', 0xfe]))),
        ("AS_NUMBER", b64(&kms.encrypt(KEY, DB_PASS.as_bytes()))),
        ("PLAINTEXT_BY_MISTAKE", DB_PASS.to_owned()),
        // Someone pasted the secret itself where the ciphertext belongs.
        ("PLAINTEXT_AS_CT", DB_PASS.to_owned()),
        (
            "WRONG_KEY_CT",
            b64(&kms.encrypt(OTHER_KEY, API_TOKEN.as_bytes())),
        ),
        ("KMS_CRYPTO_KEY_ID", KEY.to_owned()),
        ("STORAGE_BUCKET", BUCKET.to_owned()),
        // Quotes and backslashes come back escaped from `{:?}`, so no longer verbatim.
        ("QUOTED_CT", b64(&kms.encrypt(KEY, QUOTED.as_bytes()))),
    ];
    let gcs = store()
        .with_object(
            BUCKET,
            "nested",
            format!(r#"{{"db":{{"password":"{APP_PASSWORD}"}}}}"#),
        )
        .with_object(
            BUCKET,
            "broken",
            format!(r#"{{"password":"{APP_PASSWORD}" "#),
        )
        .with_object(BUCKET, "top-string", format!(r#""{APP_PASSWORD}""#));
    let sources = Sources::builder().env(env).kms(kms).gcs(gcs).build();

    let err = Broken::load_from(&sources)
        .await
        .err()
        .expect("every field is broken");

    assert_eq!(err.fields().len(), 13, "{err}");
    let shown = err.to_string();
    for part in [QUOTED, &format!("{QUOTED:?}"), "pa\\\"ss", "pa\"ss"] {
        assert!(!shown.contains(part), "the error quotes {part:?}: {shown}");
    }
    assert!(shown.contains("quoted (kms"), "{shown}");
    assert_no_secret("Display", &err.to_string());
    assert_no_secret("Debug", &format!("{err:?} {err:#?}"));
    for field in err.fields() {
        assert_no_secret(
            "FieldError",
            &format!("{field} {field:?} {}", field.message()),
        );
    }
}

/// A secret kept in plain text in an env var, as `#[env]` fields read it.
#[derive(Debug, Secrets)]
struct Plain {
    #[env(name = "APP_PASSWORD")]
    password: SecretString,
}

#[tokio::test]
async fn plain_secrets_in_env_vars_never_reach_the_debug_of_sources() {
    let env = [
        ("APP_PASSWORD", APP_PASSWORD.to_owned()),
        // The secret's base64 too, as a ciphertext var might hold by mistake.
        ("DB_PASS", b64(DB_PASS.as_bytes())),
    ];
    let builder = Sources::builder().env(env).gcs(MemoryStore::new());
    let builder_debug = format!("{builder:?} {builder:#?}");
    let sources = builder.build();
    let config = Plain::load_from(&sources).await.unwrap();
    let debug = format!("{sources:?} {sources:#?} {config:?}");
    assert_no_secret("Debug of SourcesBuilder", &builder_debug);
    assert_no_secret("Debug of Sources", &debug);
    // Not a Debug that shows nothing: it names the variables, only their values are kept out.
    for shown in [&builder_debug, &debug] {
        assert!(
            shown.contains("APP_PASSWORD") && shown.contains("DB_PASS"),
            "{shown}"
        );
    }
}
