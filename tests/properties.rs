//! Properties over random values: whatever a secret holds and however its load fails, no
//! error text contains it in any form; every field comes out as its inputs say (the oracle
//! the fuzz targets use); and the same inputs always load the same way.

// Structs whose load fails on purpose: their fields are never read.
#![allow(dead_code)]

mod common;

use std::fmt::Write as _;
use std::future::Future;
use std::pin::Pin;

use base64::prelude::*;
use common::oracle::{DECRYPT, Raw, TOO_LARGE, check_field, env_raw, json_key};
use common::{BUCKET, Echo, KEY, OTHER_KEY, b64};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, TestRunner};
use secrets_runtime::memory::{MemoryKms, MemoryStore};
use secrets_runtime::{Error, ErrorKind, ExposeSecret, SecretString, Secrets, Sources};

/// Every secret holds this marker and at least four digits. No name or message of this file
/// or of the library contains it, so a secret is never part of the fixed message vocabulary
/// by chance, and any trace of the marker in error text is a leak.
const MARKER: &str = "Zq";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime")
}

fn runner(cases: u32) -> TestRunner {
    TestRunner::new(Config {
        cases,
        // A failing input is saved to tests/properties.proptest-regressions and tried first
        // on the next run.
        source_file: Some(file!()),
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        ..Config::default()
    })
}

/// Text around the marker: arbitrary Unicode, or a mix rich in quotes, backslashes,
/// whitespace, control characters and JSON and base64 punctuation.
fn filler() -> BoxedStrategy<String> {
    prop_oneof![
        any::<String>(),
        "[\"\\\\'`{}\\[\\]:,=+/ \t\r\na-z0-9é€😀\u{0}\u{1}\u{7f}\u{2028}]{0,16}",
    ]
    .boxed()
}

fn marker() -> impl Strategy<Value = String> {
    (1000u32..100_000_000).prop_map(|n| format!("{MARKER}{n}"))
}

/// A secret: text, or arbitrary bytes (often not UTF-8), around the marker.
fn secret() -> BoxedStrategy<Vec<u8>> {
    let bytes = (vec(any::<u8>(), 0..24), marker(), vec(any::<u8>(), 0..24))
        .prop_map(|(a, m, b)| [a, m.into_bytes(), b].concat());
    prop_oneof![text_secret().prop_map(String::into_bytes), bytes].boxed()
}

fn text_secret() -> impl Strategy<Value = String> {
    (filler(), marker(), filler()).prop_map(|(a, m, b)| format!("{a}{m}{b}"))
}

/// Every form in which `secret` could show up in text: as is, as `{:?}` and
/// `escape_default` escape it, as `{:?}` of its bytes, and in base64. All are 4 characters
/// or more: the marker alone is 6.
fn forms(secret: &[u8]) -> Vec<String> {
    let mut forms = vec![
        String::from_utf8_lossy(secret).into_owned(),
        secret.escape_ascii().to_string(),
        format!("{secret:?}").trim_matches(['[', ']']).to_owned(),
        BASE64_STANDARD.encode(secret),
        BASE64_STANDARD_NO_PAD.encode(secret),
        BASE64_URL_SAFE_NO_PAD.encode(secret),
    ];
    if let Ok(text) = std::str::from_utf8(secret) {
        forms.push(format!("{text:?}").trim_matches('"').to_owned());
        forms.push(text.escape_default().to_string());
    }
    forms
}

/// Everything a user could print about a failed load.
fn error_text(err: &Error) -> String {
    let mut text = format!("{err}\n{err:?}\n{err:#?}");
    for field in err.fields() {
        let (message, source) = (field.message(), field.origin());
        write!(text, "\n{field}\n{field:?}\n{message}\n{source}").expect("a String takes any text");
    }
    text
}

fn assert_clean(err: &Error, secret: &[u8]) -> Result<(), TestCaseError> {
    let text = error_text(err);
    prop_assert!(!text.contains(MARKER), "the error shows the marker: {text}");
    for form in forms(secret) {
        prop_assert!(!text.contains(&form), "the error shows {form:?}: {text}");
    }
    Ok(())
}

/// The secret as a JSON string literal: valid UTF-8 escaped as JSON requires, invalid bytes
/// left raw (which makes the JSON invalid: one more way to fail).
fn json_string(secret: &[u8]) -> Vec<u8> {
    let mut out = vec![b'"'];
    for chunk in secret.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '"' => out.extend(b"\\\""),
                '\\' => out.extend(b"\\\\"),
                c if c < ' ' => out.extend(format!("\\u{:04x}", u32::from(c)).bytes()),
                c => out.extend(c.encode_utf8(&mut [0; 4]).bytes()),
            }
        }
        out.extend(chunk.invalid());
    }
    out.push(b'"');
    out
}

#[derive(Secrets)]
struct Number {
    #[kms(env = "SECRET_CT")]
    value: u64,
}

#[derive(Secrets)]
struct Text {
    #[kms(env = "SECRET_CT")]
    value: SecretString,
}

#[derive(Secrets)]
struct SealedEcho {
    #[kms(env = "SECRET_CT")]
    value: Echo,
}

#[derive(Secrets)]
struct PlainEcho {
    #[env(name = "SECRET")]
    value: Echo,
}

#[derive(Secrets)]
struct Stored {
    #[gcs(object = "app1", key = "password")]
    value: SecretString,
}

/// How the load of the secret fails.
#[derive(Debug, Clone, Copy)]
enum Mode {
    /// Decrypts, but is not a number.
    NotANumber,
    /// Ciphertext of another key.
    WrongKey,
    /// Ciphertext cut to this many bytes, modulo its length.
    Truncated(usize),
    /// The secret itself pasted where the ciphertext belongs.
    Pasted,
    /// The JSON key holds an object with the secret inside.
    NestedObject,
    /// The JSON key holds an array with the secret inside.
    NestedArray,
    /// The secret inside an object that is not JSON: a trailing comma, or `key=value`.
    InvalidJson(bool),
    /// The whole object is the secret as a JSON string.
    TopLevelString,
    /// A `FromStr` whose error echoes its input, from ciphertext or from a plain env var.
    Echo(bool),
    /// The secret, a byte that is never UTF-8, the secret again, into a `SecretString`.
    NotUtf8,
}

fn mode() -> impl Strategy<Value = Mode> {
    prop_oneof![
        Just(Mode::NotANumber),
        Just(Mode::WrongKey),
        any::<usize>().prop_map(Mode::Truncated),
        Just(Mode::Pasted),
        Just(Mode::NestedObject),
        Just(Mode::NestedArray),
        any::<bool>().prop_map(Mode::InvalidJson),
        Just(Mode::TopLevelString),
        any::<bool>().prop_map(Mode::Echo),
        Just(Mode::NotUtf8),
    ]
}

type Load = for<'a> fn(&'a Sources) -> Pin<Box<dyn Future<Output = Result<(), Error>> + 'a>>;

fn load<T: Secrets>(sources: &Sources) -> Pin<Box<dyn Future<Output = Result<(), Error>> + '_>> {
    Box::pin(async move { T::load_from(sources).await.map(|_| ()) })
}

/// The struct to load, its sources, and the kinds of failure the mode may give.
fn arrange(secret: &[u8], mode: Mode) -> (Load, Sources, &'static [ErrorKind]) {
    use ErrorKind::{Decrypt, Invalid, Missing};
    let kms = MemoryKms::new();
    kms.encrypt(KEY, b"");
    let mut env = vec![
        ("KMS_CRYPTO_KEY_ID", KEY.to_owned()),
        ("STORAGE_BUCKET", BUCKET.to_owned()),
    ];
    let mut object = None;
    let (load, kinds): (Load, &[ErrorKind]) = match mode {
        Mode::NotANumber => {
            env.push(("SECRET_CT", b64(&kms.encrypt(KEY, secret))));
            (load::<Number>, &[Invalid])
        }
        Mode::WrongKey => {
            env.push(("SECRET_CT", b64(&kms.encrypt(OTHER_KEY, secret))));
            (load::<Text>, &[Decrypt])
        }
        Mode::Truncated(cut) => {
            let ciphertext = kms.encrypt(KEY, secret);
            env.push(("SECRET_CT", b64(&ciphertext[..cut % ciphertext.len()])));
            (load::<Text>, &[Decrypt, Missing])
        }
        Mode::Pasted => {
            env.push(("SECRET_CT", String::from_utf8_lossy(secret).into_owned()));
            (load::<Text>, &[Invalid, Decrypt])
        }
        Mode::NestedObject | Mode::NestedArray | Mode::InvalidJson(_) | Mode::TopLevelString => {
            let value = json_string(secret);
            object = Some(match mode {
                Mode::NestedObject => {
                    [br#"{"password":{"inner":"#.as_slice(), &value, b"}}"].concat()
                }
                Mode::NestedArray => [br#"{"password":[1,"#.as_slice(), &value, b"]}"].concat(),
                Mode::InvalidJson(true) => [br#"{"password":"#.as_slice(), &value, b",}"].concat(),
                Mode::InvalidJson(false) => [b"password=", secret].concat(),
                _ => value,
            });
            (load::<Stored>, &[Invalid])
        }
        Mode::Echo(true) => {
            env.push(("SECRET_CT", b64(&kms.encrypt(KEY, secret))));
            (load::<SealedEcho>, &[Invalid])
        }
        Mode::Echo(false) => {
            env.push(("SECRET", String::from_utf8_lossy(secret).into_owned()));
            (load::<PlainEcho>, &[Invalid])
        }
        Mode::NotUtf8 => {
            let plaintext = [secret, b"\xff", secret].concat();
            env.push(("SECRET_CT", b64(&kms.encrypt(KEY, &plaintext))));
            (load::<Text>, &[Invalid])
        }
    };
    let mut gcs = MemoryStore::new().with_object(BUCKET, "seed", "{}");
    if let Some(bytes) = object {
        gcs = gcs.with_object(BUCKET, "app1", bytes);
    }
    let sources = Sources::builder().env(env).kms(kms).gcs(gcs).build();
    (load, sources, kinds)
}

#[test]
fn no_failure_mode_shows_the_secret() {
    let rt = runtime();
    let outcome = runner(256).run(&(secret(), mode()), |(secret, mode)| {
        let (load, sources, kinds) = arrange(&secret, mode);
        let first = rt.block_on(load(&sources));
        let second = rt.block_on(load(&sources));
        let Err(err) = first else {
            return Err(TestCaseError::fail("the load succeeded"));
        };
        prop_assert_eq!(
            second.as_ref().err(),
            Some(&err),
            "the same sources load the same way"
        );
        let [field] = err.fields() else {
            return Err(TestCaseError::fail(format!(
                "one failed field expected: {err}"
            )));
        };
        prop_assert_eq!(field.field(), "value");
        prop_assert!(
            kinds.contains(&field.kind()),
            "{:?}: {}",
            field.kind(),
            field
        );
        assert_clean(&err, &secret)
    });
    if let Err(failure) = outcome {
        panic!("{failure}");
    }
}

/// A struct with every source kind, required and optional, to load from random inputs.
#[derive(Debug, Secrets)]
struct Mixed {
    #[env(name = "PORT", default = "8080")]
    port: u16,
    #[env(name = "LEVEL")]
    level: Option<String>,
    #[kms]
    db_pass: SecretString,
    #[kms(env = "PIN_CT")]
    pin: Option<u32>,
    #[gcs(object = "app1", key = "username")]
    username: String,
    #[gcs(object = "app1", key = "port")]
    app_port: Option<u16>,
    #[gcs(object = "blob")]
    blob: Option<Vec<u8>>,
}

type View = (
    u16,
    Option<String>,
    String,
    Option<u32>,
    String,
    Option<u16>,
    Option<Vec<u8>>,
);

/// The loaded values, secrets included, so that two loads can be compared.
fn view(config: Mixed) -> View {
    (
        config.port,
        config.level,
        config.db_pass.expose_secret().to_owned(),
        config.pin,
        config.username,
        config.app_port,
        config.blob,
    )
}

/// What a ciphertext env var holds.
#[derive(Debug, Clone)]
enum Ciphertext {
    Unset,
    Sealed(Vec<u8>),
    WrongKey(Vec<u8>),
    Cut(Vec<u8>, usize),
    Pasted(String),
}

impl Ciphertext {
    fn env(&self, kms: &MemoryKms) -> Option<String> {
        match self {
            Self::Unset => None,
            Self::Sealed(plaintext) => Some(b64(&kms.encrypt(KEY, plaintext))),
            Self::WrongKey(plaintext) => Some(b64(&kms.encrypt(OTHER_KEY, plaintext))),
            Self::Cut(plaintext, cut) => {
                let ciphertext = kms.encrypt(KEY, plaintext);
                Some(b64(&ciphertext[..cut % ciphertext.len()]))
            }
            Self::Pasted(text) => Some(text.clone()),
        }
    }
}

/// Mostly good ciphertext of `good`, so that many loads succeed; else any way to fail.
fn ciphertext(
    good: BoxedStrategy<Vec<u8>>,
    plaintext: BoxedStrategy<Vec<u8>>,
) -> impl Strategy<Value = Ciphertext> {
    prop_oneof![
        1 => Just(Ciphertext::Unset),
        6 => good.prop_map(Ciphertext::Sealed),
        1 => plaintext.clone().prop_map(Ciphertext::Sealed),
        1 => plaintext.clone().prop_map(Ciphertext::WrongKey),
        1 => (plaintext, any::<usize>()).prop_map(|(p, cut)| Ciphertext::Cut(p, cut)),
        1 => filler().prop_map(Ciphertext::Pasted),
    ]
}

fn json_value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        "-?[0-9]{1,6}(\\.[0-9])?".prop_map(String::into_bytes),
        Just(b"null".to_vec()),
        Just(b"true".to_vec()),
        Just(b"{}".to_vec()),
        Just(b"[1]".to_vec()),
        filler().prop_map(|text| json_string(text.as_bytes())),
        secret().prop_map(|secret| json_string(&secret)),
    ]
}

/// The object `app1`: absent, a JSON object with or without each key, or any bytes.
fn app1() -> impl Strategy<Value = Option<Vec<u8>>> {
    let user = prop_oneof![
        4 => filler().prop_map(|name| Some(json_string(name.as_bytes()))),
        1 => option::of(json_value()),
    ];
    let port = prop_oneof![
        2 => (0..=u16::MAX).prop_map(|port| Some(port.to_string().into_bytes())),
        1 => option::of(json_value()),
    ];
    let object = (user, port).prop_map(|(user, port)| {
        let mut members = Vec::new();
        if let Some(user) = user {
            members.push([br#""username":"#.as_slice(), &user].concat());
        }
        if let Some(port) = port {
            members.push([br#""port":"#.as_slice(), &port].concat());
        }
        [b"{".as_slice(), &members.join(b",".as_slice()), b"}"].concat()
    });
    prop_oneof![
        1 => Just(None),
        6 => object.prop_map(Some),
        1 => vec(any::<u8>(), 0..64).prop_map(Some),
    ]
}

#[derive(Debug, Clone)]
struct Inputs {
    port: Option<String>,
    level: Option<String>,
    db_pass: Ciphertext,
    pin: Ciphertext,
    app1: Option<Vec<u8>>,
    blob: Option<Vec<u8>>,
    cap: Option<usize>,
}

fn inputs() -> impl Strategy<Value = Inputs> {
    let port = prop_oneof![
        2 => Just(None),
        2 => any::<u16>().prop_map(|port| Some(port.to_string())),
        1 => "[0-9]{1,6}".prop_map(Some),
        1 => filler().prop_map(Some),
    ];
    let pin = (0..=u32::MAX).prop_map(|pin| pin.to_string().into_bytes());
    (
        port,
        option::of(filler()),
        ciphertext(text_secret().prop_map(String::into_bytes).boxed(), secret()),
        ciphertext(pin.boxed(), secret()),
        app1(),
        option::of(vec(any::<u8>(), 0..300)),
        prop_oneof![3 => Just(None), 1 => (1usize..256).prop_map(Some)],
    )
        .prop_map(|(port, level, db_pass, pin, app1, blob, cap)| Inputs {
            port,
            level,
            db_pass,
            pin,
            app1,
            blob,
            cap,
        })
}

/// Sources over `env` and fresh backends holding the inputs' objects and `kms`'s keys.
fn sources(inputs: &Inputs, env: &[(&'static str, String)], kms: &MemoryKms) -> Sources {
    let mut gcs = MemoryStore::new().with_object(BUCKET, "seed", "{}");
    for (object, bytes) in [("app1", &inputs.app1), ("blob", &inputs.blob)] {
        if let Some(bytes) = bytes {
            gcs = gcs.with_object(BUCKET, object, bytes.clone());
        }
    }
    let mut builder = Sources::builder()
        .env(env.to_vec())
        .kms(kms.clone())
        .gcs(gcs);
    if let Some(cap) = inputs.cap {
        builder = builder.max_object_bytes(cap);
    }
    builder.build()
}

impl Ciphertext {
    /// What the loader must make of this ciphertext var.
    fn raw(&self) -> Raw {
        match self {
            Self::Unset => Raw::Absent(ErrorKind::Missing),
            Self::Sealed(plaintext) => Raw::Bytes(plaintext.clone()),
            // Nonce (12 bytes), ciphertext, tag (16 bytes): cut to nothing, the var is empty.
            Self::Cut(plaintext, cut) if cut % (12 + plaintext.len() + 16) == 0 => {
                Raw::Absent(ErrorKind::Missing)
            }
            Self::WrongKey(_) | Self::Cut(..) => Raw::Fail(DECRYPT),
            // Blank is unset; anything else is not base64, or not ciphertext of this key.
            Self::Pasted(text) if text.bytes().all(|b| b.is_ascii_whitespace()) => {
                Raw::Absent(ErrorKind::Missing)
            }
            Self::Pasted(_) => Raw::Fail(&[ErrorKind::Invalid, ErrorKind::Decrypt]),
        }
    }
}

/// What an object holds for `#[gcs]`: absent (the bucket exists), over the cap, or bytes.
fn object_raw(inputs: &Inputs, object: Option<&Vec<u8>>) -> Result<Vec<u8>, Raw> {
    let bytes = object.ok_or(Raw::Absent(ErrorKind::Missing))?;
    match inputs.cap {
        Some(cap) if bytes.len() > cap => Err(Raw::Fail(TOO_LARGE)),
        _ => Ok(bytes.clone()),
    }
}

/// What key `key` of object `app1` holds.
fn key_raw(inputs: &Inputs, key: &str) -> Raw {
    object_raw(inputs, inputs.app1.as_ref()).map_or_else(|raw| raw, |bytes| json_key(&bytes, key))
}

/// Checks every field of a load of `Mixed` against what the inputs say it must be.
fn check_mixed(result: Result<&Mixed, &Error>, inputs: &Inputs) {
    if let Err(err) = result {
        assert!(!err.fields().is_empty(), "a failed load names no field");
    }
    let port = match env_raw(inputs.port.as_deref()) {
        Raw::Absent(_) => Raw::Bytes(b"8080".to_vec()),
        raw => raw,
    };
    check_field(result.map(|c| &c.port), "port", &port.parsed::<u16>());
    let level = env_raw(inputs.level.as_deref()).optional(Raw::text);
    check_field(result.map(|c| &c.level), "level", &level);
    let db_pass = result.map(|c| c.db_pass.expose_secret().to_owned());
    check_field(
        db_pass.as_ref().map_err(|e| *e),
        "db_pass",
        &inputs.db_pass.raw().text(),
    );
    let pin = inputs.pin.raw().optional(Raw::parsed::<u32>);
    check_field(result.map(|c| &c.pin), "pin", &pin);
    let username = key_raw(inputs, "username").text();
    check_field(result.map(|c| &c.username), "username", &username);
    let app_port = key_raw(inputs, "port").optional(Raw::parsed::<u16>);
    check_field(result.map(|c| &c.app_port), "app_port", &app_port);
    let blob = object_raw(inputs, inputs.blob.as_ref()).map_or_else(|raw| raw, Raw::Bytes);
    check_field(result.map(|c| &c.blob), "blob", &blob.optional(Raw::bytes));
}

#[test]
fn the_same_inputs_load_the_same_way() {
    let rt = runtime();
    let outcome = runner(256).run(&inputs(), |inputs| {
        let kms = MemoryKms::new();
        kms.encrypt(KEY, b"");
        // Ciphertext is made once: encrypting again would pick a new nonce.
        let mut env = vec![
            ("KMS_CRYPTO_KEY_ID", KEY.to_owned()),
            ("STORAGE_BUCKET", BUCKET.to_owned()),
        ];
        let vars = [
            ("PORT", inputs.port.clone()),
            ("LEVEL", inputs.level.clone()),
            ("DB_PASS", inputs.db_pass.env(&kms)),
            ("PIN_CT", inputs.pin.env(&kms)),
        ];
        env.extend(
            vars.into_iter()
                .filter_map(|(var, value)| Some((var, value?))),
        );

        let once = sources(&inputs, &env, &kms);
        let loaded = rt.block_on(Mixed::load_from(&once));
        // Each field as the inputs say it must come out, not only as another load did.
        check_mixed(loaded.as_ref(), &inputs);
        let first = loaded.map(view);
        let again = rt.block_on(Mixed::load_from(&once)).map(view);
        let rebuilt = rt
            .block_on(Mixed::load_from(&sources(&inputs, &env, &kms)))
            .map(view);
        prop_assert_eq!(&first, &again, "the same sources twice");
        prop_assert_eq!(&first, &rebuilt, "the same inputs in new sources");
        if let (Err(first), Err(rebuilt)) = (&first, &rebuilt) {
            prop_assert_eq!(first.to_string(), rebuilt.to_string());
            let text = error_text(first);
            prop_assert!(
                !text.contains(MARKER),
                "the error shows the marker: {}",
                text
            );
        }
        Ok(())
    });
    if let Err(failure) = outcome {
        panic!("{failure}");
    }
}
