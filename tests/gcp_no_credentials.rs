//! No credentials at all, as on a developer's machine that never ran gcloud's login: the
//! production path (`Config::load()` with the sources the environment selects) must fail at
//! once, without retrying, with [`ErrorKind::Unconfigured`] and a hint that says what to do.
//! Application Default Credentials then fall back to the metadata server, which is not there:
//! either its name does not resolve (off Google Cloud) or `GCE_METADATA_HOST` points at a
//! port nothing listens on.
//!
//! Each load runs in a child with an environment of its own (see `common::child`): `HOME` an
//! empty directory (no gcloud login), no `GOOGLE_APPLICATION_CREDENTIALS`.

#![cfg(feature = "gcp")]

mod common;

use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::child::{in_child, run_child};
use common::{KEY, b64};
use secrets_runtime::gcp::CREDENTIALS_ENV;
use secrets_runtime::{ErrorKind, SecretString, Secrets};

#[derive(Debug, Secrets)]
#[expect(dead_code, reason = "never loaded: every field fails")]
struct Config {
    #[kms]
    db_pass: SecretString,
    #[kms(env = "API_TOKEN_CT")]
    api_token: SecretString,
    #[gcs(bucket = "certs", object = "tls.pem")]
    cert: Vec<u8>,
    #[secret_manager(secret = "db-pass")]
    sm_pass: SecretString,
    #[secret_manager(secret = "api", location = "europe-west1", key = "token")]
    sm_token: SecretString,
}

const FIELDS: [&str; 5] = ["db_pass", "api_token", "cert", "sm_pass", "sm_token"];

/// Far below the 10 s load deadline that retries would run into, and far above what failing at
/// once takes on a slow, shared machine.
const AT_ONCE: Duration = Duration::from_secs(5);

#[test]
fn no_metadata_server_name_is_unconfigured_at_once_with_a_hint() {
    if in_child() {
        return load_in_child();
    }
    run_without_credentials(
        "no_metadata_server_name_is_unconfigured_at_once_with_a_hint",
        &[],
    );
}

#[test]
fn a_closed_metadata_port_is_unconfigured_at_once_with_a_hint() {
    if in_child() {
        return load_in_child();
    }
    // A port that was free a moment ago: nothing listens there now.
    let closed = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .unwrap();
    run_without_credentials(
        "a_closed_metadata_port_is_unconfigured_at_once_with_a_hint",
        &[("GCE_METADATA_HOST", closed.to_string())],
    );
}

/// The control: a metadata server that is there but fails every token request (a 503) is an
/// outage, retried until the load's deadline, not a missing configuration.
#[test]
fn a_failing_metadata_server_is_retried_until_the_deadline() {
    if in_child() {
        return retried_in_child();
    }
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let host = listener.local_addr().unwrap().to_string();
    let requests = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&requests);
    // Left running when the test ends: the process ends with it.
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut request = [0; 4096];
            let read = stream.read(&mut request).unwrap_or(0);
            // A probe that only connects sends nothing: not a request.
            if request[..read].starts_with(b"GET ") {
                counted.fetch_add(1, Ordering::SeqCst);
                let _ = stream.write_all(
                    b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                );
            }
        }
    });
    run_without_credentials(
        "a_failing_metadata_server_is_retried_until_the_deadline",
        &[("GCE_METADATA_HOST", host)],
    );
    let requests = requests.load(Ordering::SeqCst);
    assert!(
        requests > FIELDS.len(),
        "{requests} token requests: no retry"
    );
}

/// The control's child: every field fails as an outage, at the deadline.
fn retried_in_child() {
    let err = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(Config::load())
        .expect_err("no token, no secrets");
    println!("{err}");
    for field in FIELDS {
        let failed = err.field(field).unwrap();
        assert_eq!(failed.kind(), ErrorKind::Unavailable, "{failed}");
        assert!(
            failed
                .message()
                .starts_with("gave up at the load deadline (10 s) after "),
            "{failed}"
        );
        assert!(!failed.message().contains("SECRETS_LOCAL_DIR"), "{failed}");
    }
    println!("done in the child");
}

/// Runs test `name` in a child with no credentials anywhere, plus `extra`.
fn run_without_credentials(name: &str, extra: &[(&str, String)]) {
    let home = tempfile::tempdir().unwrap();
    let mut env = vec![
        ("HOME", home.path().display().to_string()),
        (CREDENTIALS_ENV, "adc".to_owned()),
        ("GOOGLE_CLOUD_PROJECT", "app-project".to_owned()),
        ("KMS_CRYPTO_KEY_ID", KEY.to_owned()),
        // Never decrypted: no request gets that far.
        ("DB_PASS", b64(b"not a real ciphertext")),
        ("API_TOKEN_CT", b64(b"not one either")),
    ];
    env.extend(extra.iter().cloned());
    let output = run_child(name, &env);
    // What a developer would see, for `--nocapture`.
    println!("{output}");
    assert!(output.contains("done in the child"), "{output}");
}

/// The child: the load fails for every field, at once, with the hint.
fn load_in_child() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let started = Instant::now();
    let err = runtime
        .block_on(Config::load())
        .expect_err("no credentials, no secrets");
    let took = started.elapsed();
    println!("the load failed after {took:?}:\n{err}");
    for field in FIELDS {
        let failed = err
            .field(field)
            .unwrap_or_else(|| panic!("{field} did not fail: {err}"));
        let message = failed.message();
        assert_eq!(failed.kind(), ErrorKind::Unconfigured, "{failed}");
        for hint in [
            "gcloud auth application-default login",
            "GOOGLE_APPLICATION_CREDENTIALS",
            "SECRETS_LOCAL_DIR",
        ] {
            assert!(
                message.contains(hint),
                "{field} does not say {hint}: {failed}"
            );
        }
        for retried in ["attempt", "deadline", "this time"] {
            assert!(!message.contains(retried), "{field} was retried: {failed}");
        }
    }
    assert!(took < AT_ONCE, "the load took {took:?}: {err}");
    // One cause, said once: a line with every field, then its message.
    let shown = err.to_string();
    assert_eq!(shown.lines().count(), 2, "{shown}");
    assert_eq!(
        shown
            .matches("gcloud auth application-default login")
            .count(),
        1,
        "{shown}"
    );
    println!("done in the child");
}
