//! The bad-input matrix: rows that each load one struct from the in-memory backends and must
//! fail on one field, exactly as the row says. The rows live in `tests/bad_input_*.rs`.

use std::collections::BTreeMap;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;

use base64::prelude::*;
use secrets_runtime::memory::{
    MemoryAwsKms, MemoryAwsSecrets, MemoryKms, MemoryParameters, MemoryStore,
};
use secrets_runtime::{Error, ErrorKind, Secrets, Sources};

use super::{BUCKET, KEY, OTHER_KEY, assert_no_secret, b64, store};

/// What an env var holds in a row.
pub enum V {
    Text(String),
    Unset,
    /// base64 ciphertext of the plaintext under the key, from the key ring the load uses.
    Sealed(&'static str, Vec<u8>),
    /// Ciphertext of the plaintext under `KEY`, turned into the env value by the function.
    Mangled(Vec<u8>, fn(&[u8]) -> String),
    /// Ciphertext from another key ring: the loading one has no such key.
    Foreign(&'static str, Vec<u8>),
    /// An AWS KMS blob of the plaintext under the key (an id or alias) bound to the context,
    /// from the AWS key service the load uses, turned into the env value by the function.
    AwsSealed(AwsBlob),
}

/// What an [`V::AwsSealed`] env value is made of.
pub struct AwsBlob {
    /// Made by another AWS key service, whose keys the loading one does not have.
    foreign: bool,
    key: &'static str,
    context: &'static [(&'static str, &'static str)],
    plaintext: Vec<u8>,
    encode: fn(&[u8]) -> String,
}

/// The AWS KMS key the rows' AWS key service knows, its alias, and a second key it knows.
pub const AWS_KEY: &str = "1234abcd-12ab-34cd-56ef-1234567890ab";
pub const AWS_ALIAS: &str = "alias/app";
pub const AWS_OTHER_KEY: &str = "0987dcba-09ba-87dc-65fe-0987654321ba";
/// The S3 bucket the seed's `S3_BUCKET` names: it holds no object until a row adds one.
pub const S3_BUCKET: &str = "my-s3-bucket";

/// base64 of an AWS KMS blob of `plaintext` under `key` bound to `context`.
pub fn aws_sealed(
    key: &'static str,
    context: &'static [(&'static str, &'static str)],
    plaintext: impl Into<Vec<u8>>,
) -> V {
    aws_mangled(key, context, plaintext, b64)
}

/// base64 of an AWS KMS blob of `plaintext` under `key` of another AWS key service.
pub fn aws_foreign(key: &'static str, plaintext: impl Into<Vec<u8>>) -> V {
    V::AwsSealed(AwsBlob {
        foreign: true,
        key,
        context: &[],
        plaintext: plaintext.into(),
        encode: b64,
    })
}

/// An AWS KMS blob of `plaintext` under `key` bound to `context`, turned into the env value
/// by `encode`.
pub fn aws_mangled(
    key: &'static str,
    context: &'static [(&'static str, &'static str)],
    plaintext: impl Into<Vec<u8>>,
    encode: fn(&[u8]) -> String,
) -> V {
    V::AwsSealed(AwsBlob {
        foreign: false,
        key,
        context,
        plaintext: plaintext.into(),
        encode,
    })
}

pub fn text(value: impl Into<String>) -> V {
    V::Text(value.into())
}

pub fn sealed(key: &'static str, plaintext: impl Into<Vec<u8>>) -> V {
    V::Sealed(key, plaintext.into())
}

pub enum Msg {
    Exact(String),
    Prefix(String),
}

pub fn exact(message: impl Into<String>) -> Msg {
    Msg::Exact(message.into())
}

pub fn prefix(message: impl Into<String>) -> Msg {
    Msg::Prefix(message.into())
}

pub type Load = for<'a> fn(&'a Sources) -> Pin<Box<dyn Future<Output = Result<(), Error>> + 'a>>;

pub fn load<T: Secrets>(
    sources: &Sources,
) -> Pin<Box<dyn Future<Output = Result<(), Error>> + '_>> {
    Box::pin(async move { T::load_from(sources).await.map(|_| ()) })
}

/// One row: a struct, its inputs on top of the seed (`KMS_CRYPTO_KEY_ID`, `STORAGE_BUCKET`,
/// `S3_BUCKET` and `common::store()`), and the one failure expected.
pub struct Case {
    name: &'static str,
    load: Load,
    env: Vec<(&'static str, V)>,
    objects: Vec<(&'static str, &'static str, Vec<u8>)>,
    berglas: Vec<Berglas>,
    s3_objects: Vec<(&'static str, &'static str, Vec<u8>)>,
    aws_secrets: Vec<(&'static str, Vec<u8>)>,
    parameters: Vec<(&'static str, Vec<u8>)>,
    kms: bool,
    gcs: bool,
    aws: bool,
    cap: Option<usize>,
    /// Values that must not appear in the error in any form.
    secrets: Vec<Vec<u8>>,
    field: &'static str,
    source: String,
    kind: ErrorKind,
    message: Msg,
}

pub fn case<T: Secrets>(name: &'static str) -> Case {
    Case {
        name,
        load: load::<T>,
        env: Vec::new(),
        objects: Vec::new(),
        berglas: Vec::new(),
        s3_objects: Vec::new(),
        aws_secrets: Vec::new(),
        parameters: Vec::new(),
        kms: true,
        gcs: true,
        aws: true,
        cap: None,
        secrets: Vec::new(),
        field: "",
        source: String::new(),
        kind: ErrorKind::Other,
        message: exact(""),
    }
}

impl Case {
    /// The field expected to fail, and its source as the error spells it.
    pub fn at(mut self, field: &'static str, source: impl Into<String>) -> Self {
        (self.field, self.source) = (field, source.into());
        self
    }

    pub fn env(mut self, var: &'static str, value: V) -> Self {
        self.env.push((var, value));
        self
    }

    pub fn object(self, object: &'static str, bytes: impl Into<Vec<u8>>) -> Self {
        self.object_in(BUCKET, object, bytes)
    }

    pub fn object_in(
        mut self,
        bucket: &'static str,
        object: &'static str,
        bytes: impl Into<Vec<u8>>,
    ) -> Self {
        self.objects.push((bucket, object, bytes.into()));
        self
    }

    /// A berglas object `object` in `BUCKET` holding `plaintext`, made as `berglas create`
    /// makes it with the row's key ring, then spoiled by `spoil`.
    pub fn berglas(mut self, object: &'static str, plaintext: &[u8], spoil: Spoil) -> Self {
        self.berglas.push(Berglas {
            object,
            plaintext: plaintext.to_vec(),
            spoil,
        });
        self
    }

    /// An object of the S3 store (`S3_BUCKET` is the bucket fields read by default).
    pub fn s3_object(
        mut self,
        bucket: &'static str,
        object: &'static str,
        bytes: impl Into<Vec<u8>>,
    ) -> Self {
        self.s3_objects.push((bucket, object, bytes.into()));
        self
    }

    /// The current version of a Secrets Manager secret.
    pub fn aws_secret(mut self, id: &'static str, bytes: impl Into<Vec<u8>>) -> Self {
        self.aws_secrets.push((id, bytes.into()));
        self
    }

    /// A Parameter Store parameter.
    pub fn parameter(mut self, name: &'static str, bytes: impl Into<Vec<u8>>) -> Self {
        self.parameters.push((name, bytes.into()));
        self
    }

    pub fn secret(mut self, value: impl Into<Vec<u8>>) -> Self {
        self.secrets.push(value.into());
        self
    }

    pub fn no_kms(mut self) -> Self {
        self.kms = false;
        self
    }

    pub fn no_gcs(mut self) -> Self {
        self.gcs = false;
        self
    }

    /// No backend for any of the AWS families.
    pub fn no_aws(mut self) -> Self {
        self.aws = false;
        self
    }

    pub fn cap(mut self, max: usize) -> Self {
        self.cap = Some(max);
        self
    }

    pub fn fails(mut self, kind: ErrorKind, message: Msg) -> Self {
        (self.kind, self.message) = (kind, message);
        self
    }
}

/// One berglas object of a row.
pub struct Berglas {
    object: &'static str,
    plaintext: Vec<u8>,
    spoil: Spoil,
}

/// What is wrong with a berglas object of a row.
#[derive(Clone, Copy)]
pub enum Spoil {
    Nothing,
    /// Its data key was wrapped for another object name (as a renamed object's is).
    WrappedFor(&'static str),
    /// No `berglas-kms-key` metadata.
    NoKeyMetadata,
    /// The body without its last this many bytes.
    Truncated(usize),
}

impl Berglas {
    fn store(self, kms: &MemoryKms, gcs: &secrets_runtime::memory::MemoryStore) {
        let aad = match self.spoil {
            Spoil::WrappedFor(other) => other,
            _ => self.object,
        };
        let body = secrets_runtime::berglas::seal(&self.plaintext, |dek| {
            Ok(kms.encrypt_with_aad(KEY, dek, aad.as_bytes()))
        })
        .expect("sealing cannot fail with a memory key ring");
        let body = match self.spoil {
            Spoil::Truncated(cut) => body[..body.len() - cut].to_owned(),
            _ => body,
        };
        let metadata: &[(&str, &str)] = match self.spoil {
            Spoil::NoKeyMetadata => &[("berglas-secret", "1")],
            _ => &[("berglas-secret", "1"), ("berglas-kms-key", KEY)],
        };
        gcs.insert_with_metadata(BUCKET, self.object, body, metadata);
    }
}

pub const GHOST_KEY: &str = "projects/p/locations/global/keyRings/r/cryptoKeys/ghost";
pub const NOT_THIS_KEY: &str = "key projects/p/locations/global/keyRings/r/cryptoKeys/k cannot decrypt \
                            the ciphertext: it was not made by this key or was altered";
pub const TOO_SHORT: &str = "key projects/p/locations/global/keyRings/r/cryptoKeys/k cannot decrypt \
                         the ciphertext: it is too short";
pub const NOT_NUMBER: &str = "invalid digit found in string";
pub const TOO_LARGE: &str = "number too large to fit in target type";
pub const NOT_BOOL: &str =
    "the value is not a valid bool: provided string was not `true` or `false`";
pub const NOT_UTF8: &str = "the value is not valid UTF-8";
pub const NOT_ECHO: &str = "the value is not a valid Echo";
// Names read from the environment are never quoted (a password pasted there would land in the
// logs): the messages say which rule broke and where.
pub const KEY_FORM: &str = "env KMS_CRYPTO_KEY_ID: KMS key name is not of the form \
                        `projects/PROJECT/locations/LOCATION/keyRings/RING/cryptoKeys/KEY`: \
                        it needs 8 parts separated by `/`";
pub const BUCKET_CHARS: &str = "env STORAGE_BUCKET: bucket name has a character other than \
                            lowercase letters, digits, `-`, `_` and `.` (character 1)";
pub const BUCKET_GOOG: &str =
    "env STORAGE_BUCKET: bucket name must not start with `goog` or contain `google`";

pub fn not_valid(ty: &str, why: &str) -> Msg {
    exact(format!("the value is not a valid {ty}: {why}"))
}

pub fn bad_char(line: usize, column: usize) -> Msg {
    exact(format!(
        "env DB_PASS is not base64 ciphertext (bad character at line {line} column {column})"
    ))
}

pub fn not_json(line: usize, column: usize) -> Msg {
    exact(format!(
        "the object is not valid JSON (error at line {line} column {column})"
    ))
}

pub fn top_level(json_type: &str) -> Msg {
    exact(format!(
        "the object holds a JSON {json_type}, not a JSON object"
    ))
}

pub fn holds(json_type: &str) -> Msg {
    exact(format!(
        "key `password` holds a JSON {json_type}; expected a string, number or boolean"
    ))
}

/// `what` is the family's name, `short` its builder method (`aws_kms`, `s3`).
pub fn no_aws_backend(what: &str, short: &str) -> Msg {
    exact(format!(
        "no {what} backend is configured; \
         add one with Sources::builder().{short}(..), .local(dir) or .aws() (feature `aws`)"
    ))
}

/// `what` is the family's name, `short` its builder method (`kms`, `gcs`).
pub fn no_backend(what: &str, short: &str) -> Msg {
    exact(format!(
        "no {what} backend is configured; \
         add one with Sources::builder().{short}(..), .local(dir) or .gcp()"
    ))
}

pub fn url_safe(ciphertext: &[u8]) -> String {
    BASE64_URL_SAFE.encode(ciphertext)
}

pub fn without_last_byte(ciphertext: &[u8]) -> String {
    b64(&ciphertext[..ciphertext.len() - 1])
}

/// Shorter than the 12-byte nonce and the 16-byte tag.
pub fn first_20_bytes(ciphertext: &[u8]) -> String {
    b64(&ciphertext[..20])
}

/// Ciphertext as `base64` wraps it, 76 columns a line, with column 5 of line 40 broken.
pub fn wrapped_with_a_bad_character(ciphertext: &[u8]) -> String {
    let mut lines: Vec<String> = b64(ciphertext)
        .as_bytes()
        .chunks(76)
        .map(|line| String::from_utf8_lossy(line).into_owned())
        .collect();
    lines[39].replace_range(4..5, "*");
    lines.join("\n")
}

/// The message of a value that failed to parse only because of surrounding whitespace.
pub fn spaced(message: Msg) -> Msg {
    match message {
        Msg::Exact(m) => exact(format!("{m} (it has leading or trailing whitespace)")),
        Msg::Prefix(m) => prefix(m),
    }
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime")
}

/// The forms in which a value could show up in text: as is (each valid UTF-8 run), escaped
/// as `{:?}` and `escape_default` write it, as bytes in `{:?}` of a slice, and in base64.
/// Forms under 4 characters are skipped: they occur in ordinary words and numbers.
pub fn forms(secret: &[u8]) -> Vec<String> {
    let mut forms = vec![
        secret.escape_ascii().to_string(),
        format!("{secret:?}").trim_matches(['[', ']']).to_owned(),
        BASE64_STANDARD.encode(secret),
        BASE64_URL_SAFE_NO_PAD.encode(secret),
    ];
    for chunk in secret.utf8_chunks() {
        let valid = chunk.valid();
        forms.extend([
            valid.to_owned(),
            valid.escape_debug().to_string(),
            valid.escape_default().to_string(),
        ]);
    }
    forms.retain(|form| form.chars().count() >= 4);
    forms
}

/// Runs one row; says what went wrong, if anything.
pub fn check(rt: &tokio::runtime::Runtime, case: Case) -> Result<(), String> {
    let kms = MemoryKms::new();
    // Both keys exist in the loading ring, so a wrong key is a failed decrypt, not a miss.
    kms.encrypt(KEY, b"");
    kms.encrypt(OTHER_KEY, b"");
    let foreign = MemoryKms::new();
    let (aws_kms, aws_foreign) = aws_key_services();
    let mut env: BTreeMap<&str, String> = BTreeMap::from([
        ("KMS_CRYPTO_KEY_ID", KEY.to_owned()),
        ("STORAGE_BUCKET", BUCKET.to_owned()),
        ("S3_BUCKET", S3_BUCKET.to_owned()),
    ]);
    for (var, value) in case.env {
        let value = match value {
            V::Text(text) => text,
            V::Unset => {
                env.remove(var);
                continue;
            }
            V::Sealed(key, plaintext) => b64(&kms.encrypt(key, &plaintext)),
            V::Mangled(plaintext, mangle) => mangle(&kms.encrypt(KEY, &plaintext)),
            V::Foreign(key, plaintext) => b64(&foreign.encrypt(key, &plaintext)),
            V::AwsSealed(blob) => blob.env_value(&aws_kms, &aws_foreign),
        };
        env.insert(var, value);
    }
    let mut gcs = store();
    for (bucket, object, bytes) in case.objects {
        gcs = gcs.with_object(bucket, object, bytes);
    }
    for berglas in case.berglas {
        berglas.store(&kms, &gcs);
    }
    let mut builder = Sources::builder().env(env);
    if case.kms {
        builder = builder.kms(kms);
    }
    if case.gcs {
        builder = builder.gcs(gcs);
    }
    if case.aws {
        builder = aws_backends(
            builder,
            aws_kms,
            case.s3_objects,
            case.aws_secrets,
            case.parameters,
        );
    }
    if let Some(max) = case.cap {
        builder = builder.max_object_bytes(max);
    }
    let sources = builder.build();

    let outcome = catch_unwind(AssertUnwindSafe(|| rt.block_on((case.load)(&sources))));
    let err = match outcome {
        Err(_) => return Err("the load panicked".into()),
        Ok(Ok(())) => return Err("the load succeeded".into()),
        Ok(Err(err)) => err,
    };
    let [field] = err.fields() else {
        return Err(format!("expected one failed field, got: {err}"));
    };
    let got = (field.field(), field.origin(), field.kind());
    if got != (case.field, case.source.as_str(), case.kind) {
        return Err(format!(
            "expected {:?}, got {got:?}: {field}",
            (case.field, &case.source, case.kind)
        ));
    }
    let message_ok = match &case.message {
        Msg::Exact(message) => field.message() == message,
        Msg::Prefix(start) => field.message().starts_with(start.as_str()),
    };
    if !message_ok {
        return Err(format!("unexpected message: {}", field.message()));
    }
    if err.field(case.field) != Some(field) {
        return Err("Error::field does not find the failed field".into());
    }
    let line = format!("{} ({}): {}", case.field, case.source, field.message());
    let whole = format!(
        "failed to load {}: 1 field failed\n  - {line}",
        err.target()
    );
    if (field.to_string(), err.to_string()) != (line, whole) {
        return Err(format!("unexpected Display: {err}"));
    }
    let shown = format!("{err}\n{err:?}\n{err:#?}\n{field}\n{field:?}");
    assert_no_secret("the error", &shown);
    for secret in &case.secrets {
        assert!(secret.len() >= 4, "a secret under 4 bytes tests nothing");
        if let Some(form) = forms(secret)
            .into_iter()
            .find(|f| shown.contains(f.as_str()))
        {
            return Err(format!("the error shows the value as {form:?}: {shown}"));
        }
    }
    Ok(())
}

/// The rows' AWS key service, and another with keys of its own. Both AWS keys exist in the
/// first, so a blob of the other is refused for its key, not a miss.
fn aws_key_services() -> (MemoryAwsKms, MemoryAwsKms) {
    let aws_kms = MemoryAwsKms::new().with_alias(AWS_ALIAS, AWS_KEY);
    let _ = (
        aws_kms.encrypt(AWS_KEY, &[], b""),
        aws_kms.encrypt(AWS_OTHER_KEY, &[], b""),
    );
    (aws_kms, MemoryAwsKms::new())
}

impl AwsBlob {
    /// The env value, sealed by the loading AWS key service or the foreign one.
    fn env_value(self, loading: &MemoryAwsKms, foreign: &MemoryAwsKms) -> String {
        let service = if self.foreign { foreign } else { loading };
        (self.encode)(&service.encrypt(self.key, self.context, &self.plaintext))
    }
}

/// The AWS backends of a row, seeded with its objects, secrets and parameters (an S3 bucket
/// exists once it holds an object: `S3_BUCKET` always does).
fn aws_backends(
    builder: secrets_runtime::SourcesBuilder,
    kms: MemoryAwsKms,
    objects: Vec<(&'static str, &'static str, Vec<u8>)>,
    secrets: Vec<(&'static str, Vec<u8>)>,
    parameters: Vec<(&'static str, Vec<u8>)>,
) -> secrets_runtime::SourcesBuilder {
    let s3 = MemoryStore::s3().with_object(S3_BUCKET, "seed", "{}");
    for (bucket, object, bytes) in objects {
        s3.insert(bucket, object, bytes);
    }
    let sm = MemoryAwsSecrets::new();
    for (id, bytes) in secrets {
        sm.put(id, bytes);
    }
    let ssm = MemoryParameters::new();
    for (name, bytes) in parameters {
        ssm.insert(name, bytes);
    }
    builder.aws_kms(kms).s3(s3).aws_secrets(sm).parameters(ssm)
}

/// Runs every row; fails with the list of rows that did not behave.
pub fn run(cases: Vec<Case>) {
    let rt = runtime();
    let mut names = std::collections::HashSet::new();
    let mut failures = Vec::new();
    for case in cases {
        let name = case.name;
        assert!(names.insert(name), "two cases named {name:?}");
        if let Err(why) = check(&rt, case) {
            failures.push(format!("{name}: {why}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
