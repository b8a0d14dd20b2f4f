//! The AWS sources on the local backend: keys, objects, secrets and parameters as files in
//! the layout `secrets_runtime::local` documents, all registered by
//! `Sources::builder().local(dir)`.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use common::{API_TOKEN, APP_PASSWORD, DB_PASS, assert_no_secret};
use secrets_runtime::local::{LocalAwsKms, LocalAwsSecrets, LocalParameters, LocalStore};
use secrets_runtime::{ErrorKind, ExposeSecret, SecretString, Secrets, Sources};

const KEY_ID: &str = "1234abcd-12ab-34cd-56ef-1234567890ab";
const CONTEXT: &[(&str, &str)] = &[("app", "billing")];

#[derive(Secrets)]
struct Config {
    #[aws_kms(key = "alias/app", context = "app=billing")]
    signing_key: SecretString,
    #[s3(bucket = "cfg", object = "team/app1.json", key = "password")]
    s3_password: SecretString,
    #[aws_secret(id = "prod/db", key = "password")]
    db_pass: SecretString,
    #[aws_secret(id = "prod/db", version_stage = "AWSPREVIOUS", key = "password")]
    old_db_pass: SecretString,
    #[ssm(name = "/prod/api/token")]
    token: SecretString,
    #[ssm(name = "/prod/api/token:2")]
    token_v2: String,
    #[ssm(name = "/prod/none")]
    absent: Option<String>,
}

/// Seeds `dir` as a developer would, and returns the env of `Config`.
fn seed(dir: &Path) -> Vec<(&'static str, String)> {
    let kms = LocalAwsKms::new(dir);
    kms.create_key(KEY_ID).unwrap();
    kms.create_alias("alias/app", KEY_ID).unwrap();
    let signing = kms
        .encrypt_base64("alias/app", CONTEXT, APP_PASSWORD.as_bytes())
        .unwrap();
    let body = format!(r#"{{"password":"{APP_PASSWORD}"}}"#);
    LocalStore::s3(dir)
        .put("cfg", "team/app1.json", body.as_bytes())
        .unwrap();
    let sm = LocalAwsSecrets::new(dir);
    sm.put(
        "prod/db",
        format!(r#"{{"password":"{DB_PASS}"}}"#).as_bytes(),
    )
    .unwrap();
    sm.put_version("prod/db", "AWSPREVIOUS", br#"{"password":"old"}"#)
        .unwrap();
    let ssm = LocalParameters::new(dir);
    ssm.put("/prod/api/token", API_TOKEN.as_bytes()).unwrap();
    ssm.put("/prod/api/token:2", b"second").unwrap();
    vec![("SIGNING_KEY", signing)]
}

#[tokio::test]
async fn every_aws_source_reads_its_files_in_the_documented_layout() {
    let dir = tempfile::tempdir().unwrap();
    let env = seed(dir.path());
    for file in [
        format!("aws-kms/{KEY_ID}.key"),
        "aws-kms/alias/app".to_owned(),
        "s3/cfg/team/app1.json".to_owned(),
        "aws-secrets/prod/db".to_owned(),
        "aws-secret-versions/AWSPREVIOUS/prod/db".to_owned(),
        "ssm/prod/api/token".to_owned(),
        "ssm-versions/2/prod/api/token".to_owned(),
    ] {
        let path = dir.path().join(&file);
        let mode = std::fs::metadata(&path)
            .unwrap_or_else(|e| panic!("{file}: {e}"))
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{file} is private");
    }
    let key_file = dir.path().join(format!("aws-kms/{KEY_ID}.key"));
    assert_eq!(std::fs::read(key_file).unwrap().len(), 32);

    let sources = Sources::builder().env(env).local(dir.path()).build();
    let config = Config::load_from(&sources).await.unwrap();
    assert_eq!(config.signing_key.expose_secret(), APP_PASSWORD);
    assert_eq!(config.s3_password.expose_secret(), APP_PASSWORD);
    assert_eq!(config.db_pass.expose_secret(), DB_PASS);
    assert_eq!(config.old_db_pass.expose_secret(), "old");
    assert_eq!(config.token.expose_secret(), API_TOKEN);
    assert_eq!(config.token_v2, "second");
    assert_eq!(config.absent, None);
}

// Its load fails on purpose: its fields are never read.
#[derive(Secrets)]
#[allow(dead_code)]
struct Broken {
    #[aws_kms(key = "alias/other")]
    signing_key: SecretString,
    #[s3(bucket = "no-such-bucket", object = "app1.json")]
    missing_bucket: Vec<u8>,
    #[aws_secret(id = "prod/none")]
    missing_secret: SecretString,
    #[ssm(name = "/prod/none")]
    missing_parameter: SecretString,
}

#[tokio::test]
async fn what_is_missing_on_disk_is_said_without_a_value() {
    let dir = tempfile::tempdir().unwrap();
    let env = seed(dir.path());
    LocalAwsKms::new(dir.path())
        .create_alias("alias/other", "0987dcba-09ba-87dc-65fe-0987654321ba")
        .unwrap();
    let sources = Sources::builder().env(env).local(dir.path()).build();
    let err = Broken::load_from(&sources).await.err().expect("fails");
    let failed: Vec<(&str, ErrorKind, &str)> = err
        .fields()
        .iter()
        .map(|f| (f.field(), f.kind(), f.message()))
        .collect();
    assert_eq!(
        failed,
        [
            (
                "signing_key",
                ErrorKind::Decrypt,
                "the ciphertext was encrypted under another key than the field's alias/other \
                 (key 1234abcd-12ab-34cd-56ef-1234567890ab); encrypt it under alias/other, or \
                 pin the key it names"
            ),
            (
                "missing_bucket",
                ErrorKind::NotFound,
                "bucket s3://no-such-bucket not found"
            ),
            (
                "missing_secret",
                ErrorKind::Missing,
                "AWS secret prod/none not found"
            ),
            (
                "missing_parameter",
                ErrorKind::Missing,
                "parameter /prod/none not found"
            ),
        ]
    );
    assert_no_secret("the error", &format!("{err} {err:?}"));
}

#[tokio::test]
async fn a_key_file_that_is_gone_is_named_and_an_alias_must_name_a_key_id() {
    let dir = tempfile::tempdir().unwrap();
    let env = seed(dir.path());
    std::fs::remove_file(dir.path().join(format!("aws-kms/{KEY_ID}.key"))).unwrap();
    let sources = Sources::builder().env(env).local(dir.path()).build();
    let err = Config::load_from(&sources).await.err().expect("fails");
    let field = err.field("signing_key").unwrap();
    assert_eq!(field.kind(), ErrorKind::NotFound);
    assert!(
        field
            .message()
            .starts_with(&format!("key {KEY_ID} not found (no file ")),
        "{field}"
    );
    let kms = LocalAwsKms::new(dir.path());
    let err = kms.create_alias("alias/app", "alias/other").unwrap_err();
    assert_eq!(
        err.message(),
        "`alias/other` is not an AWS KMS key id (`1234abcd-…`)"
    );
    assert!(kms.encrypt("alias/none", &[], b"x").is_err());
}
