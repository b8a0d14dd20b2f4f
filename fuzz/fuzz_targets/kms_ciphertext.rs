//! `#[kms]` fields: the ciphertext env vars hold text the fuzzer writes, or real `MemoryKms`
//! ciphertext of a plaintext it chooses, edited, truncated, re-wrapped or left alone.
//!
//! Besides "no panic", every field's outcome is predicted (value, absence or kind of
//! failure), each distinct ciphertext must be decrypted once, and no error may show a
//! planted plaintext.

#![no_main]

use std::sync::OnceLock;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use secrets_runtime::memory::MemoryKms;
use secrets_runtime::{ErrorKind, ExposeSecret, SecretString, Secrets, Sources};
use secrets_runtime_fuzz::*;

#[derive(Secrets)]
struct Config {
    #[kms]
    db_pass: SecretString,
    // The same ciphertext as `db_pass`: one decrypt serves both.
    #[kms(env = "DB_PASS")]
    db_pass_raw: Vec<u8>,
    #[kms(env = "PORT_CT")]
    port: u16,
    #[kms(env = "FLAG_CT")]
    flag: bool,
    #[kms(env = "COUNT_CT")]
    count: Option<u64>,
    #[kms(env = "TOKEN_CT")]
    token: Option<SecretString>,
    #[kms(
        env = "NAME_CT",
        key = "projects/p/locations/global/keyRings/r/cryptoKeys/k"
    )]
    name: String,
}

const FIELDS: &[&str] = &[
    "db_pass",
    "db_pass_raw",
    "port",
    "flag",
    "count",
    "token",
    "name",
];
/// The ciphertext env vars, in the order of `Input::vars`.
const VARS: [&str; 5] = ["DB_PASS", "PORT_CT", "FLAG_CT", "COUNT_CT", "TOKEN_CT"];
const NAME_VAR: &str = "NAME_CT";

#[derive(Arbitrary, Debug)]
struct Input {
    key_env: KeyEnv,
    vars: [Var; 5],
    name: Var,
}

/// What env `KMS_CRYPTO_KEY_ID` holds.
#[derive(Arbitrary, Debug, Clone, Copy, PartialEq)]
enum KeyEnv {
    Key,
    /// A key the key ring holds, but not the one that made the ciphertext (usually).
    Other,
    /// A well-formed name of a key that does not exist.
    Unknown,
    Unset,
}

type Var = CipherVar<Sealed>;

/// Real ciphertext of a chosen plaintext.
#[derive(Arbitrary, Debug)]
struct Sealed {
    by_other_key: bool,
    /// Prefix the plaintext with the canary: a secret the error must never show.
    plant: bool,
    plaintext: Vec<u8>,
    edit: CipherEdit,
    layout: Layout,
}

fn kms() -> &'static MemoryKms {
    static KMS: OnceLock<MemoryKms> = OnceLock::new();
    KMS.get_or_init(|| {
        let kms = MemoryKms::new();
        // Both keys exist from the start: `Other` is a real key, just the wrong one.
        kms.encrypt(KEY, b"");
        kms.encrypt(OTHER_KEY, b"");
        kms
    })
}

/// A var's env text, and the decrypt it asks for once decoded (ciphertext and the key that
/// made it, if real and unchanged).
struct Planned {
    text: Option<String>,
    original: Option<(Vec<u8>, &'static str, Vec<u8>)>,
}

fn plan(var: &Var) -> Planned {
    let (text, original) = var.plan(|sealed| {
        let key = if sealed.by_other_key { OTHER_KEY } else { KEY };
        let plaintext = if sealed.plant {
            planted(&sealed.plaintext)
        } else {
            sealed.plaintext.clone()
        };
        let ciphertext = kms().encrypt(key, &plaintext);
        let text = sealed.layout.text(&sealed.edit.apply(&ciphertext));
        (text, (ciphertext, key, plaintext))
    });
    Planned { text, original }
}

/// The outcome of one ciphertext var decrypted with `key` (`None`: the key name is unset),
/// and the decrypt request it makes, if any.
fn predict(planned: &Planned, key: Option<&'static str>) -> (Raw, Option<(&'static str, Vec<u8>)>) {
    let Some(text) = &planned.text else {
        return (Raw::Absent(ErrorKind::Missing), None);
    };
    let decoded = match reference_decode(text) {
        None => return (Raw::Absent(ErrorKind::Missing), None),
        Some(Err(())) => return (Raw::Fail(INVALID), None),
        Some(Ok(decoded)) => decoded,
    };
    let Some(key) = key else {
        // Ciphertext but no key name: a broken deploy, a failure even for an `Option`.
        return (Raw::Fail(MISSING), None);
    };
    let request = Some((key, decoded.clone()));
    if key == UNKNOWN_KEY {
        return (Raw::Fail(NOT_FOUND), request);
    }
    match &planned.original {
        Some((ciphertext, made_by, plaintext)) if *ciphertext == decoded && *made_by == key => {
            (Raw::Bytes(plaintext.clone()), request)
        }
        // Altered, truncated, made by the other key, or never ciphertext: AES-GCM rejects it
        // (a forgery would have to guess a 128-bit tag).
        _ => (Raw::Fail(DECRYPT), request),
    }
}

/// A base64 error points at a character a person can find: `line L column C` must name an
/// existing character of the text that is not whitespace (the decoder ignores whitespace, so
/// it cannot be what is wrong).
fn check_position(message: &str, text: &str) {
    let Some(at) = message.split(" (bad character at line ").nth(1) else {
        return;
    };
    let (line, column) = at
        .trim_end_matches(')')
        .split_once(" column ")
        .expect("line L column C");
    let (line, column): (usize, usize) = (line.parse().unwrap(), column.parse().unwrap());
    let found = text
        .split('\n')
        .nth(line.wrapping_sub(1))
        .and_then(|row| row.chars().nth(column.wrapping_sub(1)));
    assert!(
        found.is_some_and(|c| !c.is_ascii_whitespace()),
        "{message:?} points at {found:?} in {text:?}"
    );
}

fuzz_target!(|input: Input| {
    let kms = kms();
    let key = match input.key_env {
        KeyEnv::Key => Some(KEY),
        KeyEnv::Other => Some(OTHER_KEY),
        KeyEnv::Unknown => Some(UNKNOWN_KEY),
        KeyEnv::Unset => None,
    };
    let mut env: Vec<(&str, String)> = Vec::new();
    if let Some(key) = key {
        env.push(("KMS_CRYPTO_KEY_ID", key.to_owned()));
    }
    let mut raws = Vec::new();
    let mut requests = Vec::new();
    for (var, planned) in VARS.iter().zip(input.vars.iter().map(plan)) {
        if let Some(text) = &planned.text {
            env.push((var, text.clone()));
        }
        let (raw, request) = predict(&planned, key);
        raws.push(raw);
        requests.extend(request);
    }
    let planned_name = plan(&input.name);
    if let Some(text) = &planned_name.text {
        env.push((NAME_VAR, text.clone()));
    }
    let (name_raw, request) = predict(&planned_name, Some(KEY));
    requests.extend(request);

    // Fields that hold the same ciphertext under the same key share one decrypt.
    requests.sort();
    requests.dedup();

    let env_text = |var: &str| {
        env.iter()
            .find(|(name, _)| *name == var)
            .map(|(_, text)| text.clone())
    };
    let env_copy: Vec<(&str, String)> = env.clone();
    let sources = Sources::builder().env(env_copy).kms(kms.clone()).build();
    let before = kms.decrypt_count();
    let result = block_on(Config::load_from(&sources));
    assert_eq!(
        kms.decrypt_count() - before,
        requests.len(),
        "one decrypt per distinct ciphertext and key"
    );

    let [db_pass, port, flag, count, token] = &raws[..] else {
        unreachable!()
    };
    let expect_db_pass = db_pass.text();
    let expect_db_pass_raw = db_pass.bytes();
    let expect_port = port.parsed::<u16>();
    let expect_flag = flag.parsed::<bool>();
    let expect_count = count.optional(Raw::parsed::<u64>);
    let expect_token = token.optional(Raw::text);
    let expect_name = name_raw.text();

    match &result {
        Ok(config) => {
            let db_pass = config.db_pass.expose_secret().to_owned();
            let token = config
                .token
                .as_ref()
                .map(|token| token.expose_secret().to_owned());
            check_field(Ok(&db_pass), "db_pass", &expect_db_pass);
            check_field(Ok(&config.db_pass_raw), "db_pass_raw", &expect_db_pass_raw);
            check_field(Ok(&config.port), "port", &expect_port);
            check_field(Ok(&config.flag), "flag", &expect_flag);
            check_field(Ok(&config.count), "count", &expect_count);
            check_field(Ok(&token), "token", &expect_token);
            check_field(Ok(&config.name), "name", &expect_name);
        }
        Err(err) => {
            check_error(err, "Config", FIELDS, &[]);
            check_field(Err(err), "db_pass", &expect_db_pass);
            check_field(Err(err), "db_pass_raw", &expect_db_pass_raw);
            check_field(Err(err), "port", &expect_port);
            check_field(Err(err), "flag", &expect_flag);
            check_field(Err(err), "count", &expect_count);
            check_field(Err(err), "token", &expect_token);
            check_field(Err(err), "name", &expect_name);
            for failure in err.fields() {
                let var = if failure.field() == "name" {
                    NAME_VAR
                } else {
                    VARS[match failure.field() {
                        "db_pass" | "db_pass_raw" => 0,
                        "port" => 1,
                        "flag" => 2,
                        "count" => 3,
                        _ => 4,
                    }]
                };
                assert!(
                    failure.origin().starts_with("kms ")
                        && failure.origin().ends_with(&format!(" via env {var}")),
                    "{failure}"
                );
                if let Some(text) = env_text(var) {
                    check_position(failure.message(), &text);
                }
            }
        }
    }
});
