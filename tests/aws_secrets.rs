//! `#[aws_secret]` and `#[ssm]` through the real Secrets Manager and SSM clients over HTTP,
//! against moto's server: secrets and parameters made by boto3 (`tests/aws/setup.py`), loaded
//! by `#[derive(Secrets)]` structs in a child process whose environment points the SDK at
//! moto (see `common::aws`), every request counted at a proxy in front of it. Strings, binary,
//! JSON keys, ARNs, stages, versions and labels, absence; 25 fields in 2 `BatchGetSecretValue`
//! and 3 `GetParameters` calls; denials and throttling; no value in any output.

#![cfg(feature = "aws")]

mod common;

use common::aws::{
    self, API_TOKEN, BINARY, DB_PASS, MANY, MANY_PREFIX, NEW_VALUE, OLD_VALUE, SSM_TOKEN,
    assert_no_aws_secret, field, no_env, patient,
};
use secrets_runtime::{ErrorKind, ExposeSecret, SecretString, Secrets, Sources};
use serde_json::Value;

#[derive(Debug, Secrets)]
struct SecretValues {
    #[aws_secret(id = "prod/db-pass")]
    db_pass: SecretString,
    #[aws_secret(id = "prod/cert")]
    cert: Vec<u8>,
    #[aws_secret(id = "prod/api", key = "token")]
    api_token: SecretString,
    // the same secret by its full ARN, and by its ARN without AWS's random suffix
    #[aws_secret(id_env = "API_ARN", key = "url")]
    api_url: String,
    #[aws_secret(id_env = "API_PARTIAL_ARN", key = "token")]
    api_token_again: SecretString,
    #[aws_secret(id = "prod/rotating")]
    current: SecretString,
    #[aws_secret(id = "prod/rotating", version_stage = "AWSPREVIOUS")]
    previous: SecretString,
    #[aws_secret(id = "prod/rotating", version_stage = "canary")]
    canary: SecretString,
    #[aws_secret(id = "prod/none")]
    none: Option<SecretString>,
    #[aws_secret(id_env = "UNSET_SECRET_ID")]
    unset: Option<SecretString>,
}

fn arns(setup: &Value) -> Vec<(&'static str, Option<String>)> {
    let arn = field(setup, "api_arn");
    // `...:secret:prod/api-AbCdEf`: AWS appends a hyphen and six characters.
    let partial = arn[..arn.len() - 7].to_owned();
    vec![("API_ARN", Some(arn)), ("API_PARTIAL_ARN", Some(partial))]
}

/// The production path: `SecretValues::load()` with the ids and the SDK's variables in the process
/// environment.
#[test]
fn secrets_manager_values_by_name_arn_stage_and_absence() {
    let Some(run) = aws::parent(
        "secrets_manager_values_by_name_arn_stage_and_absence",
        arns,
        |_| {},
    ) else {
        return aws::child(|_| async {
            let loaded = SecretValues::load().await.unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(loaded.db_pass.expose_secret(), DB_PASS);
            assert_eq!(loaded.cert, BINARY);
            assert_eq!(loaded.api_token.expose_secret(), API_TOKEN);
            assert_eq!(loaded.api_url, "https://api.example");
            assert_eq!(loaded.api_token_again.expose_secret(), API_TOKEN);
            assert_eq!(loaded.current.expose_secret(), NEW_VALUE);
            assert_eq!(loaded.previous.expose_secret(), OLD_VALUE);
            assert_eq!(loaded.canary.expose_secret(), NEW_VALUE);
            assert!(loaded.none.is_none());
            assert!(loaded.unset.is_none());
            assert_no_aws_secret("Debug", &format!("{loaded:?}"));
            println!("loaded in the child");
        });
    };
    assert!(run.output.contains("loaded in the child"), "{}", run.output);
    // Every current version in one batch; the two staged versions one call each.
    assert_eq!(run.proxy.calls("BatchGetSecretValue"), 1);
    assert_eq!(run.proxy.calls("GetSecretValue"), 2);
    let batch = &run.proxy.bodies("BatchGetSecretValue")[0];
    assert_eq!(
        batch["SecretIdList"].as_array().unwrap().len(),
        7,
        "{batch}"
    );
    let mut stages: Vec<String> = run
        .proxy
        .bodies("GetSecretValue")
        .iter()
        .map(|b| b["VersionStage"].as_str().unwrap().to_owned())
        .collect();
    stages.sort();
    assert_eq!(stages, ["AWSPREVIOUS", "canary"]);
}

#[derive(Debug, Secrets)]
struct Parameters {
    #[ssm(name = "/app/plain")]
    plain: String,
    #[ssm(name = "/app/token")]
    token: SecretString,
    #[ssm(name = "/app/json", key = "token")]
    json_token: SecretString,
    #[ssm(name = "/app/versioned")]
    latest: SecretString,
    #[ssm(name = "/app/versioned:1")]
    first: SecretString,
    #[ssm(name = "/app/versioned:old")]
    labelled: SecretString,
    #[ssm(name_env = "VERSIONED_ARN")]
    by_arn: SecretString,
    #[ssm(name = "/app/none")]
    none: Option<String>,
    #[ssm(name = "/app/versioned:9")]
    no_such_version: Option<String>,
}

#[test]
fn parameters_by_name_selector_arn_and_absence_in_one_call() {
    let Some(run) = aws::parent(
        "parameters_by_name_selector_arn_and_absence_in_one_call",
        |setup| vec![("VERSIONED_ARN", Some(field(setup, "versioned_arn")))],
        |_| {},
    ) else {
        return aws::child(|_| async {
            let loaded = Parameters::load().await.unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(loaded.plain, "plain-value");
            assert_eq!(loaded.token.expose_secret(), SSM_TOKEN);
            assert_eq!(loaded.json_token.expose_secret(), API_TOKEN);
            assert_eq!(loaded.latest.expose_secret(), NEW_VALUE);
            assert_eq!(loaded.first.expose_secret(), OLD_VALUE);
            assert_eq!(loaded.labelled.expose_secret(), OLD_VALUE);
            assert_eq!(loaded.by_arn.expose_secret(), NEW_VALUE);
            assert_eq!(loaded.none, None);
            assert_eq!(loaded.no_such_version, None);
            assert_no_aws_secret("Debug", &format!("{loaded:?}"));
        });
    };
    assert_eq!(run.proxy.calls("GetParameters"), 1);
    let call = &run.proxy.bodies("GetParameters")[0];
    assert_eq!(call["Names"].as_array().unwrap().len(), 9, "{call}");
    assert_eq!(call["WithDecryption"], true, "{call}");
}

/// A struct of 25 fields of one kind, each its own secret or parameter.
macro_rules! many {
    ($name:ident, $kind:ident, $attr:ident, [$($field:ident = $id:tt),* $(,)?]) => {
        #[derive(Debug, Secrets)]
        struct $name {
            $(
                #[$kind($attr = $id)]
                $field: SecretString,
            )*
        }

        impl $name {
            fn values(&self) -> Vec<&str> {
                vec![$(self.$field.expose_secret()),*]
            }
        }
    };
}

many!(
    ManySecrets,
    aws_secret,
    id,
    [
        s00 = "batch/s00",
        s01 = "batch/s01",
        s02 = "batch/s02",
        s03 = "batch/s03",
        s04 = "batch/s04",
        s05 = "batch/s05",
        s06 = "batch/s06",
        s07 = "batch/s07",
        s08 = "batch/s08",
        s09 = "batch/s09",
        s10 = "batch/s10",
        s11 = "batch/s11",
        s12 = "batch/s12",
        s13 = "batch/s13",
        s14 = "batch/s14",
        s15 = "batch/s15",
        s16 = "batch/s16",
        s17 = "batch/s17",
        s18 = "batch/s18",
        s19 = "batch/s19",
        s20 = "batch/s20",
        s21 = "batch/s21",
        s22 = "batch/s22",
        s23 = "batch/s23",
        s24 = "batch/s24",
    ]
);

many!(
    ManyParameters,
    ssm,
    name,
    [
        p00 = "/batch/p00",
        p01 = "/batch/p01",
        p02 = "/batch/p02",
        p03 = "/batch/p03",
        p04 = "/batch/p04",
        p05 = "/batch/p05",
        p06 = "/batch/p06",
        p07 = "/batch/p07",
        p08 = "/batch/p08",
        p09 = "/batch/p09",
        p10 = "/batch/p10",
        p11 = "/batch/p11",
        p12 = "/batch/p12",
        p13 = "/batch/p13",
        p14 = "/batch/p14",
        p15 = "/batch/p15",
        p16 = "/batch/p16",
        p17 = "/batch/p17",
        p18 = "/batch/p18",
        p19 = "/batch/p19",
        p20 = "/batch/p20",
        p21 = "/batch/p21",
        p22 = "/batch/p22",
        p23 = "/batch/p23",
        p24 = "/batch/p24",
    ]
);

fn expected_many() -> Vec<String> {
    (0..MANY).map(|i| format!("{MANY_PREFIX}{i}")).collect()
}

/// How many names each call of `operation` carried, sorted.
fn sizes(run: &aws::Run, operation: &str, list: &str) -> Vec<usize> {
    let mut sizes: Vec<usize> = run
        .proxy
        .bodies(operation)
        .iter()
        .map(|b| b[list].as_array().unwrap().len())
        .collect();
    sizes.sort_unstable();
    sizes
}

#[test]
fn twenty_five_secrets_take_two_batch_calls() {
    let Some(run) = aws::parent("twenty_five_secrets_take_two_batch_calls", no_env, |_| {}) else {
        return aws::child(|_| async {
            let sources = Sources::builder().aws().retry(patient()).build();
            let loaded = ManySecrets::load_from(&sources).await.unwrap();
            assert_eq!(loaded.values(), expected_many());
        });
    };
    assert_eq!(run.proxy.calls("BatchGetSecretValue"), 2);
    assert_eq!(run.proxy.calls("GetSecretValue"), 0);
    assert_eq!(sizes(&run, "BatchGetSecretValue", "SecretIdList"), [5, 20]);
}

#[test]
fn twenty_five_parameters_take_three_calls() {
    let Some(run) = aws::parent("twenty_five_parameters_take_three_calls", no_env, |_| {}) else {
        return aws::child(|_| async {
            let sources = Sources::builder().aws().retry(patient()).build();
            let loaded = ManyParameters::load_from(&sources).await.unwrap();
            assert_eq!(loaded.values(), expected_many());
        });
    };
    assert_eq!(run.proxy.calls("GetParameters"), 3);
    assert_eq!(sizes(&run, "GetParameters", "Names"), [5, 10, 10]);
}

#[derive(Debug, Secrets)]
#[allow(dead_code)] // loaded only to fail
struct Denied {
    #[aws_secret(id = "prod/db-pass")]
    db_pass: SecretString,
    #[aws_secret(id_env = "API_ARN", key = "token")]
    api_token: SecretString,
    // a pinned stage is read with GetSecretValue, which the denial does not touch
    #[aws_secret(id = "prod/rotating", version_stage = "AWSPREVIOUS")]
    previous: SecretString,
    #[ssm(name = "/app/token")]
    token: SecretString,
}

/// A denied batch fails each of its secrets in words that name that secret alone (an id read
/// from an env var is said by its var), and the permissions both calls need.
#[test]
fn denied_batch_calls_fail_each_field_in_its_own_words() {
    let Some(run) = aws::parent(
        "denied_batch_calls_fail_each_field_in_its_own_words",
        arns,
        |proxy| {
            proxy.deny("BatchGetSecretValue");
            proxy.deny("GetParameters");
        },
    ) else {
        return aws::child(|_| async {
            let sources = Sources::builder().aws().retry(patient()).build();
            let err = Denied::load_from(&sources).await.unwrap_err();
            let shown = format!("{err} {err:?} {err:#}");
            assert_no_aws_secret("error", &shown);
            assert!(
                !shown.contains("prod/api"),
                "an env-held id is said by its var: {shown}"
            );
            assert!(err.field("previous").is_none(), "{err}");
            let db = err.field("db_pass").unwrap();
            assert_eq!(db.kind(), ErrorKind::PermissionDenied);
            assert!(
                db.message().starts_with(
                    "permission denied on secret prod/db-pass: the function's role needs secretsmanager:GetSecretValue on it, and secretsmanager:BatchGetSecretValue (on `*`), with which up to 20 secrets are read per call (AccessDeniedException: "
                ),
                "{db}"
            );
            let api = err.field("api_token").unwrap();
            assert!(
                api.message()
                    .starts_with("permission denied on secret named by env API_ARN:"),
                "{api}"
            );
            let token = err.field("token").unwrap();
            assert_eq!(token.kind(), ErrorKind::PermissionDenied);
            assert!(
                token.message().starts_with(
                    "permission denied on parameter /app/token: the function's role needs ssm:GetParameters on it, and kms:Decrypt on the key of a SecureString encrypted under a customer managed key (AccessDeniedException: "
                ),
                "{token}"
            );
        });
    };
    assert_eq!(
        run.proxy.calls("BatchGetSecretValue"),
        1,
        "a denial is not retried"
    );
    assert_eq!(run.proxy.calls("GetParameters"), 1);
    assert_eq!(run.proxy.calls("GetSecretValue"), 1);
}

#[test]
fn throttled_batch_calls_are_retried() {
    let Some(run) = aws::parent("throttled_batch_calls_are_retried", arns, |proxy| {
        proxy.throttle("BatchGetSecretValue", 1);
        proxy.throttle("GetParameters", 2);
    }) else {
        return aws::child(|_| async {
            let sources = Sources::builder().aws().retry(patient()).build();
            let loaded = Denied::load_from(&sources).await.unwrap();
            assert_eq!(loaded.db_pass.expose_secret(), DB_PASS);
            assert_eq!(loaded.token.expose_secret(), SSM_TOKEN);
        });
    };
    assert_eq!(run.proxy.calls("BatchGetSecretValue"), 2);
    assert_eq!(run.proxy.calls("GetParameters"), 3);
}
