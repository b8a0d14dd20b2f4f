//! The AWS row: 32 secrets over AWS KMS, S3, Secrets Manager and Parameter Store, loaded by
//! the derive and by a one-call-per-secret loop with the same SDK clients, against moto's
//! server behind [`AwsProxy`], which adds the latency and counts the requests.
//!
//! The lists below describe what the struct reads; the values in moto (made by boto3, in
//! `aws_setup.py`) and the requests per load are made from them, not from the loader.

use std::collections::HashMap;
use std::process::Command;
use std::time::Duration;

use aws_config::{BehaviorVersion, Region, SdkConfig, retry::RetryConfig};
use aws_sdk_kms::config::Credentials;
use aws_sdk_kms::primitives::Blob;
use aws_sdk_s3::types::ChecksumMode;
use base64::prelude::*;
use secrets_runtime::{SecretString, Secrets};
use secrets_wire_server::{AwsProxy, Moto};

use crate::json_object;
use crate::mixed::Keyed;

const REGION: &str = "us-east-1";
const BUCKET: &str = "bench-aws";

/// `#[aws_kms]` fields: the env var holding each ciphertext.
pub const CIPHERTEXTS: &[&str] = &[
    "AWS_CT0", "AWS_CT1", "AWS_CT2", "AWS_CT3", "AWS_CT4", "AWS_CT5", "AWS_CT6", "AWS_CT7",
];
/// `#[s3]` fields: JSON objects of [`BUCKET`] and the keys fields pick.
pub const OBJECTS: &[Keyed] = &[
    ("aws-obj0", &["k0", "k1", "k2", "k3"]),
    ("aws-obj1", &["k4", "k5", "k6", "k7"]),
];
/// `#[aws_secret]` fields: a secret each, its current version.
pub const SECRETS: &[&str] = &[
    "bench/secret0",
    "bench/secret1",
    "bench/secret2",
    "bench/secret3",
    "bench/secret4",
    "bench/secret5",
    "bench/secret6",
    "bench/secret7",
];
/// `#[ssm]` fields: a `SecureString` parameter each.
pub const PARAMETERS: &[&str] = &[
    "/bench/param0",
    "/bench/param1",
    "/bench/param2",
    "/bench/param3",
    "/bench/param4",
    "/bench/param5",
    "/bench/param6",
    "/bench/param7",
];

/// `BatchGetSecretValue` takes up to 20 ids, `GetParameters` up to 10 names.
const SECRETS_PER_BATCH: usize = 20;
const PARAMETERS_PER_BATCH: usize = 10;

/// 32 secrets over the four AWS sources.
#[derive(Secrets)]
#[allow(dead_code)] // loaded to be timed, never read
pub struct AwsMixed {
    #[aws_kms(env = "AWS_CT0")]
    k0: SecretString,
    #[aws_kms(env = "AWS_CT1")]
    k1: SecretString,
    #[aws_kms(env = "AWS_CT2")]
    k2: SecretString,
    #[aws_kms(env = "AWS_CT3")]
    k3: SecretString,
    #[aws_kms(env = "AWS_CT4")]
    k4: SecretString,
    #[aws_kms(env = "AWS_CT5")]
    k5: SecretString,
    #[aws_kms(env = "AWS_CT6")]
    k6: SecretString,
    #[aws_kms(env = "AWS_CT7")]
    k7: SecretString,
    #[s3(object = "aws-obj0", key = "k0")]
    o0: SecretString,
    #[s3(object = "aws-obj0", key = "k1")]
    o1: SecretString,
    #[s3(object = "aws-obj0", key = "k2")]
    o2: SecretString,
    #[s3(object = "aws-obj0", key = "k3")]
    o3: SecretString,
    #[s3(object = "aws-obj1", key = "k4")]
    o4: SecretString,
    #[s3(object = "aws-obj1", key = "k5")]
    o5: SecretString,
    #[s3(object = "aws-obj1", key = "k6")]
    o6: SecretString,
    #[s3(object = "aws-obj1", key = "k7")]
    o7: SecretString,
    #[aws_secret(id = "bench/secret0")]
    s0: SecretString,
    #[aws_secret(id = "bench/secret1")]
    s1: SecretString,
    #[aws_secret(id = "bench/secret2")]
    s2: SecretString,
    #[aws_secret(id = "bench/secret3")]
    s3: SecretString,
    #[aws_secret(id = "bench/secret4")]
    s4: SecretString,
    #[aws_secret(id = "bench/secret5")]
    s5: SecretString,
    #[aws_secret(id = "bench/secret6")]
    s6: SecretString,
    #[aws_secret(id = "bench/secret7")]
    s7: SecretString,
    #[ssm(name = "/bench/param0")]
    p0: SecretString,
    #[ssm(name = "/bench/param1")]
    p1: SecretString,
    #[ssm(name = "/bench/param2")]
    p2: SecretString,
    #[ssm(name = "/bench/param3")]
    p3: SecretString,
    #[ssm(name = "/bench/param4")]
    p4: SecretString,
    #[ssm(name = "/bench/param5")]
    p5: SecretString,
    #[ssm(name = "/bench/param6")]
    p6: SecretString,
    #[ssm(name = "/bench/param7")]
    p7: SecretString,
}

/// The struct's fields.
pub fn fields() -> usize {
    CIPHERTEXTS.len()
        + OBJECTS.iter().map(|(_, keys)| keys.len()).sum::<usize>()
        + SECRETS.len()
        + PARAMETERS.len()
}

/// The requests a load needs: a `Decrypt` per ciphertext, a `GetObject` per object, and the
/// secrets and parameters in full batches.
pub fn floor() -> usize {
    CIPHERTEXTS.len()
        + OBJECTS.len()
        + SECRETS.len().div_ceil(SECRETS_PER_BATCH)
        + PARAMETERS.len().div_ceil(PARAMETERS_PER_BATCH)
}

/// The requests of the one-call-per-secret loop: a call per ciphertext, secret and parameter,
/// and a `GetObject` per object (its keys picked from one read, to be fair to it).
pub fn one_by_one() -> usize {
    CIPHERTEXTS.len() + OBJECTS.len() + SECRETS.len() + PARAMETERS.len()
}

/// Moto's server, the proxy in front of it, the SDK config that reaches it through the proxy,
/// and the env of [`AwsMixed`].
pub struct AwsWorld {
    _moto: Moto,
    pub proxy: AwsProxy,
    pub config: SdkConfig,
    pub env: HashMap<String, String>,
}

impl AwsWorld {
    /// Starts moto (`MOTO_SERVER`, set by `scripts/lib/moto.sh`) and the proxy, and fills
    /// moto with boto3 (`AWS_PYTHON`).
    pub async fn start() -> AwsWorld {
        let moto = Moto::start();
        let proxy = AwsProxy::start(&moto.endpoint()).await;
        let mut env = setup(&moto.endpoint());
        env.insert("S3_BUCKET".into(), BUCKET.into());
        let config = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(REGION))
            .credentials_provider(Credentials::new("testing", "testing", None, None, "bench"))
            .endpoint_url(proxy.endpoint())
            .retry_config(RetryConfig::disabled())
            .load()
            .await;
        AwsWorld {
            _moto: moto,
            proxy,
            config,
            env,
        }
    }

    /// Requests the proxy has seen so far.
    pub fn requests(&self) -> usize {
        self.proxy.operations().len()
    }

    /// For the last `n` requests: how far apart they reached the proxy (how close to at once
    /// they left), and how long after the first arrived the last reply left the proxy (the
    /// latency, and what moto, one Python process, took to answer them all).
    pub fn timeline(&self, n: usize) -> (Duration, Duration) {
        let arrivals = self.proxy.arrivals();
        let arrivals = &arrivals[arrivals.len() - n..];
        let replies = self.proxy.relayed();
        let last_reply = replies[replies.len() - 1];
        (arrivals[n - 1] - arrivals[0], last_reply - arrivals[0])
    }
}

fn plaintext(name: &str) -> String {
    format!("aws-value-{name}")
}

/// Runs `aws_setup.py` against `endpoint`; returns the ciphertexts' env.
fn setup(endpoint: &str) -> HashMap<String, String> {
    let python = std::env::var_os("AWS_PYTHON")
        .expect("AWS_PYTHON is not set: run the benchmark with `scripts/bench boot`");
    let by_name = |names: &[&str]| -> HashMap<String, String> {
        names
            .iter()
            .map(|n| ((*n).to_owned(), plaintext(n)))
            .collect()
    };
    let objects: HashMap<&str, String> = OBJECTS
        .iter()
        .map(|(name, keys)| {
            let text = String::from_utf8(json_object(name, *keys)).unwrap();
            (*name, text)
        })
        .collect();
    let values = serde_json::json!({
        "region": REGION,
        "ciphertexts": by_name(CIPHERTEXTS),
        "bucket": BUCKET,
        "objects": objects,
        "secrets": by_name(SECRETS),
        "parameters": by_name(PARAMETERS),
    });
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/boot/aws_setup.py");
    let output = Command::new(python)
        .arg(script)
        .arg(endpoint)
        .env_clear()
        .env("AWS_BENCH_VALUES", values.to_string())
        .output()
        .expect("runs aws_setup.py");
    assert!(
        output.status.success(),
        "aws_setup.py failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("aws_setup.py prints JSON")
}

/// The one-call-per-secret loop, with the SDK's own clients on the same config.
pub struct AwsBaseline {
    kms: aws_sdk_kms::Client,
    s3: aws_sdk_s3::Client,
    secrets: aws_sdk_secretsmanager::Client,
    ssm: aws_sdk_ssm::Client,
}

impl AwsBaseline {
    pub fn connect(config: &SdkConfig) -> AwsBaseline {
        // moto serves S3 path-style only, as the runtime's client asks for it against an
        // endpoint override.
        let s3 = aws_sdk_s3::config::Builder::from(config)
            .force_path_style(true)
            .build();
        AwsBaseline {
            kms: aws_sdk_kms::Client::new(config),
            s3: aws_sdk_s3::Client::from_conf(s3),
            secrets: aws_sdk_secretsmanager::Client::new(config),
            ssm: aws_sdk_ssm::Client::new(config),
        }
    }

    /// Every secret of [`AwsMixed`], one call after another.
    pub async fn load(&self, env: &HashMap<String, String>) -> Vec<String> {
        let mut values = Vec::with_capacity(fields());
        for var in CIPHERTEXTS {
            let blob = BASE64_STANDARD.decode(&env[*var]).expect("base64");
            let reply = self.kms.decrypt().ciphertext_blob(Blob::new(blob));
            let plaintext = reply.send().await.expect("Decrypt").plaintext.unwrap();
            values.push(String::from_utf8(plaintext.into_inner()).unwrap());
        }
        for (name, keys) in OBJECTS {
            let reply = self.s3.get_object().bucket(&env["S3_BUCKET"]).key(*name);
            let reply = reply.checksum_mode(ChecksumMode::Enabled).send().await;
            let body = reply.expect("GetObject").body.collect().await.unwrap();
            let object: serde_json::Value = serde_json::from_slice(&body.into_bytes()).unwrap();
            values.extend(keys.iter().map(|k| object[*k].as_str().unwrap().to_owned()));
        }
        for id in SECRETS {
            let reply = self.secrets.get_secret_value().secret_id(*id).send().await;
            values.push(reply.expect("GetSecretValue").secret_string.unwrap());
        }
        for name in PARAMETERS {
            let reply = self.ssm.get_parameter().name(*name).with_decryption(true);
            let parameter = reply.send().await.expect("GetParameter").parameter.unwrap();
            values.push(parameter.value.unwrap());
        }
        values
    }
}
