//! Secrets Manager and Parameter Store fields are read many per call: Parameter Store 10 names
//! a `GetParameters` call, Secrets Manager 20 a `BatchGetSecretValue` call, every call of a
//! load at once. A call that fails transiently is retried; one that fails for good fails the
//! fields of its group only.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::quick;
use secrets_runtime::memory::{MemoryAwsSecrets, MemoryParameters};
use secrets_runtime::{
    AwsParameterStore, AwsSecretStore, BackendError, BatchReply, BoxFuture, ErrorKind,
    SecretVersion, Secrets, Sources,
};
use tokio::sync::Barrier;

/// A struct of `String` fields, each read from its own parameter or secret.
macro_rules! each_from {
    ($name:ident, $kind:ident($key:ident) { $($field:ident = $value:literal,)* }) => {
        #[derive(Secrets)]
        #[allow(dead_code)]
        struct $name {
            $(#[$kind($key = $value)] $field: String,)*
        }
    };
}

each_from!(Params, ssm(name) {
    p01 = "/app/p01", p02 = "/app/p02", p03 = "/app/p03", p04 = "/app/p04", p05 = "/app/p05",
    p06 = "/app/p06", p07 = "/app/p07", p08 = "/app/p08", p09 = "/app/p09", p10 = "/app/p10",
    p11 = "/app/p11", p12 = "/app/p12", p13 = "/app/p13", p14 = "/app/p14", p15 = "/app/p15",
    p16 = "/app/p16", p17 = "/app/p17", p18 = "/app/p18", p19 = "/app/p19", p20 = "/app/p20",
    p21 = "/app/p21", p22 = "/app/p22", p23 = "/app/p23", p24 = "/app/p24", p25 = "/app/p25",
});

each_from!(SecretsOf25, aws_secret(id) {
    s01 = "app/s01", s02 = "app/s02", s03 = "app/s03", s04 = "app/s04", s05 = "app/s05",
    s06 = "app/s06", s07 = "app/s07", s08 = "app/s08", s09 = "app/s09", s10 = "app/s10",
    s11 = "app/s11", s12 = "app/s12", s13 = "app/s13", s14 = "app/s14", s15 = "app/s15",
    s16 = "app/s16", s17 = "app/s17", s18 = "app/s18", s19 = "app/s19", s20 = "app/s20",
    s21 = "app/s21", s22 = "app/s22", s23 = "app/s23", s24 = "app/s24", s25 = "app/s25",
});

fn parameters() -> MemoryParameters {
    let ssm = MemoryParameters::new();
    for i in 1..=25 {
        ssm.insert(&format!("/app/p{i:02}"), format!("value-{i:02}"));
    }
    ssm
}

fn secrets() -> MemoryAwsSecrets {
    let sm = MemoryAwsSecrets::new();
    for i in 1..=25 {
        sm.put(&format!("app/s{i:02}"), format!("value-{i:02}"));
    }
    sm
}

/// A store that answers a call only once `barrier` has as many calls waiting as it has
/// parties: a load that sent its calls one after another would never get past the first.
struct Gated<T> {
    inner: T,
    barrier: Arc<Barrier>,
}

impl AwsParameterStore for Gated<MemoryParameters> {
    fn get_many<'a>(
        &'a self,
        names: &'a [&'a str],
        max_bytes: usize,
    ) -> BoxFuture<'a, Result<Vec<BatchReply>, BackendError>> {
        Box::pin(async move {
            self.barrier.wait().await;
            self.inner.get_many(names, max_bytes).await
        })
    }
}

impl AwsSecretStore for Gated<MemoryAwsSecrets> {
    fn get_many<'a>(
        &'a self,
        secrets: &'a [SecretVersion<'a>],
        max_bytes: usize,
    ) -> BoxFuture<'a, Result<Vec<BatchReply>, BackendError>> {
        Box::pin(async move {
            self.barrier.wait().await;
            self.inner.get_many(secrets, max_bytes).await
        })
    }
}

/// The sizes of the calls a store recorded, largest first (the calls race each other).
fn sizes(calls: &[Vec<String>]) -> Vec<usize> {
    let mut sizes: Vec<usize> = calls.iter().map(Vec::len).collect();
    sizes.sort_unstable_by(|a, b| b.cmp(a));
    sizes
}

/// Awaits a load, turning a deadlock (calls sent one at a time) into a failure.
async fn in_time<T>(load: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(30), load)
        .await
        .expect("the calls were not all in flight at once")
}

#[tokio::test]
async fn twenty_five_parameters_are_three_calls_of_10_10_and_5_sent_at_once() {
    let ssm = parameters();
    let sources = Sources::builder()
        .parameters(Gated {
            inner: ssm.clone(),
            barrier: Arc::new(Barrier::new(3)),
        })
        .build();
    let params = in_time(Params::load_from(&sources)).await.unwrap();
    assert_eq!(
        (params.p01.as_str(), params.p25.as_str()),
        ("value-01", "value-25")
    );
    assert_eq!(params.p13, "value-13");
    let calls = ssm.calls();
    assert_eq!(sizes(&calls), [10, 10, 5]);
    let mut names: Vec<String> = calls.into_iter().flatten().collect();
    names.sort();
    let expected: Vec<String> = (1..=25).map(|i| format!("/app/p{i:02}")).collect();
    assert_eq!(names, expected, "each name once");
}

#[tokio::test]
async fn twenty_five_secrets_are_two_calls_of_20_and_5_sent_at_once() {
    let sm = secrets();
    let sources = Sources::builder()
        .aws_secrets(Gated {
            inner: sm.clone(),
            barrier: Arc::new(Barrier::new(2)),
        })
        .build();
    let loaded = in_time(SecretsOf25::load_from(&sources)).await.unwrap();
    assert_eq!(
        (loaded.s01.as_str(), loaded.s25.as_str()),
        ("value-01", "value-25")
    );
    assert_eq!(sizes(&sm.calls()), [20, 5]);
}

#[derive(Secrets)]
struct Shared {
    #[aws_secret(id = "prod/db", key = "user")]
    user: String,
    #[aws_secret(id = "prod/db", key = "password")]
    password: String,
    #[aws_secret(id = "prod/db")]
    whole: String,
    #[aws_secret(id_env = "DB_SECRET_ID", key = "port")]
    port: u16,
    #[aws_secret(id = "prod/db", version_stage = "AWSCURRENT", key = "user")]
    current_user: String,
    #[aws_secret(id = "prod/db", version_stage = "AWSPREVIOUS", key = "user")]
    previous_user: String,
    #[ssm(name = "/prod/cfg", key = "a")]
    a: String,
    #[ssm(name = "/prod/cfg", key = "b")]
    b: String,
    #[ssm(name_env = "CFG_PARAMETER")]
    whole_cfg: String,
}

#[tokio::test]
async fn fields_that_name_the_same_secret_or_parameter_share_one_request() {
    let db = r#"{"user":"svc","password":"pw-Zq","port":5432}"#;
    let sm = MemoryAwsSecrets::new()
        .with_string("prod/db", r#"{"user":"old-svc"}"#)
        .with_string("prod/db", db);
    let ssm = MemoryParameters::new().with_parameter("/prod/cfg", r#"{"a":"1","b":"2"}"#);
    let sources = Sources::builder()
        .env([("DB_SECRET_ID", "prod/db"), ("CFG_PARAMETER", "/prod/cfg")])
        .aws_secrets(sm.clone())
        .parameters(ssm.clone())
        .build();
    let shared = Shared::load_from(&sources).await.unwrap();
    assert_eq!((shared.user.as_str(), shared.whole.as_str()), ("svc", db));
    assert_eq!((shared.password.as_str(), shared.port), ("pw-Zq", 5432));
    assert_eq!(
        (shared.current_user.as_str(), shared.previous_user.as_str()),
        ("svc", "old-svc")
    );
    assert_eq!((shared.a.as_str(), shared.b.as_str()), ("1", "2"));
    assert_eq!(shared.whole_cfg, r#"{"a":"1","b":"2"}"#);
    // Three fields of the current version by the literal id: one request. The same version
    // by the id an env var holds is another (its messages name the var), `AWSCURRENT`
    // named is another, and the previous version another: four in one call.
    assert_eq!(sm.calls(), [["prod/db", "prod/db", "prod/db", "prod/db"]]);
    assert_eq!(ssm.calls(), [["/prod/cfg", "/prod/cfg"]]);
}

/// A parameter store that fails some calls: the first `transient` calls of all with
/// `Unavailable`, and every call that carries `denied` with `PermissionDenied`.
struct Faulty {
    inner: MemoryParameters,
    transient: usize,
    denied: &'static str,
    calls: AtomicUsize,
}

impl AwsParameterStore for Faulty {
    fn get_many<'a>(
        &'a self,
        names: &'a [&'a str],
        max_bytes: usize,
    ) -> BoxFuture<'a, Result<Vec<BatchReply>, BackendError>> {
        let call = self.calls.fetch_add(1, Ordering::SeqCst);
        if call < self.transient {
            let why = BackendError::new(ErrorKind::Unavailable, "throttled: rate exceeded");
            return Box::pin(std::future::ready(Err(why)));
        }
        if names.contains(&self.denied) {
            let why = BackendError::new(
                ErrorKind::PermissionDenied,
                "access denied to one of the parameters",
            );
            return Box::pin(std::future::ready(Err(why)));
        }
        self.inner.get_many(names, max_bytes)
    }
}

#[tokio::test]
async fn a_call_that_fails_transiently_is_sent_again() {
    let ssm = parameters();
    let faulty = Arc::new(Faulty {
        inner: ssm.clone(),
        transient: 2,
        denied: "",
        calls: AtomicUsize::new(0),
    });
    let sources = Sources::builder()
        .backend::<secrets_runtime::family::ParameterStore>(faulty.clone())
        .retry(quick())
        .build();
    let params = Params::load_from(&sources).await.unwrap();
    assert_eq!(params.p25, "value-25");
    // Three groups; two calls failed and were sent again: five calls, three answered.
    assert_eq!(faulty.calls.load(Ordering::SeqCst), 5);
    assert_eq!(sizes(&ssm.calls()), [10, 10, 5]);
}

#[tokio::test]
async fn a_call_that_fails_for_good_fails_the_fields_of_its_group_only() {
    let faulty = Faulty {
        inner: parameters(),
        transient: 0,
        denied: "/app/p13",
        calls: AtomicUsize::new(0),
    };
    let sources = Sources::builder().parameters(faulty).retry(quick()).build();
    let err = Params::load_from(&sources).await.err().expect("fails");
    // Requests are grouped in the order fields first make them: p11 to p20 are the second
    // group, the one that carries p13.
    let failed: Vec<&str> = err
        .fields()
        .iter()
        .map(secrets_runtime::FieldError::field)
        .collect();
    let expected: Vec<String> = (11..=20).map(|i| format!("p{i}")).collect();
    assert_eq!(failed, expected);
    for field in err.fields() {
        assert_eq!(field.kind(), ErrorKind::PermissionDenied);
        assert_eq!(
            field.message(),
            "access denied to one of the parameters; the caller needs ssm:GetParameters on it"
        );
    }
}
