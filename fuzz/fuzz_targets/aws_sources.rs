//! The AWS sources' decoders: `#[aws_kms]` ciphertext blobs (the in-memory key service's,
//! which the local backend shares), and the names `#[aws_secret]`, `#[ssm]` and `#[s3]` read
//! from env by AWS's rules.
//!
//! The fuzzer writes the two ciphertext vars (any text, or a real blob of a plaintext it
//! picks, under either key and any of three contexts, then edited and laid out as base64
//! gets laid out) and the three name vars (any text, or a known name with text around or
//! inside it). Besides "no panic", every field's outcome is predicted, one decrypt is made
//! per field with ciphertext and one call per store with a good name, a name the rules
//! accept is one AWS could accept too, and no error shows a planted secret.

#![no_main]

use std::sync::OnceLock;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use secrets_names::aws::{check_aws_secret_id, check_s3_bucket_name, check_ssm_parameter_name};
use secrets_runtime::memory::{MemoryAwsKms, MemoryAwsSecrets, MemoryParameters, MemoryStore};
use secrets_runtime::{ErrorKind, ExposeSecret, SecretString, Secrets, Sources};
use secrets_runtime_fuzz::*;

#[derive(Secrets)]
struct Config {
    // env SIGNING_KEY: any key, no context
    #[aws_kms]
    signing_key: SecretString,
    #[aws_kms(
        env = "BILLING_CT",
        key = "alias/app",
        context = "app=billing,stage=prod"
    )]
    billing: Option<Vec<u8>>,
    #[aws_secret(id_env = "SECRET_ID")]
    secret: Option<SecretString>,
    // The same secret: one request serves both.
    #[aws_secret(id_env = "SECRET_ID", key = "password")]
    secret_password: Option<SecretString>,
    #[ssm(name_env = "PARAMETER")]
    parameter: Option<SecretString>,
    #[s3(bucket_env = "CONFIG_BUCKET", object = "app.json", key = "password")]
    s3_password: Option<SecretString>,
}

const FIELDS: &[&str] = &[
    "signing_key",
    "billing",
    "secret",
    "secret_password",
    "parameter",
    "s3_password",
];

/// The key id `alias/app` points at, and a key of its own.
const APP_KEY: &str = "1234abcd-12ab-34cd-56ef-1234567890ab";
const OTHER_KEY_ID: &str = "0987dcba-09fe-87dc-65ba-ab0987654321";
/// What `billing` was encrypted with, in the field's order and reversed (contexts compare as
/// maps), and a context it was not.
const BILLING: &[(&str, &str)] = &[("app", "billing"), ("stage", "prod")];
const REVERSED: &[(&str, &str)] = &[("stage", "prod"), ("app", "billing")];
const OTHER_CONTEXT: &[(&str, &str)] = &[("app", "payroll")];

const SECRET: &str = "prod/db-Kq";
const PARAMETER: &str = "/prod/api/token";
const S3_BUCKET: &str = "cfg-bucket";
/// Well-formed names that no store here holds.
const UNKNOWN: &[&str] = &[
    "prod/none",
    "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-Kq-AbCdEf",
    "/prod/api/token:2",
    "arn:aws:ssm:us-east-1:123456789012:parameter/prod/api/token",
    "no-such-bucket",
];
/// Good values to start from: the fuzzer picks one and edits around it.
const KNOWN: &[&str] = &[SECRET, PARAMETER, S3_BUCKET, "alias/app", "aws/x", "a..b"];

const PASSWORD: &str = "CANARYq7Zx-sm-password";
const TOKEN: &str = "CANARYq7Zx-ssm-token";
const S3_PASSWORD: &str = "CANARYq7Zx-s3-password";

#[derive(Arbitrary, Debug)]
struct Input {
    signing_key: Var,
    billing: Var,
    secret_id: Text,
    parameter: Text,
    bucket: Text,
}

type Var = CipherVar<Sealed>;

/// A real blob of a chosen plaintext.
#[derive(Arbitrary, Debug)]
struct Sealed {
    by_other_key: bool,
    context: Context,
    /// Prefix the plaintext with the canary: a secret no error may show.
    plant: bool,
    plaintext: Vec<u8>,
    edit: CipherEdit,
    layout: Layout,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Context {
    None,
    Billing,
    Reversed,
    Other,
}

impl Context {
    fn pairs(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Self::None => &[],
            Self::Billing => BILLING,
            Self::Reversed => REVERSED,
            Self::Other => OTHER_CONTEXT,
        }
    }
}

struct Stores {
    kms: MemoryAwsKms,
    secrets: MemoryAwsSecrets,
    parameters: MemoryParameters,
    s3: MemoryStore,
}

fn stores() -> &'static Stores {
    static STORES: OnceLock<Stores> = OnceLock::new();
    STORES.get_or_init(|| Stores {
        kms: MemoryAwsKms::new().with_alias("alias/app", APP_KEY),
        secrets: MemoryAwsSecrets::new()
            .with_string(SECRET, &format!(r#"{{"password":"{PASSWORD}"}}"#)),
        parameters: MemoryParameters::new().with_parameter(PARAMETER, TOKEN),
        s3: MemoryStore::s3().with_object(
            S3_BUCKET,
            "app.json",
            format!(r#"{{"password":"{S3_PASSWORD}"}}"#),
        ),
    })
}

/// A ciphertext var's text, and the blob it was made from: the bytes, the key, the context
/// and the plaintext.
struct Planned {
    text: Option<String>,
    original: Option<(Vec<u8>, &'static str, Context, Vec<u8>)>,
}

fn plan(var: &Var) -> Planned {
    let (text, original) = var.plan(|sealed| {
        let key = if sealed.by_other_key {
            OTHER_KEY_ID
        } else {
            APP_KEY
        };
        let plaintext = if sealed.plant {
            planted(&sealed.plaintext)
        } else {
            sealed.plaintext.clone()
        };
        let blob = stores()
            .kms
            .encrypt(key, sealed.context.pairs(), &plaintext);
        let text = sealed.layout.text(&sealed.edit.apply(&blob));
        (text, (blob, key, sealed.context, plaintext))
    });
    Planned { text, original }
}

/// The outcome of a field reading `planned` that pins `pinned` (a key id) or none, with
/// encryption context `context`; and whether it makes a decrypt request.
fn predict_blob(planned: &Planned, pinned: Option<&str>, context: Context) -> (Raw, bool) {
    let Some(text) = &planned.text else {
        return (Raw::Absent(ErrorKind::Missing), false);
    };
    let decoded = match reference_decode(text) {
        None => return (Raw::Absent(ErrorKind::Missing), false),
        Some(Err(())) => return (Raw::Fail(INVALID), false),
        Some(Ok(decoded)) => decoded,
    };
    let same_context = |made: Context| {
        let mut a = made.pairs().to_vec();
        let mut b = context.pairs().to_vec();
        a.sort_unstable();
        b.sort_unstable();
        a == b
    };
    let raw = match &planned.original {
        Some((blob, made_by, made_with, plaintext))
            if *blob == decoded
                && pinned.is_none_or(|pin| pin == *made_by)
                && same_context(*made_with) =>
        {
            Raw::Bytes(plaintext.clone())
        }
        // Another key or context, altered, truncated, or never a blob: refused, or (an
        // edit that lands on a key id no key service holds) not found.
        _ => Raw::Fail(&[ErrorKind::Decrypt, ErrorKind::NotFound]),
    };
    (raw, true)
}

/// How a name read from env comes out: `Err` when the load cannot look (unset or blank, or
/// refused by the rule), else the trimmed name.
fn name(text: Option<&str>, rule: fn(&str) -> Result<(), String>) -> Result<&str, Raw> {
    match text.map(str::trim) {
        None | Some("") => Err(Raw::Absent(ErrorKind::Missing)),
        Some(name) => match rule(name) {
            Ok(()) => {
                assert_aws_could_accept(name);
                Ok(name)
            }
            Err(_) => Err(Raw::Fail(INVALID)),
        },
    }
}

/// What every AWS name accepted here shares with AWS's own rules, checked independently of
/// them: printable ASCII without spaces, at most 2048 characters (a parameter's limit, the
/// longest of the three).
fn assert_aws_could_accept(name: &str) {
    assert!(
        name.len() <= 2048 && name.bytes().all(|b| b.is_ascii_graphic()),
        "a name AWS cannot hold was accepted: {name:?}"
    );
}

fuzz_target!(|input: Input| {
    let known: Vec<&str> = KNOWN.iter().chain(UNKNOWN).copied().collect();
    let names: Vec<Option<String>> = [&input.secret_id, &input.parameter, &input.bucket]
        .iter()
        .map(|name| name.text(&known))
        .collect();
    let stores = stores();
    let signing_key = plan(&input.signing_key);
    let billing = plan(&input.billing);
    let mut env: Vec<(&str, String)> = Vec::new();
    let vars = [
        "SIGNING_KEY",
        "BILLING_CT",
        "SECRET_ID",
        "PARAMETER",
        "CONFIG_BUCKET",
    ];
    let texts = [
        &signing_key.text,
        &billing.text,
        &names[0],
        &names[1],
        &names[2],
    ];
    for (var, text) in vars.into_iter().zip(texts) {
        if let Some(text) = text {
            env.push((var, text.clone()));
        }
    }
    let sources = Sources::builder()
        .env(env)
        .aws_kms(stores.kms.clone())
        .aws_secrets(stores.secrets.clone())
        .parameters(stores.parameters.clone())
        .s3(stores.s3.clone())
        .build();
    let before = (
        stores.kms.decrypt_count(),
        stores.secrets.call_count(),
        stores.parameters.call_count(),
        stores.s3.read_count(),
    );
    let result = block_on(Config::load_from(&sources));

    let (signing_raw, signing_sent) = predict_blob(&signing_key, None, Context::None);
    let (billing_raw, billing_sent) = predict_blob(&billing, Some(APP_KEY), Context::Billing);
    let secret = name(names[0].as_deref(), check_aws_secret_id);
    let parameter = name(names[1].as_deref(), check_ssm_parameter_name);
    let bucket = name(names[2].as_deref(), check_s3_bucket_name);
    let calls = (
        usize::from(signing_sent) + usize::from(billing_sent),
        usize::from(secret.is_ok()),
        usize::from(parameter.is_ok()),
        usize::from(bucket.is_ok()),
    );
    let after = (
        stores.kms.decrypt_count() - before.0,
        stores.secrets.call_count() - before.1,
        stores.parameters.call_count() - before.2,
        stores.s3.read_count() - before.3,
    );
    assert_eq!(after, calls, "requests (decrypts, secrets, parameters, s3)");

    let secret_json = format!(r#"{{"password":"{PASSWORD}"}}"#);
    let secret_raw = |key: Option<&str>| match secret {
        Ok(SECRET) => Raw::Bytes(key.map_or(secret_json.as_str(), |_| PASSWORD).into()),
        Ok(_) => Raw::Absent(ErrorKind::Missing),
        Err(ref raw) => raw.clone(),
    };
    let parameter_raw = match parameter {
        Ok(PARAMETER) => Raw::Bytes(TOKEN.into()),
        Ok(_) => Raw::Absent(ErrorKind::Missing),
        Err(raw) => raw,
    };
    let s3_raw = match bucket {
        Ok(S3_BUCKET) => Raw::Bytes(S3_PASSWORD.into()),
        // A bucket that is not there is a broken deploy, not an absent object.
        Ok(_) => Raw::Fail(NOT_FOUND),
        // Every field shares the bucket: its var unset is a broken deploy too.
        Err(Raw::Absent(_)) => Raw::Fail(MISSING),
        Err(raw) => raw,
    };
    let expect_signing_key = signing_raw.text();
    let expect_billing = billing_raw.optional(Raw::bytes);
    let expect_secret = secret_raw(None).optional(Raw::text);
    let expect_secret_password = secret_raw(Some("password")).optional(Raw::text);
    let expect_parameter = parameter_raw.optional(Raw::text);
    let expect_s3_password = s3_raw.optional(Raw::text);

    let exposed = |s: &Option<SecretString>| s.as_ref().map(|s| s.expose_secret().to_owned());
    match &result {
        Ok(config) => {
            let signing_key = config.signing_key.expose_secret().to_owned();
            check_field(Ok(&signing_key), "signing_key", &expect_signing_key);
            check_field(Ok(&config.billing), "billing", &expect_billing);
            check_field(Ok(&exposed(&config.secret)), "secret", &expect_secret);
            let password = exposed(&config.secret_password);
            check_field(Ok(&password), "secret_password", &expect_secret_password);
            let parameter = exposed(&config.parameter);
            check_field(Ok(&parameter), "parameter", &expect_parameter);
            let s3_password = exposed(&config.s3_password);
            check_field(Ok(&s3_password), "s3_password", &expect_s3_password);
        }
        Err(err) => {
            // Names are configuration, and may be shown; a name that holds the canary is
            // a value pasted into the wrong var, which the rules refuse without quoting it.
            let shown: Vec<&str> = names
                .iter()
                .flatten()
                .map(|n| n.trim())
                .filter(|n| !n.contains(CANARY))
                .collect();
            check_error(err, "Config", FIELDS, &shown);
            check_field(Err(err), "signing_key", &expect_signing_key);
            check_field(Err(err), "billing", &expect_billing);
            check_field(Err(err), "secret", &expect_secret);
            check_field(Err(err), "secret_password", &expect_secret_password);
            check_field(Err(err), "parameter", &expect_parameter);
            check_field(Err(err), "s3_password", &expect_s3_password);
        }
    }
});
