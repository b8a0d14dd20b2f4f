//! The AWS tests' world: one moto server per test binary, the values it holds made once by
//! `tests/aws/setup.py` with boto3 (a client other than the SDK under test), and each test's
//! load in a child process whose environment points the AWS SDK at moto, through a proxy that
//! counts the requests.
//!
//! Why children: the SDK reads its region, credentials and endpoint from the process
//! environment, which Rust 2024 makes unsafe to change in a running test, and the loader's
//! own path to the clients (`SourcesBuilder::aws()`, `Sources::process()`) is what is under
//! test. So each test runs itself again with `AWS_ENDPOINT_URL` and static credentials set,
//! and the parent, which owns moto and the proxy, checks the counts after the child is done.

use std::future::Future;
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use secrets_runtime::RetryPolicy;
use secrets_wire_server::{AwsProxy, Moto};
use serde_json::{Value, json};

use super::child::{in_child, run_child};

/// The region everything is created in.
pub const REGION: &str = "us-east-1";
/// Where the setup's JSON reaches the child.
const SETUP_ENV: &str = "AWS_TEST_SETUP";

/// The values moto holds; no output may ever contain one of them.
pub const SIGNING_KEY: &str = "aws-signing-key-Tq3!Zm";
pub const KMS_TOKEN: &str = "kms-token-Rw8cJd";
pub const S3_PASSWORD: &str = "s3-password-Fz4kVn";
pub const BINARY: &[u8] = b"\x00\x01binary-cert-Nh7\xff";
pub const DB_PASS: &str = "aws-db-pass-Jm2xQe";
pub const API_TOKEN: &str = "aws-api-token-Ds9wLb";
pub const OLD_VALUE: &str = "old-value-Yt5pGa";
pub const NEW_VALUE: &str = "new-value-Kc1sHu";
pub const SSM_TOKEN: &str = "ssm-token-Ub6eMr";
/// The 25 secrets and 25 parameters of the batch tests hold this, then their number.
pub const MANY_PREFIX: &str = "many-value-Qo3z-";
/// How many of each the setup makes.
pub const MANY: usize = 25;
/// The size of `s3://BUCKET/large.bin`.
pub const LARGE_BYTES: usize = 2000;

/// The bucket of the S3 objects.
pub const BUCKET: &str = "cfg-bucket";
/// The encryption context of `with_context`, as an attribute writes it.
pub const CONTEXT: &str = "app=billing,stage=prod";
/// The plaintext of `json_blob`.
pub fn kms_json() -> String {
    json!({ "token": KMS_TOKEN, "user": "svc-user" }).to_string()
}
/// `s3://BUCKET/app1.json`.
pub fn s3_json() -> String {
    json!({ "username": "s3-user", "password": S3_PASSWORD, "port": 5432 }).to_string()
}
/// The JSON secret `prod/api` and the parameter `/app/json`.
pub fn api_json() -> String {
    json!({ "token": API_TOKEN, "url": "https://api.example" }).to_string()
}

/// Panics if `text` contains any value moto holds (or its base64), naming where it was found.
pub fn assert_no_aws_secret(what: &str, text: &str) {
    let binary = String::from_utf8_lossy(&BINARY[2..BINARY.len() - 1]).into_owned();
    for secret in [
        SIGNING_KEY,
        KMS_TOKEN,
        S3_PASSWORD,
        &binary,
        DB_PASS,
        API_TOKEN,
        OLD_VALUE,
        NEW_VALUE,
        SSM_TOKEN,
        MANY_PREFIX,
    ] {
        assert!(!text.contains(secret), "{what} leaks a secret: {text}");
        assert!(
            !text.contains(&super::b64(secret.as_bytes())),
            "{what} leaks a secret's base64: {text}"
        );
    }
}

/// Moto, and what the setup made in it.
pub struct World {
    pub moto: Moto,
    /// The setup script's JSON.
    pub setup: Value,
}

/// The binary's moto and its resources, made by the first test that needs them.
pub fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let moto = Moto::start();
        let setup = run_setup(&moto.endpoint());
        World { moto, setup }
    })
}

/// Runs `tests/aws/setup.py` against `endpoint` with `AWS_PYTHON` (set by scripts/lib/moto.sh).
fn run_setup(endpoint: &str) -> Value {
    let python = std::env::var_os("AWS_PYTHON").unwrap_or_else(|| {
        panic!(
            "AWS_PYTHON is not set: run the tests through `scripts/test`, or source scripts/lib/fake-gcs.sh and scripts/lib/moto.sh first"
        )
    });
    let values = json!({
        "context": CONTEXT,
        "signing_key": SIGNING_KEY,
        "kms_json": kms_json(),
        "bucket": BUCKET,
        "s3_json": s3_json(),
        "s3_binary": super::b64(BINARY),
        "large_bytes": LARGE_BYTES,
        "db_pass": DB_PASS,
        "api_json": api_json(),
        "rotating_old": OLD_VALUE,
        "rotating_new": NEW_VALUE,
        "many": MANY,
        "many_prefix": MANY_PREFIX,
        "ssm_plain": "plain-value",
        "ssm_token": SSM_TOKEN,
    });
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/aws/setup.py");
    let output = Command::new(python)
        .arg(script)
        .arg(endpoint)
        .env_clear()
        .env("AWS_REGION", REGION)
        .env("AWS_TEST_VALUES", values.to_string())
        .output()
        .expect("runs the setup script");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "tests/aws/setup.py failed:\n{stderr}"
    );
    serde_json::from_slice(&output.stdout).expect("the setup script prints JSON")
}

/// A test's child, seen from the parent: the proxy the child's requests went through, and
/// what the child printed.
pub struct Run {
    /// Dropped before the runtime that serves it.
    pub proxy: AwsProxy,
    pub output: String,
    _runtime: tokio::runtime::Runtime,
}

/// The environment of a function on AWS, pointed at `endpoint`: static credentials, the
/// region, no instance metadata service, no profile files.
pub fn sdk_env(endpoint: &str) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ACCESS_KEY_ID", "testing".to_owned()),
        ("AWS_SECRET_ACCESS_KEY", "testing".to_owned()),
        ("AWS_REGION", REGION.to_owned()),
        ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
        ("AWS_CONFIG_FILE", "/nonexistent/aws-config".to_owned()),
        (
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/aws-credentials".to_owned(),
        ),
        ("AWS_ENDPOINT_URL", endpoint.to_owned()),
    ]
}

/// The variables a test adds to the child's environment, from the setup's JSON: a name
/// without a value removes that variable.
pub type ExtraEnv = Vec<(&'static str, Option<String>)>;

/// A value of [`ExtraEnv`] that [`parent`] replaces with the proxy's endpoint, which the
/// test cannot know when it names its variables.
pub const PROXY_ENDPOINT: &str = "<the proxy's endpoint>";

/// No variables beyond [`sdk_env`].
pub fn no_env(_: &Value) -> ExtraEnv {
    Vec::new()
}

/// In the parent: runs test `name` again as a child with [`sdk_env`] pointed at a fresh
/// proxy in front of moto, `prepare` applied to the proxy first and `env` added, and returns
/// the run once the child succeeded and printed no value. In the child: `None`, and the test
/// goes on to [`child`].
pub fn parent(
    name: &str,
    env: impl FnOnce(&Value) -> ExtraEnv,
    prepare: impl FnOnce(&AwsProxy),
) -> Option<Run> {
    if in_child() {
        return None;
    }
    let world = world();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let proxy = runtime.block_on(AwsProxy::start(&world.moto.endpoint()));
    prepare(&proxy);
    let mut vars = sdk_env(&proxy.endpoint());
    vars.push((SETUP_ENV, world.setup.to_string()));
    for (var, value) in env(&world.setup) {
        vars.retain(|(known, _)| *known != var);
        if let Some(value) = value {
            let value = if value == PROXY_ENDPOINT {
                proxy.endpoint()
            } else {
                value
            };
            vars.push((var, value));
        }
    }
    // The proxy answers from `runtime`'s worker while this thread waits for the child.
    let output = run_child(name, &vars);
    assert_no_aws_secret("child output", &output);
    Some(Run {
        proxy,
        output,
        _runtime: runtime,
    })
}

/// In the child: runs `body` with the setup's JSON on a runtime of its own.
pub fn child<F, Fut>(body: F)
where
    F: FnOnce(Value) -> Fut,
    Fut: Future<Output = ()>,
{
    let setup = std::env::var(SETUP_ENV).expect("the parent passes the setup");
    let setup: Value = serde_json::from_str(&setup).unwrap();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(body(setup));
}

/// `setup[key]` as a string.
pub fn field(setup: &Value, key: &str) -> String {
    setup[key]
        .as_str()
        .unwrap_or_else(|| panic!("the setup has no {key}"))
        .to_owned()
}

/// Retries quick enough for a test of throttling, and a deadline generous enough for moto on
/// a busy two-core machine.
pub fn patient() -> RetryPolicy {
    RetryPolicy::default()
        .with_deadline(Duration::from_secs(20))
        .with_attempt_timeout(Duration::from_secs(10))
        .with_backoff(Duration::from_millis(20), Duration::from_millis(100))
}
