//! Bad inputs of `#[gcs]` fields, and a struct where every kind fails at once: one row per
//! mistake (see common/matrix.rs).

// Structs whose load fails on purpose: their fields are never read.
#![allow(dead_code)]

mod common;

use common::matrix::*;
use common::*;
use secrets_runtime::memory::MemoryKms;
use secrets_runtime::{ErrorKind, SecretString, Secrets, Sources};

#[derive(Secrets)]
struct Password {
    #[gcs(object = "app1", key = "password")]
    password: SecretString,
}

#[derive(Secrets)]
struct AppPort {
    #[gcs(object = "app1", key = "port")]
    port: u8,
}

#[derive(Secrets)]
struct Count {
    #[gcs(object = "app1", key = "count")]
    count: u32,
}

#[derive(Secrets)]
struct Tls {
    #[gcs(object = "app1", key = "tls")]
    tls: bool,
}

#[derive(Secrets)]
struct Cert {
    #[gcs(bucket = "certs", object = "tls.pem")]
    cert: String,
}

#[derive(Secrets)]
struct Blob {
    #[gcs(object = "blob")]
    blob: Vec<u8>,
}

#[derive(Secrets)]
struct Elsewhere {
    #[gcs(bucket = "no-such-bucket", object = "app1", key = "password")]
    password: SecretString,
}

#[allow(clippy::too_many_lines)] // the table
fn cases() -> Vec<Case> {
    use ErrorKind::{Invalid, Missing, NotFound, TooLarge, Unconfigured};
    let app1 = |key: &str| format!("gs://{BUCKET}/app1#{key}");
    let from_env = "gs://$STORAGE_BUCKET/app1#password";
    let oversized = format!(r#"{{"password":"{}"}}"#, "Zq-big-".repeat(10));
    let (size, cap) = (oversized.len(), oversized.len() - 1);
    let deep = format!(
        r#"{{"password":{}"Zq-deep"{}}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let long_value = format!(r#"{{"password":{{"v":"{}"}}}}"#, "Zq29".repeat(200_000));
    vec![
        // #[gcs]: the object
        case::<Password>("object not JSON")
            .at("password", app1("password"))
            .object("app1", "password=Zq18-secret")
            .secret("Zq18-secret")
            .fails(Invalid, not_json(1, 1)),
        case::<Password>("empty object")
            .at("password", app1("password"))
            .object("app1", "")
            .fails(Invalid, exact("the object is empty, not a JSON object")),
        case::<Password>("JSON array at top level")
            .at("password", app1("password"))
            .object("app1", r#"["Zq19-secret"]"#)
            .secret("Zq19-secret")
            .fails(Invalid, top_level("array")),
        case::<Password>("JSON string at top level")
            .at("password", app1("password"))
            .object("app1", r#""Zq20-secret""#)
            .secret("Zq20-secret")
            .fails(Invalid, top_level("string")),
        case::<Password>("JSON number at top level")
            .at("password", app1("password"))
            .object("app1", "31415926")
            .secret("31415926")
            .fails(Invalid, top_level("number")),
        case::<Password>("text after the JSON object")
            .at("password", app1("password"))
            .object("app1", r#"{"password":"Zq22-secret"} Zq22-more"#)
            .secret("Zq22-secret")
            .secret("Zq22-more")
            .fails(Invalid, not_json(1, 28)),
        case::<Password>("raw non-UTF-8 in a JSON string")
            .at("password", app1("password"))
            .object("app1", b"{\"password\":\"Zq23-\xff-secret\"}")
            .secret(b"Zq23-\xff-secret")
            .fails(Invalid, not_json(1, 19)),
        case::<Password>("lone surrogate escape in a JSON string")
            .at("password", app1("password"))
            .object("app1", r#"{"password":"\udc00Zq24-secret"}"#)
            .secret("Zq24-secret")
            .fails(
                Invalid,
                exact("key `password` holds an invalid JSON string"),
            ),
        case::<Password>("JSON nested 100 000 deep")
            .at("password", app1("password"))
            .object("app1", deep)
            .secret("Zq-deep")
            .fails(Invalid, holds("array")),
        case::<Password>("object over the size cap")
            .at("password", app1("password"))
            .object("app1", oversized)
            .cap(cap)
            .secret("Zq-big-Zq-big-")
            .fails(
                TooLarge,
                exact(format!(
                    "object gs://{BUCKET}/app1 is {size} bytes, over the cap of {cap} bytes"
                )),
            ),
        case::<Blob>("missing object, required field")
            .at("blob", format!("gs://{BUCKET}/blob"))
            .fails(
                Missing,
                exact(format!("object gs://{BUCKET}/blob not found")),
            ),
        case::<Elsewhere>("missing bucket")
            .at("password", "gs://no-such-bucket/app1#password")
            .fails(NotFound, exact("bucket gs://no-such-bucket not found")),
        case::<Password>("no Cloud Storage backend")
            .at("password", app1("password"))
            .no_gcs()
            .fails(Unconfigured, no_backend("Cloud Storage", "gcs")),
        case::<Cert>("whole object not UTF-8 into String")
            .at("cert", "gs://certs/tls.pem")
            .object_in("certs", "tls.pem", b"-----BEGIN Zq25-cert\xfe\xff")
            .secret(b"-----BEGIN Zq25-cert\xfe\xff")
            .fails(Invalid, exact(NOT_UTF8)),
        // #[gcs]: the key
        case::<Password>("JSON key missing")
            .at("password", app1("password"))
            .object("app1", r#"{"username":"Zq26-user"}"#)
            .fails(Missing, exact("the JSON object has no key `password`")),
        case::<Password>("key holding an object")
            .at("password", app1("password"))
            .object("app1", r#"{"password":{"inner":"Zq27-secret"}}"#)
            .secret("Zq27-secret")
            .fails(Invalid, holds("object")),
        case::<Password>("key holding an array")
            .at("password", app1("password"))
            .object("app1", r#"{"password":["Zq28-secret"]}"#)
            .secret("Zq28-secret")
            .fails(Invalid, holds("array")),
        case::<Password>("key holding a very long value")
            .at("password", app1("password"))
            .object("app1", long_value)
            .secret("Zq29".repeat(200_000))
            .fails(Invalid, holds("object")),
        case::<Password>("key holding null, required field")
            .at("password", app1("password"))
            .object("app1", r#"{"password":null}"#)
            .fails(Missing, exact("key `password` is null")),
        case::<AppPort>("u8 overflow")
            .at("port", app1("port"))
            .object("app1", r#"{"port":5432}"#)
            .secret("5432")
            .fails(Invalid, not_valid("u8", TOO_LARGE)),
        case::<AppPort>("duplicate JSON keys are refused")
            .at("port", app1("port"))
            .object("app1", r#"{"port":7,"port":3000}"#)
            .secret("3000")
            .fails(
                Invalid,
                exact("the JSON object has the key `port` twice (line 1 column 22)"),
            ),
        case::<AppPort>("float into an integer")
            .at("port", app1("port"))
            .object("app1", r#"{"port":1.25}"#)
            .secret("1.25")
            .fails(Invalid, not_valid("u8", NOT_NUMBER)),
        case::<Count>("negative number into u32")
            .at("count", app1("count"))
            .object("app1", r#"{"count":-12345}"#)
            .secret("-12345")
            .fails(Invalid, not_valid("u32", NOT_NUMBER)),
        case::<Tls>("number into bool")
            .at("tls", app1("tls"))
            .object("app1", r#"{"tls":1}"#)
            .fails(Invalid, exact(NOT_BOOL)),
        // #[gcs]: the bucket name, read at boot
        case::<Password>("bucket env empty")
            .at("password", from_env)
            .env("STORAGE_BUCKET", text(""))
            .fails(
                Missing,
                exact("env STORAGE_BUCKET is empty (the bucket name)"),
            ),
        case::<Password>("bucket env blank")
            .at("password", from_env)
            .env("STORAGE_BUCKET", text("  \n"))
            .fails(
                Missing,
                exact("env STORAGE_BUCKET is blank (the bucket name)"),
            ),
        case::<Password>("bucket name in uppercase")
            .at("password", from_env)
            .env("STORAGE_BUCKET", text("My-Bucket"))
            .fails(Invalid, exact(BUCKET_CHARS)),
        case::<Password>("bucket name an IP address")
            .at("password", from_env)
            .env("STORAGE_BUCKET", text("192.168.5.4"))
            .fails(
                Invalid,
                exact("env STORAGE_BUCKET: bucket name must not be an IP address"),
            ),
        case::<Password>("bucket name with the goog prefix")
            .at("password", from_env)
            .env("STORAGE_BUCKET", text("goog-secrets"))
            .fails(Invalid, exact(BUCKET_GOOG)),
        // A secret pasted into the bucket's env var is never shown, in any form.
        case::<Password>("password pasted as the bucket name")
            .at("password", from_env)
            .env("STORAGE_BUCKET", text("Hunter2-Pw-Zq45"))
            .secret("Hunter2-Pw-Zq45")
            .fails(Invalid, exact(BUCKET_CHARS)),
        case::<Password>("password pasted as a lowercase bucket name")
            .at("password", from_env)
            .env("STORAGE_BUCKET", text("hunter2-pw-zq46!"))
            .secret("hunter2-pw-zq46!")
            .fails(
                Invalid,
                exact(
                    "env STORAGE_BUCKET: bucket name has a character other than lowercase \
                     letters, digits, `-`, `_` and `.` (character 16)",
                ),
            ),
    ]
}

#[test]
fn every_bad_gcs_input_fails_its_field_precisely() {
    let cases = cases();
    assert!(cases.len() >= 20, "{} cases", cases.len());
    run(cases);
}

/// A struct where every field fails, declared in an order that mixes source kinds so that
/// grouping by kind or by request would show.
#[derive(Secrets)]
struct Many {
    #[gcs(object = "app1", key = "email")]
    email: String,
    #[env(name = "PORT")]
    port: u16,
    #[kms]
    db_pass: SecretString,
    #[gcs(bucket = "no-such-bucket", object = "app1")]
    other: Vec<u8>,
    #[env]
    db_host: String,
    #[kms(env = "PIN_CT")]
    pin: i32,
    #[gcs(object = "app1", key = "username")]
    username: String,
    #[gcs(object = "app1", key = "port")]
    app_port: u8,
    #[kms(env = "ECHO_CT")]
    echo: Echo,
}

#[test]
fn many_failures_come_in_field_declaration_order() {
    let rt = runtime();
    let kms = MemoryKms::new();
    let env = [
        ("PORT", "eighty".to_owned()),
        ("DB_PASS", b64(&kms.encrypt(OTHER_KEY, DB_PASS.as_bytes()))),
        ("PIN_CT", "%%%".to_owned()),
        ("ECHO_CT", b64(&kms.encrypt(KEY, API_TOKEN.as_bytes()))),
        ("KMS_CRYPTO_KEY_ID", KEY.to_owned()),
        ("STORAGE_BUCKET", BUCKET.to_owned()),
    ];
    let sources = Sources::builder().env(env).kms(kms).gcs(store()).build();
    let first = rt.block_on(Many::load_from(&sources)).err().expect("fails");
    let second = rt.block_on(Many::load_from(&sources)).err().expect("fails");
    assert_eq!(first, second, "the same inputs give the same error");

    let shown: Vec<String> = first.fields().iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        [
            format!("email (gs://{BUCKET}/app1#email): the JSON object has no key `email`"),
            format!("port (env PORT): the value is not a valid u16: {NOT_NUMBER}"),
            format!("db_pass (kms {KEY} via env DB_PASS): {NOT_THIS_KEY}"),
            "other (gs://no-such-bucket/app1): bucket gs://no-such-bucket not found".to_owned(),
            "db_host (env DB_HOST): env DB_HOST is not set".to_owned(),
            format!(
                "pin (kms {KEY} via env PIN_CT): env PIN_CT is not base64 ciphertext \
                 (bad character at line 1 column 1)"
            ),
            format!("app_port (gs://{BUCKET}/app1#port): the value is not a valid u8: {TOO_LARGE}"),
            format!("echo (kms {KEY} via env ECHO_CT): the value is not a valid Echo"),
        ]
    );
    let display = first.to_string();
    let mut lines = display.lines();
    assert_eq!(lines.next(), Some("failed to load Many: 8 fields failed"));
    let listed: Vec<&str> = lines.map(|l| l.trim_start_matches("  - ")).collect();
    assert_eq!(listed, shown, "Display lists the fields in the same order");
    assert_no_secret("Display", &display);
    assert_no_secret("Debug", &format!("{first:?}"));
}

#[derive(Secrets)]
struct SameSpelling {
    #[gcs(bucket = "certs", object = "tls.pem")]
    literal: Vec<u8>,
    // An env var may be spelled like a bucket: this one holds the name of another bucket.
    #[gcs(bucket_env = "certs", object = "app1", key = "username")]
    from_env: String,
}

#[test]
fn a_bucket_env_var_spelled_like_a_literal_bucket_is_still_read() {
    let rt = runtime();
    let sources = Sources::builder()
        .env([("certs", BUCKET)])
        .gcs(store())
        .build();
    let loaded = rt
        .block_on(SameSpelling::load_from(&sources))
        .expect("loads");
    assert_eq!(
        (loaded.literal.as_slice(), loaded.from_env.as_str()),
        (CERT, "my-user")
    );
}

#[test]
fn a_byte_order_mark_before_the_json_is_ignored() {
    let rt = runtime();
    let gcs = store().with_object(BUCKET, "app1", b"\xef\xbb\xbf{\"port\":7}".to_vec());
    let sources = Sources::builder()
        .env([("STORAGE_BUCKET", BUCKET)])
        .gcs(gcs)
        .build();
    let loaded = rt.block_on(AppPort::load_from(&sources)).expect("loads");
    assert_eq!(loaded.port, 7);
}
