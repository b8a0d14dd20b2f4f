//! `#[aws_kms]`, `#[s3]`, `#[aws_secret]` and `#[ssm]` on the in-memory AWS backends, as a
//! user tests their own config offline: every attribute form, JSON keys, absence, a struct
//! mixing Google and AWS sources, and no value in any Debug, Display or error.

mod common;

use common::{API_TOKEN, APP_PASSWORD, DB_PASS, KEY, assert_no_secret, b64};
use secrets_runtime::memory::{
    MemoryAwsKms, MemoryAwsSecrets, MemoryKms, MemoryParameters, MemoryStore,
};
use secrets_runtime::{ErrorKind, ExposeSecret, SecretSlice, SecretString, Secrets, Sources};

const KEY_ID: &str = "1234abcd-12ab-34cd-56ef-1234567890ab";
const KEY_ARN: &str = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const PINNED_VERSION: &str = "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111";
/// Secrets of this file, beside `common`'s: none may show anywhere.
const SIGNING_KEY: &[u8] = b"signing-key-Wq7!Rt";
const OLD_DB_PASS: &str = "old-db-pass-Vb5nQ";
const SSM_TOKEN: &str = "ssm-token-Hy6Lp";

#[derive(Secrets)]
#[secrets(s3_bucket_env = "CONFIG_BUCKET")]
struct Config {
    // env SIGNING_KEY, under the key the blob names, no context
    #[aws_kms]
    signing_key: SecretSlice<u8>,
    // one ciphertext, two JSON keys: decrypted once
    #[aws_kms(
        env = "API_CT",
        key = "alias/app",
        context = "stage=prod,app=billing",
        json_key = "token"
    )]
    api_token: SecretString,
    #[aws_kms(
        env = "API_CT",
        key = "alias/app",
        context = "stage=prod,app=billing",
        json_key = "user"
    )]
    api_user: String,
    #[aws_kms(key = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab")]
    unset_ct: Option<SecretString>,
    // bucket from CONFIG_BUCKET; one object, three fields: downloaded once
    #[s3(object = "app1.json", key = "username")]
    s3_user: String,
    #[s3(object = "app1.json", key = "password")]
    s3_password: SecretString,
    #[s3(object = "app1.json", key = "port")]
    s3_port: u16,
    #[s3(object = "app1.json", key = "absent")]
    s3_absent_key: Option<String>,
    #[s3(bucket = "certs", object = "tls/cert.pem")]
    cert: Vec<u8>,
    #[s3(bucket = "certs", object = "absent.pem")]
    absent_cert: Option<Vec<u8>>,
    // one secret, two JSON keys: read once
    #[aws_secret(id = "prod/db", key = "password")]
    db_pass: SecretString,
    #[aws_secret(id = "prod/db", key = "port")]
    db_port: u16,
    #[aws_secret(id = "prod/db", version_stage = "AWSPREVIOUS", key = "password")]
    old_db_pass: SecretString,
    #[aws_secret(
        id = "prod/pinned",
        version_id = "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111"
    )]
    pinned: String,
    #[aws_secret(id_env = "API_SECRET_ID")]
    from_env: SecretString,
    #[aws_secret(id = "prod/none")]
    no_secret: Option<SecretString>,
    #[aws_secret(id_env = "UNSET_SECRET_ID")]
    unset_id: Option<SecretString>,
    #[ssm(name = "/prod/api/token")]
    ssm_token: SecretString,
    #[ssm(name = "/prod/api/config:3", key = "url")]
    ssm_url: String,
    #[ssm(name_env = "FLAG_PARAMETER")]
    flag: bool,
    #[ssm(name = "/prod/none")]
    no_parameter: Option<String>,
}

/// The backends of `Config`, seeded; clones of them count what a load asked.
struct Aws {
    kms: MemoryAwsKms,
    s3: MemoryStore,
    sm: MemoryAwsSecrets,
    ssm: MemoryParameters,
    env: Vec<(&'static str, String)>,
}

fn seeded() -> Aws {
    let kms = MemoryAwsKms::new().with_alias("alias/app", KEY_ID);
    let api = format!(r#"{{"token":"{API_TOKEN}","user":"svc"}}"#);
    let context = [("app", "billing"), ("stage", "prod")];
    let env = vec![
        ("SIGNING_KEY", kms.encrypt_base64(KEY_ID, &[], SIGNING_KEY)),
        // The key's ARN and its alias name the same key.
        (
            "API_CT",
            kms.encrypt_base64(KEY_ARN, &context, api.as_bytes()),
        ),
        ("CONFIG_BUCKET", "cfg".to_owned()),
        ("API_SECRET_ID", "prod/api".to_owned()),
        ("FLAG_PARAMETER", "/prod/flags/new-ui".to_owned()),
    ];
    let s3 = MemoryStore::s3()
        .with_object(
            "cfg",
            "app1.json",
            format!(r#"{{"username":"my-user","password":"{APP_PASSWORD}","port":5432}}"#),
        )
        .with_object("certs", "tls/cert.pem", common::CERT);
    let sm = MemoryAwsSecrets::new()
        .with_string(
            "prod/db",
            &format!(r#"{{"password":"{OLD_DB_PASS}","port":5432}}"#),
        )
        .with_string(
            "prod/db",
            &format!(r#"{{"password":"{DB_PASS}","port":6432}}"#),
        )
        .with_string("prod/api", API_TOKEN);
    sm.put_version("prod/pinned", PINNED_VERSION, "pinned-value", &[]);
    sm.put("prod/pinned", "current-value");
    let ssm = MemoryParameters::new()
        .with_parameter("/prod/api/token", SSM_TOKEN)
        .with_parameter("/prod/api/config:3", r#"{"url":"https://api.example"}"#)
        .with_parameter("/prod/api/config", r#"{"url":"https://old.example"}"#)
        .with_parameter("/prod/flags/new-ui", "true");
    Aws {
        kms,
        s3,
        sm,
        ssm,
        env,
    }
}

impl Aws {
    fn sources(&self) -> Sources {
        Sources::builder()
            .env(self.env.clone())
            .aws_kms(self.kms.clone())
            .s3(self.s3.clone())
            .aws_secrets(self.sm.clone())
            .parameters(self.ssm.clone())
            .build()
    }
}

#[tokio::test]
async fn every_attribute_form_loads_and_each_request_is_made_once() {
    let aws = seeded();
    let config = Config::load_from(&aws.sources()).await.unwrap();

    assert_eq!(config.signing_key.expose_secret(), SIGNING_KEY);
    assert_eq!(config.api_token.expose_secret(), API_TOKEN);
    assert_eq!(config.api_user, "svc");
    assert!(config.unset_ct.is_none(), "unset ciphertext is None");
    assert_eq!(config.s3_user, "my-user");
    assert_eq!(config.s3_password.expose_secret(), APP_PASSWORD);
    assert_eq!(config.s3_port, 5432);
    assert_eq!(config.s3_absent_key, None);
    assert_eq!(config.cert, common::CERT);
    assert_eq!(config.absent_cert, None);
    assert_eq!(config.db_pass.expose_secret(), DB_PASS);
    assert_eq!(config.db_port, 6432);
    assert_eq!(config.old_db_pass.expose_secret(), OLD_DB_PASS);
    assert_eq!(config.pinned, "pinned-value");
    assert_eq!(config.from_env.expose_secret(), API_TOKEN);
    assert!(config.no_secret.is_none());
    assert!(config.unset_id.is_none(), "an unset id var is absence");
    assert_eq!(config.ssm_token.expose_secret(), SSM_TOKEN);
    assert_eq!(config.ssm_url, "https://api.example");
    assert!(config.flag);
    assert_eq!(config.no_parameter, None);

    // Two ciphertexts; three objects; five secret versions in one call; four parameters in
    // one call.
    assert_eq!(aws.kms.decrypt_count(), 2);
    assert_eq!(aws.s3.read_count(), 3);
    let mut secrets = aws.sm.calls();
    assert_eq!(secrets.len(), 1);
    secrets[0].sort();
    assert_eq!(
        secrets[0],
        ["prod/api", "prod/db", "prod/db", "prod/none", "prod/pinned"]
    );
    let mut parameters = aws.ssm.calls();
    assert_eq!(parameters.len(), 1);
    parameters[0].sort();
    assert_eq!(
        parameters[0],
        [
            "/prod/api/config:3",
            "/prod/api/token",
            "/prod/flags/new-ui",
            "/prod/none"
        ]
    );
}

#[tokio::test]
async fn a_rotation_moves_the_current_and_previous_versions() {
    let aws = seeded();
    aws.sm.put(
        "prod/db",
        format!(r#"{{"password":"{APP_PASSWORD}","port":7432}}"#),
    );
    let config = Config::load_from(&aws.sources()).await.unwrap();
    assert_eq!(config.db_pass.expose_secret(), APP_PASSWORD);
    assert_eq!(config.old_db_pass.expose_secret(), DB_PASS);
}

#[derive(Secrets)]
struct Mixed {
    // Cloud KMS, key from KMS_CRYPTO_KEY_ID
    #[kms]
    db_pass: SecretString,
    #[aws_kms]
    signing_key: SecretSlice<u8>,
    #[aws_kms(env = "API_CT", context = "app=billing,stage=prod", json_key = "token")]
    api_token: SecretString,
}

#[tokio::test]
async fn google_and_aws_kms_fields_load_in_one_load() {
    let google = MemoryKms::new();
    let aws = MemoryAwsKms::new();
    let api = format!(r#"{{"token":"{API_TOKEN}"}}"#);
    let context = [("stage", "prod"), ("app", "billing")];
    let sources = Sources::builder()
        .env([
            ("DB_PASS", b64(&google.encrypt(KEY, DB_PASS.as_bytes()))),
            ("KMS_CRYPTO_KEY_ID", KEY.to_owned()),
            ("SIGNING_KEY", aws.encrypt_base64(KEY_ID, &[], SIGNING_KEY)),
            (
                "API_CT",
                aws.encrypt_base64(KEY_ID, &context, api.as_bytes()),
            ),
        ])
        .kms(google.clone())
        .aws_kms(aws.clone())
        .build();
    let mixed = Mixed::load_from(&sources).await.unwrap();
    assert_eq!(mixed.db_pass.expose_secret(), DB_PASS);
    assert_eq!(mixed.signing_key.expose_secret(), SIGNING_KEY);
    assert_eq!(mixed.api_token.expose_secret(), API_TOKEN);
    assert_eq!((google.decrypt_count(), aws.decrypt_count()), (1, 2));

    // Each service's ciphertext in the other's field: each field fails, alone, for its own
    // reason, and the two services' answers stay apart.
    let swapped = Sources::builder()
        .env([
            (
                "DB_PASS",
                aws.encrypt_base64(KEY_ID, &[], DB_PASS.as_bytes()),
            ),
            ("KMS_CRYPTO_KEY_ID", KEY.to_owned()),
            ("SIGNING_KEY", b64(&google.encrypt(KEY, SIGNING_KEY))),
            (
                "API_CT",
                aws.encrypt_base64(KEY_ID, &context, api.as_bytes()),
            ),
        ])
        .kms(google)
        .aws_kms(aws)
        .build();
    let err = Mixed::load_from(&swapped).await.err().expect("fails");
    let failed: Vec<(&str, ErrorKind)> =
        err.fields().iter().map(|f| (f.field(), f.kind())).collect();
    assert_eq!(
        failed,
        [
            ("db_pass", ErrorKind::Decrypt),
            ("signing_key", ErrorKind::Decrypt)
        ]
    );
    let shown = format!("{err} {err:?} {err:#}");
    assert_no_secret("the error", &shown);
    assert!(!shown.contains("signing-key-Wq7"), "{shown}");
}

#[tokio::test]
async fn a_secret_marked_for_deletion_fails_its_fields_only() {
    let aws = seeded();
    aws.sm.delete("prod/api");
    let err = Config::load_from(&aws.sources())
        .await
        .err()
        .expect("fails");
    let [field] = err.fields() else {
        panic!("one field fails: {err}");
    };
    assert_eq!(
        (field.field(), field.origin(), field.kind()),
        (
            "from_env",
            "aws secret named by env API_SECRET_ID",
            ErrorKind::Other
        )
    );
    // The id came from an env var: the message names the var in its place.
    assert_eq!(
        field.message(),
        "secret named by env API_SECRET_ID is marked for deletion; restore it, or name another secret"
    );
}

#[tokio::test]
async fn nothing_secret_shows_in_debug_display_or_errors() {
    let aws = seeded();
    let sources = aws.sources();
    let config = Config::load_from(&sources).await.unwrap();
    let backends = format!(
        "{:?} {:?} {:?} {:?} {sources:?}",
        aws.kms, aws.s3, aws.sm, aws.ssm
    );
    let loaded = format!(
        "{:?} {:?} {:?} {:?}",
        config.signing_key, config.api_token, config.db_pass, config.ssm_token
    );
    for (what, text) in [("the backends", &backends), ("the secret types", &loaded)] {
        assert_no_secret(what, text);
        for secret in [OLD_DB_PASS, SSM_TOKEN, "signing-key-Wq7"] {
            assert!(!text.contains(secret), "{what} show a secret: {text}");
        }
    }
    // Names, which are not secret, are what the backends show.
    assert!(backends.contains("s3://cfg/app1.json"), "{backends}");
    assert!(backends.contains("prod/db") && backends.contains("/prod/api/token"));

    // Every field failing at once: still no value anywhere.
    let broken = Sources::builder()
        .env([
            ("SIGNING_KEY", b64(SIGNING_KEY)),
            ("API_CT", b64(API_TOKEN.as_bytes())),
            ("CONFIG_BUCKET", format!("{APP_PASSWORD}!")),
            ("API_SECRET_ID", format!("{DB_PASS} ")),
            ("FLAG_PARAMETER", SSM_TOKEN.to_owned()),
        ])
        .aws_kms(aws.kms.clone())
        .s3(aws.s3.clone())
        .aws_secrets(aws.sm.clone())
        .parameters(aws.ssm.clone())
        .build();
    let err = Config::load_from(&broken).await.err().expect("fails");
    let shown = format!("{err}\n{err:?}\n{err:#}");
    assert_no_secret("the error", &shown);
    for secret in [OLD_DB_PASS, SSM_TOKEN, "signing-key-Wq7"] {
        assert!(!shown.contains(secret), "the error shows a secret: {shown}");
    }
    let failed: Vec<&str> = err
        .fields()
        .iter()
        .map(secrets_runtime::FieldError::field)
        .collect();
    assert_eq!(
        failed,
        [
            "signing_key",
            "api_token",
            "api_user",
            "s3_user",
            "s3_password",
            "s3_port",
            "s3_absent_key",
            "from_env",
            "flag"
        ]
    );
}
