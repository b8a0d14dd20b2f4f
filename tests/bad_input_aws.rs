//! Bad inputs of `#[aws_kms]`, `#[s3]`, `#[aws_secret]` and `#[ssm]` fields on the in-memory
//! AWS backends: one row per mistake (see common/matrix.rs).

// Structs whose load fails on purpose: their fields are never read.
#![allow(dead_code)]

mod common;

use common::matrix::*;
use common::*;
use secrets_runtime::{ErrorKind, SecretString, Secrets};

const CONTEXT: &[(&str, &str)] = &[("app", "billing"), ("stage", "prod")];
/// A key of another AWS key service.
const FOREIGN_KEY: &str = "5555eeee-55ee-55ee-55ee-5555555555ee";

#[derive(Secrets)]
struct Signing {
    #[aws_kms]
    signing_key: SecretString,
}

#[derive(Secrets)]
struct Pinned {
    #[aws_kms(
        env = "TOKEN_CT",
        key = "alias/app",
        context = "stage=prod,app=billing"
    )]
    token: SecretString,
}

#[derive(Secrets)]
struct Ghost {
    #[aws_kms(key = "alias/ghost")]
    signing_key: SecretString,
}

#[derive(Secrets)]
struct SigningUser {
    #[aws_kms(json_key = "user")]
    signing_key: String,
}

#[derive(Secrets)]
struct S3Password {
    #[s3(object = "app1.json", key = "password")]
    password: SecretString,
}

#[derive(Secrets)]
struct S3Elsewhere {
    #[s3(bucket = "no-such-bucket", object = "app1.json")]
    config: Vec<u8>,
}

#[derive(Secrets)]
struct DbPass {
    #[aws_secret(id = "prod/db", key = "password")]
    db_pass: SecretString,
}

#[derive(Secrets)]
struct PreviousDbPass {
    #[aws_secret(id = "prod/db", version_stage = "AWSPREVIOUS", key = "password")]
    db_pass: SecretString,
}

#[derive(Secrets)]
struct SecretFromEnv {
    #[aws_secret(id_env = "DB_SECRET_ID")]
    db_pass: SecretString,
}

#[derive(Secrets)]
struct Token {
    #[ssm(name = "/prod/api/token")]
    token: SecretString,
}

#[derive(Secrets)]
struct Port {
    #[ssm(name = "/prod/api/port")]
    port: u16,
}

#[derive(Secrets)]
struct ParameterFromEnv {
    #[ssm(name_env = "TOKEN_PARAMETER")]
    token: SecretString,
}

/// The blob without its last byte: the sealed part is cut short.
fn truncated(blob: &[u8]) -> String {
    b64(&blob[..blob.len() - 1])
}

/// The first 10 bytes: cut inside the key id the blob names.
fn header_only(blob: &[u8]) -> String {
    b64(&blob[..10])
}

/// One bit of the ciphertext flipped.
fn flipped(blob: &[u8]) -> String {
    let mut blob = blob.to_vec();
    let last = blob.len() - 1;
    blob[last] ^= 1;
    b64(&blob)
}

#[allow(clippy::too_many_lines)] // the table
fn cases() -> Vec<Case> {
    use ErrorKind::{Decrypt, Invalid, Missing, NotFound, TooLarge, Unconfigured};
    let altered = || {
        exact(format!(
            "AWS KMS key {AWS_KEY} cannot decrypt the ciphertext: it is truncated or altered"
        ))
    };
    let context_differs = || {
        exact(format!(
            "AWS KMS key {AWS_KEY} cannot decrypt the ciphertext: the encryption context differs \
         from the one it was encrypted with; give the field the same `context`"
        ))
    };
    let pinned = "aws kms alias/app via env TOKEN_CT";
    let s3 = |key: &str| format!("s3://{S3_BUCKET}/app1.json#{key}");
    vec![
        // #[aws_kms]: the ciphertext
        case::<Signing>("ciphertext unset, required field")
            .at("signing_key", "aws kms via env SIGNING_KEY")
            .env("SIGNING_KEY", V::Unset)
            .fails(Missing, exact("env SIGNING_KEY is not set")),
        case::<Signing>("plaintext pasted as the ciphertext")
            .at("signing_key", "aws kms via env SIGNING_KEY")
            .env("SIGNING_KEY", text("Zq31-plain!secret"))
            .secret("Zq31-plain!secret")
            .fails(
                Invalid,
                exact(
                    "env SIGNING_KEY is not base64 ciphertext (bad character at line 1 column 5)",
                ),
            ),
        case::<Signing>("blob truncated")
            .at("signing_key", "aws kms via env SIGNING_KEY")
            .env(
                "SIGNING_KEY",
                aws_mangled(AWS_KEY, &[], "Zq32-secret", truncated),
            )
            .secret("Zq32-secret")
            .fails(Decrypt, altered()),
        case::<Signing>("blob altered")
            .at("signing_key", "aws kms via env SIGNING_KEY")
            .env(
                "SIGNING_KEY",
                aws_mangled(AWS_KEY, &[], "Zq33-secret", flipped),
            )
            .secret("Zq33-secret")
            .fails(Decrypt, altered()),
        case::<Signing>("blob cut inside its header")
            .at("signing_key", "aws kms via env SIGNING_KEY")
            .env(
                "SIGNING_KEY",
                aws_mangled(AWS_KEY, &[], "Zq34-secret", header_only),
            )
            .fails(
                Decrypt,
                exact(
                    "the ciphertext is not an AWS KMS ciphertext blob of this key service, \
                     or it is truncated or altered",
                ),
            ),
        case::<Signing>("Cloud KMS ciphertext in an AWS KMS field")
            .at("signing_key", "aws kms via env SIGNING_KEY")
            .env("SIGNING_KEY", sealed(KEY, "Zq35-secret"))
            .secret("Zq35-secret")
            .fails(
                Decrypt,
                exact(
                    "the ciphertext is not an AWS KMS ciphertext blob of this key service, \
                     or it is truncated or altered",
                ),
            ),
        case::<Signing>("blob of a key this key service does not have")
            .at("signing_key", "aws kms via env SIGNING_KEY")
            .env("SIGNING_KEY", aws_foreign(FOREIGN_KEY, "Zq36-secret"))
            .secret("Zq36-secret")
            .fails(
                NotFound,
                exact(format!("AWS KMS key {FOREIGN_KEY} not found")),
            ),
        case::<Pinned>("blob of another key than the pinned alias")
            .at("token", pinned)
            .env(
                "TOKEN_CT",
                aws_sealed(AWS_OTHER_KEY, CONTEXT, "Zq37-secret"),
            )
            .secret("Zq37-secret")
            .fails(
                Decrypt,
                exact(format!(
                    "the ciphertext was encrypted under another key than the field's alias/app \
                     (key {AWS_OTHER_KEY}); encrypt it under alias/app, or pin the key it names"
                )),
            ),
        case::<Pinned>("another encryption context")
            .at("token", pinned)
            .env(
                "TOKEN_CT",
                aws_sealed(
                    AWS_ALIAS,
                    &[("app", "payroll"), ("stage", "prod")],
                    "Zq38-secret",
                ),
            )
            .secret("Zq38-secret")
            .fails(Decrypt, context_differs()),
        case::<Pinned>("no encryption context in the blob")
            .at("token", pinned)
            .env("TOKEN_CT", aws_sealed(AWS_KEY, &[], "Zq39-secret"))
            .secret("Zq39-secret")
            .fails(Decrypt, context_differs()),
        case::<Ghost>("pinned alias unknown")
            .at("signing_key", "aws kms alias/ghost via env SIGNING_KEY")
            .env("SIGNING_KEY", aws_sealed(AWS_KEY, &[], "Zq40-secret"))
            .fails(NotFound, exact("AWS KMS alias/ghost not found")),
        case::<Signing>("plaintext not UTF-8 into SecretString")
            .at("signing_key", "aws kms via env SIGNING_KEY")
            .env(
                "SIGNING_KEY",
                aws_sealed(AWS_KEY, &[], b"Zq41-\xff\xfe-secret".to_vec()),
            )
            .secret(b"Zq41-\xff\xfe-secret".to_vec())
            .fails(Invalid, exact(NOT_UTF8)),
        case::<SigningUser>("plaintext JSON without the key")
            .at("signing_key", "aws kms via env SIGNING_KEY#user")
            .env(
                "SIGNING_KEY",
                aws_sealed(AWS_KEY, &[], r#"{"password":"Zq42-secret"}"#),
            )
            .secret("Zq42-secret")
            .fails(Missing, exact("the JSON object has no key `user`")),
        case::<Signing>("no AWS KMS backend")
            .at("signing_key", "aws kms via env SIGNING_KEY")
            .env("SIGNING_KEY", text("AAAA"))
            .no_aws()
            .fails(Unconfigured, no_aws_backend("AWS KMS", "aws_kms")),
        // #[s3]
        case::<S3Password>("missing object, required field")
            .at("password", s3("password"))
            .fails(
                Missing,
                exact(format!("object s3://{S3_BUCKET}/app1.json not found")),
            ),
        case::<S3Elsewhere>("missing bucket")
            .at("config", "s3://no-such-bucket/app1.json")
            .fails(NotFound, exact("bucket s3://no-such-bucket not found")),
        case::<S3Password>("object not JSON")
            .at("password", s3("password"))
            .s3_object(S3_BUCKET, "app1.json", "password=Zq43-secret")
            .secret("Zq43-secret")
            .fails(Invalid, not_json(1, 1)),
        case::<S3Password>("object over the size cap")
            .at("password", s3("password"))
            .s3_object(S3_BUCKET, "app1.json", r#"{"password":"Zq44-secret"}"#)
            .cap(10)
            .secret("Zq44-secret")
            .fails(
                TooLarge,
                exact(format!(
                    "object s3://{S3_BUCKET}/app1.json is 26 bytes, over the cap of 10 bytes"
                )),
            ),
        case::<S3Password>("bucket env unset")
            .at("password", "s3://$S3_BUCKET/app1.json#password")
            .env("S3_BUCKET", V::Unset)
            .fails(
                Missing,
                exact("env S3_BUCKET is not set (the S3 bucket name)"),
            ),
        // A secret pasted into the bucket's env var is never shown, in any form.
        case::<S3Password>("password pasted as the bucket name")
            .at("password", "s3://$S3_BUCKET/app1.json#password")
            .env("S3_BUCKET", text("Hunter2-Pw-Zq45"))
            .secret("Hunter2-Pw-Zq45")
            .fails(
                Invalid,
                exact(
                    "env S3_BUCKET: an S3 bucket name holds lowercase letters, digits, `.` \
                     and `-` only (character 1)",
                ),
            ),
        case::<S3Password>("password pasted as a lowercase bucket name")
            .at("password", "s3://$S3_BUCKET/app1.json#password")
            .env("S3_BUCKET", text("hunter2-pw-zq46!"))
            .secret("hunter2-pw-zq46!")
            .fails(
                Invalid,
                exact(
                    "env S3_BUCKET: an S3 bucket name holds lowercase letters, digits, `.` \
                     and `-` only (character 16)",
                ),
            ),
        case::<S3Password>("no S3 backend")
            .at("password", s3("password"))
            .no_aws()
            .fails(Unconfigured, no_aws_backend("S3", "s3")),
        // #[aws_secret]
        case::<DbPass>("secret missing, required field")
            .at("db_pass", "aws secret prod/db#password")
            .fails(Missing, exact("AWS secret prod/db not found")),
        case::<PreviousDbPass>("no version with the stage")
            .at("db_pass", "aws secret prod/db#password")
            .aws_secret("prod/db", r#"{"password":"Zq47-secret"}"#)
            .secret("Zq47-secret")
            .fails(
                Missing,
                exact("AWS secret prod/db (stage AWSPREVIOUS) not found"),
            ),
        case::<DbPass>("secret not JSON")
            .at("db_pass", "aws secret prod/db#password")
            .aws_secret("prod/db", "Zq48-secret")
            .secret("Zq48-secret")
            .fails(Invalid, not_json(1, 1)),
        case::<DbPass>("JSON key missing")
            .at("db_pass", "aws secret prod/db#password")
            .aws_secret("prod/db", r#"{"user":"Zq49-user"}"#)
            .fails(Missing, exact("the JSON object has no key `password`")),
        case::<DbPass>("secret over the size cap")
            .at("db_pass", "aws secret prod/db#password")
            .aws_secret("prod/db", r#"{"password":"Zq50-secret"}"#)
            .cap(10)
            .secret("Zq50-secret")
            .fails(
                TooLarge,
                exact("secret prod/db is 26 bytes, over the cap of 10 bytes"),
            ),
        case::<SecretFromEnv>("password pasted as the secret id")
            .at("db_pass", "aws secret named by env DB_SECRET_ID")
            .env("DB_SECRET_ID", text("Hunter2 Pw!Zq51"))
            .secret("Hunter2 Pw!Zq51")
            .fails(
                Invalid,
                exact(
                    "env DB_SECRET_ID: a Secrets Manager secret name holds letters, digits \
                     and `/_+=.@-` only (character 8)",
                ),
            ),
        case::<SecretFromEnv>("secret named by env missing")
            .at("db_pass", "aws secret named by env DB_SECRET_ID")
            .env("DB_SECRET_ID", text("prod/gone-Zq52"))
            .fails(
                Missing,
                exact("AWS secret named by env DB_SECRET_ID not found"),
            ),
        case::<DbPass>("no Secrets Manager backend")
            .at("db_pass", "aws secret prod/db#password")
            .no_aws()
            .fails(
                Unconfigured,
                no_aws_backend("Secrets Manager", "aws_secrets"),
            ),
        // #[ssm]
        case::<Token>("parameter missing, required field")
            .at("token", "ssm /prod/api/token")
            .fails(Missing, exact("parameter /prod/api/token not found")),
        case::<Port>("parameter not a number")
            .at("port", "ssm /prod/api/port")
            .parameter("/prod/api/port", "eighty")
            .fails(Invalid, not_valid("u16", NOT_NUMBER)),
        case::<ParameterFromEnv>("parameter name env unset, required field")
            .at("token", "ssm parameter named by env TOKEN_PARAMETER")
            .fails(
                Missing,
                exact("env TOKEN_PARAMETER is not set (the parameter name)"),
            ),
        case::<ParameterFromEnv>("password pasted as the parameter name")
            .at("token", "ssm parameter named by env TOKEN_PARAMETER")
            .env("TOKEN_PARAMETER", text("hunter2/Pw-Zq53"))
            .secret("hunter2/Pw-Zq53")
            .fails(
                Invalid,
                exact("env TOKEN_PARAMETER: a hierarchical parameter name starts with `/`"),
            ),
        case::<Token>("no Parameter Store backend")
            .at("token", "ssm /prod/api/token")
            .no_aws()
            .fails(
                Unconfigured,
                no_aws_backend("Parameter Store", "parameters"),
            ),
    ]
}

#[test]
fn every_bad_aws_input_fails_its_field_precisely() {
    let cases = cases();
    assert!(cases.len() >= 30, "{} cases", cases.len());
    run(cases);
}
