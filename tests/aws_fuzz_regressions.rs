//! What `fuzz/fuzz_targets/aws_sources.rs` found, kept as tests through the public API: names
//! read from env in ARN form whose name or partition went unchecked (so a pasted value with a
//! control character reached the store as a name), and the blob edits the target predicts.

use secrets_runtime::memory::{MemoryAwsKms, MemoryAwsSecrets, MemoryParameters};
use secrets_runtime::{Error, ErrorKind, ExposeSecret, SecretString, Secrets, Sources};

const APP_KEY: &str = "1234abcd-12ab-34cd-56ef-1234567890ab";
/// What every planted secret starts with: no error may show it.
const CANARY: &str = "CANARYq7Zx";

#[derive(Debug, Secrets)]
struct Named {
    #[aws_secret(id_env = "SECRET_ID")]
    secret: Option<SecretString>,
    #[ssm(name_env = "PARAMETER")]
    parameter: Option<SecretString>,
}

#[derive(Debug, Secrets)]
struct Sealed {
    #[aws_kms(
        env = "BILLING_CT",
        key = "alias/app",
        context = "app=billing,stage=prod"
    )]
    billing: SecretString,
}

fn kinds(err: &Error) -> Vec<(&str, ErrorKind)> {
    err.fields().iter().map(|f| (f.field(), f.kind())).collect()
}

#[tokio::test]
async fn an_arn_s_name_and_partition_obey_the_rules() {
    let secrets = MemoryAwsSecrets::new();
    let parameters = MemoryParameters::new();
    for (secret_id, parameter) in [
        // found: the name after `secret:` / `parameter` was not checked
        (
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:pro\u{1e}d/db",
            "arn:aws:ssm:us-east-1:123456789012:parameter/pro\u{1e}d/api/token",
        ),
        // found: any partition starting with `aws` passed
        (
            "arn:aws\0\0\0!:secretsmanager:us-east-1:123456789012:secret:prod/db-Kq-AbCdEf",
            "arn:aws\0!:ssm:us-east-1:123456789012:parameter/prod/db",
        ),
    ] {
        let sources = Sources::builder()
            .env([("SECRET_ID", secret_id), ("PARAMETER", parameter)])
            .aws_secrets(secrets.clone())
            .parameters(parameters.clone())
            .build();
        let err = Named::load_from(&sources).await.unwrap_err();
        assert_eq!(
            kinds(&err),
            [
                ("secret", ErrorKind::Invalid),
                ("parameter", ErrorKind::Invalid)
            ]
        );
        let shown = format!("{err} {err:?}");
        // Blind: the rule and the var, never the text, which may be a pasted value.
        assert!(
            shown.contains("env SECRET_ID: a Secrets Manager secret ARN reads"),
            "{shown}"
        );
        assert!(
            shown.contains("env PARAMETER: a parameter ARN reads"),
            "{shown}"
        );
        assert!(!shown.contains("123456789012"), "{shown}");
    }
    // Nothing reached the stores.
    assert_eq!((secrets.call_count(), parameters.call_count()), (0, 0));
}

/// A well-formed ARN is looked up as the field gives it: absent here, so `None`.
#[tokio::test]
async fn a_well_formed_arn_of_another_partition_is_looked_up() {
    let sources = Sources::builder()
        .env([
            (
                "SECRET_ID",
                "arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:prod/db-AbCdEf",
            ),
            (
                "PARAMETER",
                "arn:aws-cn:ssm:cn-north-1:123456789012:parameter/prod/db:3",
            ),
        ])
        .aws_secrets(MemoryAwsSecrets::new())
        .parameters(MemoryParameters::new())
        .build();
    let loaded = Named::load_from(&sources).await.unwrap();
    assert!(loaded.secret.is_none() && loaded.parameter.is_none());
}

async fn load_sealed(kms: &MemoryAwsKms, blob: &[u8]) -> Result<Sealed, Error> {
    use base64::prelude::*;
    let sources = Sources::builder()
        .env([("BILLING_CT", BASE64_STANDARD.encode(blob))])
        .aws_kms(kms.clone())
        .build();
    Sealed::load_from(&sources).await
}

#[tokio::test]
async fn a_blob_opens_under_its_context_in_any_order_and_an_edited_one_never() {
    let kms = MemoryAwsKms::new().with_alias("alias/app", APP_KEY);
    let secret = format!("{CANARY}-billing");
    // Contexts compare as maps: the pairs' order is not part of it.
    let reversed = [("stage", "prod"), ("app", "billing")];
    let blob = kms.encrypt(APP_KEY, &reversed, secret.as_bytes());
    let loaded = load_sealed(&kms, &blob).await.unwrap();
    assert_eq!(loaded.billing.expose_secret(), secret);

    let mut flipped = blob.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 0x01;
    let mut wrong_id = blob.clone();
    // The key id's first character: another well-formed id, not the key the field pins.
    wrong_id[2] = b'0';
    let other_key = kms.encrypt(
        "0987dcba-09fe-87dc-65ba-ab0987654321",
        &reversed,
        secret.as_bytes(),
    );
    for (edited, kind) in [
        (blob[..blob.len() / 2].to_vec(), ErrorKind::Decrypt),
        (flipped, ErrorKind::Decrypt),
        (wrong_id, ErrorKind::Decrypt),
        (other_key, ErrorKind::Decrypt),
        (
            kms.encrypt(APP_KEY, &[("app", "billing")], secret.as_bytes()),
            ErrorKind::Decrypt,
        ),
    ] {
        let err = load_sealed(&kms, &edited).await.unwrap_err();
        assert_eq!(kinds(&err), [("billing", kind)], "{err}");
        let shown = format!("{err} {err:?} {err:#}");
        assert!(!shown.contains(CANARY), "{shown}");
    }
}
