//! `#[aws_kms]` through the real AWS KMS client over HTTP, against moto's server: ciphertexts
//! made by boto3 (`tests/aws/setup.py`), loaded by `#[derive(Secrets)]` structs in a child
//! process whose environment points the SDK at moto (see `common::aws`), every `Decrypt`
//! counted at a proxy in front of it. Whole values, JSON keys, a pinned key, an encryption
//! context, absence; the errors of a wrong context, another key, a truncated blob, a denial,
//! missing credentials and region; throttling retried; a Google `#[kms]` field beside AWS's in
//! one load; no value in any output.

#![cfg(feature = "aws")]

mod common;

use base64::prelude::*;
use common::aws::{
    self, ExtraEnv, KMS_TOKEN, SIGNING_KEY, assert_no_aws_secret, field, no_env, patient,
};
use common::{DB_PASS, KEY, assert_no_secret, b64};
use secrets_runtime::memory::MemoryKms;
use secrets_runtime::{ErrorKind, ExposeSecret, SecretSlice, SecretString, Secrets, Sources};

#[derive(Debug, Secrets)]
struct Config {
    // env SIGNING_KEY, decrypted under the key the blob names
    #[aws_kms]
    signing_key: SecretSlice<u8>,
    #[aws_kms(env = "PINNED_CT", key = "alias/app")]
    pinned: SecretString,
    #[aws_kms(
        env = "CONTEXT_CT",
        key = "alias/app",
        context = "stage=prod,app=billing"
    )]
    with_context: SecretString,
    // one ciphertext, two JSON keys: decrypted once
    #[aws_kms(env = "JSON_CT", json_key = "token")]
    token: SecretString,
    #[aws_kms(env = "JSON_CT", json_key = "user")]
    user: String,
    #[aws_kms(env = "UNSET_CT")]
    unset: Option<SecretString>,
}

/// The field vars of [`Config`], from the setup's ciphertexts.
fn config_env(setup: &serde_json::Value) -> ExtraEnv {
    vec![
        ("SIGNING_KEY", Some(field(setup, "signing_key"))),
        ("PINNED_CT", Some(field(setup, "signing_key"))),
        ("CONTEXT_CT", Some(field(setup, "with_context"))),
        ("JSON_CT", Some(field(setup, "json_blob"))),
    ]
}

/// The production path: `Config::load()`, with the field vars and the SDK's in the process
/// environment, as on Lambda.
#[test]
fn loads_whole_values_json_keys_a_pinned_key_and_a_context() {
    let Some(run) = aws::parent(
        "loads_whole_values_json_keys_a_pinned_key_and_a_context",
        config_env,
        |_| {},
    ) else {
        return aws::child(|_| async {
            let config = Config::load().await.unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(config.signing_key.expose_secret(), SIGNING_KEY.as_bytes());
            assert_eq!(config.pinned.expose_secret(), SIGNING_KEY);
            assert_eq!(config.with_context.expose_secret(), SIGNING_KEY);
            assert_eq!(config.token.expose_secret(), KMS_TOKEN);
            assert_eq!(config.user, "svc-user");
            assert!(config.unset.is_none());
            assert_no_aws_secret("Debug", &format!("{config:?}"));
            println!("loaded in the child");
        });
    };
    assert!(run.output.contains("loaded in the child"), "{}", run.output);
    // Four ciphertexts (one shared by two JSON keys; SIGNING_KEY and PINNED_CT are the same
    // blob, but one is pinned, so they are two requests).
    assert_eq!(
        run.proxy.calls("Decrypt"),
        4,
        "{:?}",
        run.proxy.operations()
    );
    let bodies = run.proxy.bodies("Decrypt");
    let pinned = bodies.iter().filter(|b| b["KeyId"] == "alias/app").count();
    assert_eq!(pinned, 2, "{bodies:?}");
    let with_context: Vec<_> = bodies
        .iter()
        .filter(|b| b.get("EncryptionContext").is_some())
        .collect();
    assert_eq!(with_context.len(), 1, "{bodies:?}");
    assert_eq!(
        with_context[0]["EncryptionContext"],
        serde_json::json!({"app": "billing", "stage": "prod"})
    );
}

#[derive(Debug, Secrets)]
#[allow(dead_code)] // loaded only to fail
struct OneField {
    #[aws_kms(env = "CT", key = "alias/app", context = "app=billing,stage=dev")]
    value: SecretString,
}

#[derive(Debug, Secrets)]
#[allow(dead_code)] // loaded only to fail
struct Pinned {
    #[aws_kms(env = "CT", key = "alias/app")]
    value: SecretString,
}

#[derive(Debug, Secrets)]
struct Unpinned {
    #[aws_kms(env = "CT")]
    value: SecretString,
}

/// Loads `T` from env `CT` = `ciphertext` (base64) through `.aws()`, and returns its one
/// field's failure, after checking that nothing in the error shows a value.
async fn failure<T: Secrets + std::fmt::Debug>(ciphertext: String) -> secrets_runtime::FieldError {
    let sources = Sources::builder()
        .env([("CT", ciphertext)])
        .aws()
        .retry(patient())
        .build();
    let err = T::load_from(&sources)
        .await
        .expect_err("the load must fail");
    let shown = format!("{err} {err:?} {err:#}");
    assert_no_aws_secret("error", &shown);
    err.fields()[0].clone()
}

#[test]
fn another_encryption_context_is_a_decrypt_error_that_names_the_causes() {
    let Some(run) = aws::parent(
        "another_encryption_context_is_a_decrypt_error_that_names_the_causes",
        no_env,
        |_| {},
    ) else {
        return aws::child(|setup| async move {
            let failed = failure::<OneField>(field(&setup, "with_context")).await;
            assert_eq!(failed.kind(), ErrorKind::Decrypt, "{failed}");
            assert!(
                failed.message().starts_with(
                    "AWS KMS rejected the ciphertext, which it does alike for three causes: the ciphertext was not encrypted under key alias/app, or it was encrypted with another encryption context than the field's (encryption context {app=billing, stage=dev}), or it was altered or truncated (InvalidCiphertextException"
                ),
                "{failed}"
            );
            assert_eq!(failed.origin(), "aws kms alias/app via env CT", "{failed}");
        });
    };
    // A rejected ciphertext is final: not retried.
    assert_eq!(run.proxy.calls("Decrypt"), 1);
}

/// AWS answers a blob of another key than the pinned one with `IncorrectKeyException` (its
/// mapping is unit-tested in the crate); moto answers `AccessDeniedException` (without a
/// message), which AWS also sends for a key the caller may not use. Unpinned, the blob names
/// its own key, and decrypts.
#[test]
fn a_ciphertext_of_another_key_than_the_pinned_one_is_refused() {
    let Some(run) = aws::parent(
        "a_ciphertext_of_another_key_than_the_pinned_one_is_refused",
        no_env,
        |_| {},
    ) else {
        return aws::child(|setup| async move {
            let failed = failure::<Pinned>(field(&setup, "other_key_blob")).await;
            assert_eq!(failed.kind(), ErrorKind::PermissionDenied, "{failed}");
            assert!(
                failed.message().starts_with(
                    "permission denied on AWS KMS key alias/app: the function's role needs kms:Decrypt on the key this alias points to (AccessDeniedException"
                ),
                "{failed}"
            );
            let sources = Sources::builder()
                .env([("CT", field(&setup, "other_key_blob"))])
                .aws()
                .retry(patient())
                .build();
            let loaded = Unpinned::load_from(&sources).await.unwrap();
            assert_eq!(loaded.value.expose_secret(), SIGNING_KEY);
        });
    };
    assert_eq!(run.proxy.calls("Decrypt"), 2);
}

#[test]
fn a_truncated_ciphertext_is_a_decrypt_error() {
    let Some(run) = aws::parent("a_truncated_ciphertext_is_a_decrypt_error", no_env, |_| {}) else {
        return aws::child(|setup| async move {
            let blob = BASE64_STANDARD
                .decode(field(&setup, "signing_key"))
                .unwrap();
            // Cut to 40 bytes: shorter than any KMS ciphertext.
            let failed = failure::<Unpinned>(b64(&blob[..40])).await;
            assert_eq!(failed.kind(), ErrorKind::Decrypt, "{failed}");
            assert!(
                failed.message().starts_with(
                    "AWS KMS rejected the ciphertext: at 40 bytes it is shorter than any AWS KMS ciphertext, so it was cut short or is not a CiphertextBlob"
                ),
                "{failed}"
            );
            // One byte short: only KMS can tell, and it cannot say why.
            let failed = failure::<Unpinned>(b64(&blob[..blob.len() - 1])).await;
            assert_eq!(failed.kind(), ErrorKind::Decrypt, "{failed}");
            assert!(
                failed.message().starts_with(
                    "AWS KMS rejected the ciphertext, which it does alike for three causes: the ciphertext names a key that cannot decrypt it, or it was encrypted with another encryption context than the field's (no encryption context), or it was altered or truncated"
                ),
                "{failed}"
            );
        });
    };
    assert_eq!(run.proxy.calls("Decrypt"), 2);
}

#[test]
fn a_denied_decrypt_names_kms_decrypt_and_the_key() {
    let Some(run) = aws::parent(
        "a_denied_decrypt_names_kms_decrypt_and_the_key",
        no_env,
        |proxy| proxy.deny("Decrypt"),
    ) else {
        return aws::child(|setup| async move {
            let failed = failure::<Pinned>(field(&setup, "signing_key")).await;
            assert_eq!(failed.kind(), ErrorKind::PermissionDenied, "{failed}");
            assert!(
                failed.message().starts_with(
                    "permission denied on AWS KMS key alias/app: the function's role needs kms:Decrypt on the key this alias points to (AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/test/fn is not authorized"
                ),
                "{failed}"
            );
        });
    };
    assert_eq!(run.proxy.calls("Decrypt"), 1, "a denial is not retried");
}

#[test]
fn throttled_decrypts_are_retried_within_the_deadline() {
    let Some(run) = aws::parent(
        "throttled_decrypts_are_retried_within_the_deadline",
        no_env,
        |proxy| proxy.throttle("Decrypt", 2),
    ) else {
        return aws::child(|setup| async move {
            let sources = Sources::builder()
                .env([("CT", field(&setup, "signing_key"))])
                .aws()
                .retry(patient())
                .build();
            let loaded = Unpinned::load_from(&sources).await.unwrap();
            assert_eq!(loaded.value.expose_secret(), SIGNING_KEY);
        });
    };
    // Twice throttled by the loader's retries, not the SDK's (those are off): three requests.
    assert_eq!(run.proxy.calls("Decrypt"), 3);
}

#[derive(Debug, Secrets)]
struct Mixed {
    // Google Cloud KMS (the memory backend), key from env KMS_CRYPTO_KEY_ID
    #[kms(env = "GCP_CT")]
    db_pass: SecretString,
    #[aws_kms(env = "AWS_CT", key = "alias/app", context = "app=billing,stage=prod")]
    signing_key: SecretString,
}

#[test]
fn a_google_kms_field_and_an_aws_kms_field_load_in_one_load() {
    let Some(run) = aws::parent(
        "a_google_kms_field_and_an_aws_kms_field_load_in_one_load",
        no_env,
        |_| {},
    ) else {
        return aws::child(|setup| async move {
            let google = MemoryKms::new();
            let sources = Sources::builder()
                .env([
                    ("GCP_CT", b64(&google.encrypt(KEY, DB_PASS.as_bytes()))),
                    ("KMS_CRYPTO_KEY_ID", KEY.to_owned()),
                    ("AWS_CT", field(&setup, "with_context")),
                ])
                .kms(google.clone())
                .aws()
                .retry(patient())
                .build();
            let config = Mixed::load_from(&sources).await.unwrap();
            assert_eq!(config.db_pass.expose_secret(), DB_PASS);
            assert_eq!(config.signing_key.expose_secret(), SIGNING_KEY);
            assert_eq!(google.decrypt_count(), 1);
            let shown = format!("{config:?}");
            assert_no_secret("Debug", &shown);
            assert_no_aws_secret("Debug", &shown);
        });
    };
    assert_eq!(run.proxy.calls("Decrypt"), 1);
}

/// Off AWS with no credentials anywhere (no env keys, no profile, no instance metadata), the
/// field says so and how to fix it; nothing reaches the network.
#[test]
fn no_credentials_is_unconfigured_with_a_hint() {
    let Some(run) = aws::parent(
        "no_credentials_is_unconfigured_with_a_hint",
        |_| vec![("AWS_ACCESS_KEY_ID", None), ("AWS_SECRET_ACCESS_KEY", None)],
        |_| {},
    ) else {
        return aws::child(|setup| async move {
            let failed = failure::<Unpinned>(field(&setup, "signing_key")).await;
            assert_eq!(failed.kind(), ErrorKind::Unconfigured, "{failed}");
            assert!(
                failed.message().starts_with(
                    "no AWS credentials for the AWS KMS key the ciphertext names: the SDK's default chain found none ("
                ),
                "{failed}"
            );
            assert!(
                failed
                    .message()
                    .contains("set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"),
                "{failed}"
            );
            assert!(
                failed
                    .message()
                    .ends_with("; or set SECRETS_LOCAL_DIR to use the local backend"),
                "{failed}"
            );
        });
    };
    assert_eq!(run.proxy.calls("Decrypt"), 0);
}

#[test]
fn no_region_is_unconfigured() {
    let Some(run) = aws::parent(
        "no_region_is_unconfigured",
        |_| vec![("AWS_REGION", None)],
        |_| {},
    ) else {
        return aws::child(|setup| async move {
            let failed = failure::<Unpinned>(field(&setup, "signing_key")).await;
            assert_eq!(
                (failed.kind(), failed.message()),
                (
                    ErrorKind::Unconfigured,
                    "no AWS region is configured: set AWS_REGION (Lambda sets it), or `region` in the AWS profile"
                ),
                "{failed}"
            );
        });
    };
    assert!(run.proxy.operations().is_empty());
}
