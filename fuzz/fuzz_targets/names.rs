//! Names and plain configuration read from the environment: the KMS key name
//! (`KMS_CRYPTO_KEY_ID`, `TOKEN_KEY`), the bucket names (`STORAGE_BUCKET`, `CERT_BUCKET`),
//! and `#[env]` values parsed as `u16`, `bool`, `IpAddr` and `u64`.
//!
//! The secrets (ciphertext of planted plaintexts, planted objects) stay fixed; the fuzzer
//! writes the names and values, a known good one with anything around it or any text.
//! Besides "no panic", every field's outcome is predicted and no error may show a planted
//! secret.

#![no_main]

use std::net::IpAddr;
use std::sync::OnceLock;

use arbitrary::Arbitrary;
use base64::prelude::*;
use libfuzzer_sys::fuzz_target;
use secrets_runtime::memory::{MemoryKms, MemoryStore};
use secrets_runtime::{ErrorKind, ExposeSecret, SecretString, Secrets, Sources};
use secrets_runtime_fuzz::*;

#[derive(Secrets)]
struct Config {
    #[env]
    port: u16,
    #[env]
    verbose: bool,
    #[env]
    bind: IpAddr,
    #[env]
    max_conns: Option<u64>,
    #[env(name = "REGION", default = "eu")]
    region: String,
    // A name var read as plain text too: allowed, it is the same text.
    #[env(name = "KMS_CRYPTO_KEY_ID")]
    key_name: Option<String>,
    #[kms]
    db_pass: SecretString,
    #[kms(env = "TOKEN_CT", key_env = "TOKEN_KEY")]
    token: Option<SecretString>,
    #[gcs(object = "app1", key = "password")]
    password: SecretString,
    #[gcs(object = "app1", key = "username")]
    username: String,
    #[gcs(bucket_env = "CERT_BUCKET", object = "tls.pem")]
    cert: Option<Vec<u8>>,
}

const FIELDS: &[&str] = &[
    "port",
    "verbose",
    "bind",
    "max_conns",
    "region",
    "key_name",
    "db_pass",
    "token",
    "password",
    "username",
    "cert",
];

const VARS: [&str; 9] = [
    "PORT",
    "VERBOSE",
    "BIND",
    "MAX_CONNS",
    "REGION",
    "KMS_CRYPTO_KEY_ID",
    "TOKEN_KEY",
    "STORAGE_BUCKET",
    "CERT_BUCKET",
];

/// Good values to start from: the fuzzer picks one and edits around it.
const KNOWN: &[&str] = &[
    KEY,
    OTHER_KEY,
    UNKNOWN_KEY,
    BUCKET,
    CERT_BUCKET,
    UNKNOWN_BUCKET,
    "8080",
    "65535",
    "true",
    "false",
    "127.0.0.1",
    "::1",
    "fe80::1%eth0",
    "18446744073709551615",
    "projects/p/locations/global/keyRings/r/cryptoKeys/k/cryptoKeyVersions/1",
    "192.168.5.4",
];

#[derive(Arbitrary, Debug)]
struct Input {
    values: [Text; 9],
    token: Token,
}

/// What env `TOKEN_CT` holds: nothing, or ciphertext made by one of the two keys.
#[derive(Arbitrary, Debug, Clone, Copy)]
enum Token {
    Unset,
    ByKey,
    ByOtherKey,
}

const DB_PASS: &str = "CANARYq7Zx-db-pass";
const TOKEN: &str = "CANARYq7Zx-token";
const PASSWORD: &str = "CANARYq7Zx-password";
const CERT: &[u8] = b"-----BEGIN CERTIFICATE-----\nCANARYq7Zx-cert\n-----END CERTIFICATE-----\n";

struct Fixture {
    kms: MemoryKms,
    store: MemoryStore,
    db_pass: String,
    token_by_key: String,
    token_by_other: String,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let kms = MemoryKms::new();
        let seal =
            |key, plaintext: &str| BASE64_STANDARD.encode(kms.encrypt(key, plaintext.as_bytes()));
        let db_pass = seal(KEY, DB_PASS);
        let token_by_key = seal(KEY, TOKEN);
        let token_by_other = seal(OTHER_KEY, TOKEN);
        let store = MemoryStore::new()
            .with_object(
                BUCKET,
                "app1",
                format!(r#"{{"username":"my-user","password":"{PASSWORD}"}}"#),
            )
            .with_object(CERT_BUCKET, "tls.pem", CERT);
        Fixture {
            kms,
            store,
            db_pass,
            token_by_key,
            token_by_other,
        }
    })
}

/// A plain value: unset and empty are the same.
fn plain(text: Option<&str>) -> Raw {
    match text {
        None | Some("") => Raw::Absent(ErrorKind::Missing),
        Some(text) => Raw::Bytes(text.as_bytes().to_vec()),
    }
}

/// The key name a `#[kms]` field resolves, or why not: unset, empty and blank are missing,
/// anything else is trimmed; only an exact key name works.
fn key_name(text: Option<&str>) -> Result<&'static str, &'static [ErrorKind]> {
    match text.map(str::trim) {
        None | Some("") => Err(MISSING),
        Some(name) => [KEY, OTHER_KEY]
            .into_iter()
            .find(|known| *known == name)
            // Malformed, or well-formed and unknown to the key ring.
            .ok_or(&[ErrorKind::Invalid, ErrorKind::NotFound]),
    }
}

/// The bucket a `#[gcs]` field resolves, by the same rules.
fn bucket_name(text: Option<&str>) -> Result<&'static str, &'static [ErrorKind]> {
    match text.map(str::trim) {
        None | Some("") => Err(MISSING),
        Some(name) => [BUCKET, CERT_BUCKET]
            .into_iter()
            .find(|known| *known == name)
            .ok_or(&[ErrorKind::Invalid, ErrorKind::NotFound]),
    }
}

/// Decrypting ciphertext made by `made_by` with the key the environment names.
fn decrypt(made_by: &str, key: Result<&str, &'static [ErrorKind]>, plaintext: &str) -> Raw {
    match key {
        Ok(key) if key == made_by => Raw::Bytes(plaintext.as_bytes().to_vec()),
        Ok(_) => Raw::Fail(DECRYPT),
        Err(kinds) => Raw::Fail(kinds),
    }
}

fuzz_target!(|input: Input| {
    let texts: Vec<Option<String>> = input.values.iter().map(|v| v.text(KNOWN)).collect();
    // Names may be shown (they are configuration): a name that holds the canary would be
    // shown rightly, and mistaken for a leak.
    if texts.iter().flatten().any(|text| text.contains(CANARY)) {
        return;
    }
    let fixture = fixture();
    let mut env: Vec<(&str, String)> = VARS
        .iter()
        .zip(&texts)
        .filter_map(|(var, text)| Some((*var, text.clone()?)))
        .collect();
    env.push(("DB_PASS", fixture.db_pass.clone()));
    match input.token {
        Token::Unset => {}
        Token::ByKey => env.push(("TOKEN_CT", fixture.token_by_key.clone())),
        Token::ByOtherKey => env.push(("TOKEN_CT", fixture.token_by_other.clone())),
    }
    let sources = Sources::builder()
        .env(env)
        .kms(fixture.kms.clone())
        .gcs(fixture.store.clone())
        .build();
    let result = block_on(Config::load_from(&sources));

    let text = |var: &str| {
        let at = VARS.iter().position(|v| *v == var).expect("a known var");
        texts[at].as_deref()
    };
    let expect_port = plain(text("PORT")).parsed::<u16>();
    let expect_verbose = plain(text("VERBOSE")).parsed::<bool>();
    let expect_bind = plain(text("BIND")).parsed::<IpAddr>();
    let expect_max_conns = plain(text("MAX_CONNS")).optional(Raw::parsed::<u64>);
    let expect_region = match plain(text("REGION")) {
        Raw::Absent(_) => Expect::Value("eu".to_owned()),
        raw => raw.text(),
    };
    let expect_key_name = plain(text("KMS_CRYPTO_KEY_ID")).optional(Raw::text);
    let expect_db_pass = decrypt(KEY, key_name(text("KMS_CRYPTO_KEY_ID")), DB_PASS).text();
    let expect_token = match input.token {
        Token::Unset => Raw::Absent(ErrorKind::Missing),
        Token::ByKey => decrypt(KEY, key_name(text("TOKEN_KEY")), TOKEN),
        Token::ByOtherKey => decrypt(OTHER_KEY, key_name(text("TOKEN_KEY")), TOKEN),
    }
    .optional(Raw::text);
    let app1 = |key: &str| -> Raw {
        match bucket_name(text("STORAGE_BUCKET")) {
            Ok(BUCKET) => Raw::Bytes(
                if key == "password" {
                    PASSWORD
                } else {
                    "my-user"
                }
                .as_bytes()
                .to_vec(),
            ),
            // The bucket exists; the object does not.
            Ok(_) => Raw::Absent(ErrorKind::Missing),
            Err(kinds) => Raw::Fail(kinds),
        }
    };
    let expect_password = app1("password").text();
    let expect_username = app1("username").text();
    let expect_cert = match bucket_name(text("CERT_BUCKET")) {
        Ok(CERT_BUCKET) => Raw::Bytes(CERT.to_vec()),
        Ok(_) => Raw::Absent(ErrorKind::Missing),
        Err(kinds) => Raw::Fail(kinds),
    }
    .optional(Raw::bytes);

    let loaded = result.as_ref();
    let db_pass = loaded.map(|c| c.db_pass.expose_secret().to_owned());
    let token = loaded.map(|c| c.token.as_ref().map(|t| t.expose_secret().to_owned()));
    let password = loaded.map(|c| c.password.expose_secret().to_owned());
    check_field(loaded.map(|c| &c.port), "port", &expect_port);
    check_field(loaded.map(|c| &c.verbose), "verbose", &expect_verbose);
    check_field(loaded.map(|c| &c.bind), "bind", &expect_bind);
    check_field(loaded.map(|c| &c.max_conns), "max_conns", &expect_max_conns);
    check_field(loaded.map(|c| &c.region), "region", &expect_region);
    check_field(loaded.map(|c| &c.key_name), "key_name", &expect_key_name);
    check_field(db_pass.as_ref().map_err(|e| *e), "db_pass", &expect_db_pass);
    check_field(token.as_ref().map_err(|e| *e), "token", &expect_token);
    check_field(
        password.as_ref().map_err(|e| *e),
        "password",
        &expect_password,
    );
    check_field(loaded.map(|c| &c.username), "username", &expect_username);
    check_field(loaded.map(|c| &c.cert), "cert", &expect_cert);

    if let Err(err) = &result {
        check_error(err, "Config", FIELDS, &[]);
        for failure in err.fields() {
            let message = failure.message();
            match failure.kind() {
                // A malformed name is named by its env var, with the rule it breaks.
                ErrorKind::Invalid
                    if ["db_pass", "token", "password", "username", "cert"]
                        .contains(&failure.field()) =>
                {
                    assert!(message.starts_with("env "), "{failure}");
                }
                // A std parser's reason follows the type: never the value.
                ErrorKind::Invalid => assert!(message.starts_with("the value is "), "{failure}"),
                _ => {}
            }
        }
    }
});
