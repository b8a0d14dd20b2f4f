//! `#[gcs]` through Google's official Cloud Storage client, over real HTTP, against the
//! `fake-gcs-server` emulator, and through a fault-injecting proxy in front of it.

#![cfg(feature = "gcp")]
// Structs whose load fails on purpose: their fields are never read.
#![allow(dead_code)]

mod common;

use std::path::Path;
use std::time::Duration;

use common::{APP_PASSWORD, BUCKET, CERT, assert_no_secret, failure};
use secrets_runtime::{ErrorKind, ExposeSecret, RetryPolicy, SecretString, Secrets, Sources};
use secrets_wire_server::{FakeGcs, Fault, GcsProxy};

#[derive(Debug, Secrets)]
struct Config {
    #[gcs(object = "app1", key = "username")]
    username: String,
    #[gcs(object = "app1", key = "password")]
    password: SecretString,
    #[gcs(object = "app1", key = "port")]
    port: u16,
    #[gcs(bucket = "certs", object = "tls/server.pem")]
    cert: Vec<u8>,
    #[gcs(bucket = "certs", object = "tls/missing.pem")]
    extra: Option<Vec<u8>>,
}

/// The emulator's data directory: `<bucket>/<object>` files, as `-data` serves them.
fn seed(dir: &Path, objects: &[(&str, &str, &[u8])]) {
    for (bucket, object, bytes) in objects {
        let path = dir.join(bucket).join(object);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
}

fn app1() -> String {
    format!(r#"{{"username":"my-user","password":"{APP_PASSWORD}","port":5432}}"#)
}

/// The emulator with the seed objects, and a proxy in front of it.
async fn servers(extra: &[(&str, &str, &[u8])]) -> (tempfile::TempDir, FakeGcs, GcsProxy) {
    let dir = tempfile::tempdir().unwrap();
    let app1 = app1();
    seed(
        dir.path(),
        &[
            (BUCKET, "app1", app1.as_bytes()),
            ("certs", "tls/server.pem", CERT),
        ],
    );
    seed(dir.path(), extra);
    let gcs = FakeGcs::start(dir.path()).await;
    let proxy = GcsProxy::start(&gcs.endpoint()).await;
    (dir, gcs, proxy)
}

fn through(proxy: &GcsProxy) -> Sources {
    Sources::builder()
        .env([("STORAGE_BUCKET", BUCKET)])
        .storage_endpoint(proxy.endpoint())
        .retry(
            RetryPolicy::default()
                .with_deadline(Duration::from_secs(3))
                .with_attempt_timeout(Duration::from_secs(1))
                .with_backoff(Duration::from_millis(20), Duration::from_millis(100)),
        )
        .build()
}

#[derive(Debug, Secrets)]
struct Missing {
    #[gcs(object = "nope", key = "k")]
    nope: String,
}

#[derive(Debug, Secrets)]
struct Big {
    #[gcs(object = "big")]
    big: Vec<u8>,
}

#[derive(Debug, Secrets)]
struct Bad {
    #[gcs(object = "text", key = "password")]
    password: SecretString,
    #[gcs(object = "app1", key = "email")]
    email: String,
}

#[tokio::test]
async fn reads_each_object_once_through_the_official_client() {
    let (_dir, gcs, proxy) = servers(&[]).await;
    // Straight at the emulator, as STORAGE_EMULATOR_HOST gives it: host:port, no scheme.
    let host = gcs.endpoint().trim_start_matches("http://").to_owned();
    let direct = Sources::builder()
        .env([("STORAGE_BUCKET", BUCKET)])
        .storage_endpoint(host)
        .build();
    let config = Config::load_from(&direct).await.unwrap();
    assert_eq!((config.username.as_str(), config.port), ("my-user", 5432));
    assert_eq!(config.password.expose_secret(), APP_PASSWORD);
    assert_eq!(config.cert, CERT);
    assert_eq!(
        config.extra, None,
        "a missing object is None for an Option field"
    );
    assert_no_secret("Debug", &format!("{config:?}"));

    Config::load_from(&through(&proxy)).await.unwrap();
    assert_eq!(
        proxy.request_count(),
        4,
        "app1, the certificate and the missing object: one read each, and one probe that finds the missing object's bucket"
    );
}

#[tokio::test]
async fn a_missing_object_is_absence() {
    let (_dir, _gcs, proxy) = servers(&[]).await;
    let err = Missing::load_from(&through(&proxy))
        .await
        .expect_err("nothing is there");
    assert_no_secret("error", &format!("{err} {err:?}"));
    let nope = err.field("nope").unwrap();
    assert_eq!(
        (nope.kind(), nope.origin()),
        (ErrorKind::Missing, "gs://my-bucket/nope#k")
    );
    assert_eq!(nope.message(), "object gs://my-bucket/nope not found");
}

#[tokio::test]
async fn permission_denied_names_the_object_and_the_role() {
    let (_dir, _gcs, proxy) = servers(&[]).await;
    proxy.deny(BUCKET, "app1");
    let failed = failure(Config::load_from(&through(&proxy)).await, "password");
    assert_eq!(failed.kind(), ErrorKind::PermissionDenied, "{failed}");
    assert!(
        failed.message().starts_with(
            "permission denied on object gs://my-bucket/app1: grant the function's service account roles/storage.objectViewer on it"
        ),
        "{failed}"
    );
    assert_eq!(failed.origin(), "gs://my-bucket/app1#password");
}

#[tokio::test]
async fn unavailable_twice_then_success_is_retried() {
    let (_dir, _gcs, proxy) = servers(&[]).await;
    proxy.faults().push(Fault::Unavailable);
    proxy.faults().push(Fault::Internal);
    let config = Config::load_from(&through(&proxy)).await.unwrap();
    assert_eq!(config.password.expose_secret(), APP_PASSWORD);
    assert_eq!(proxy.request_count(), 6, "4 as above, and 2 retried faults");
}

#[tokio::test]
async fn an_object_over_the_cap_is_refused_before_its_body() {
    let big = vec![b'x'; 4096];
    let (_dir, _gcs, proxy) = servers(&[(BUCKET, "big", &big)]).await;
    let sources = Sources::builder()
        .env([("STORAGE_BUCKET", BUCKET)])
        .storage_endpoint(proxy.endpoint())
        .max_object_bytes(4095)
        .build();
    let failed = failure(Big::load_from(&sources).await, "big");
    assert_eq!(
        (failed.kind(), failed.origin()),
        (ErrorKind::TooLarge, "gs://my-bucket/big")
    );
    assert_eq!(
        failed.message(),
        "object gs://my-bucket/big is 4096 bytes, over the cap of 4095 bytes"
    );
}

#[tokio::test]
async fn objects_that_are_not_json_or_lack_the_key_fail_their_fields() {
    let text = format!("password={APP_PASSWORD}");
    let (_dir, _gcs, proxy) = servers(&[(BUCKET, "text", text.as_bytes())]).await;
    let err = Bad::load_from(&through(&proxy))
        .await
        .expect_err("both fields are bad");
    assert_no_secret("error", &format!("{err} {err:?}"));
    let origins: Vec<&str> = err
        .fields()
        .iter()
        .map(secrets_runtime::FieldError::origin)
        .collect();
    assert_eq!(
        origins,
        ["gs://my-bucket/text#password", "gs://my-bucket/app1#email"]
    );
    let password = err.field("password").unwrap();
    assert_eq!(
        (password.kind(), password.message()),
        (
            ErrorKind::Invalid,
            "the object is not valid JSON (error at line 1 column 1)"
        )
    );
    let email = err.field("email").unwrap();
    assert_eq!(
        (email.kind(), email.message()),
        (ErrorKind::Missing, "the JSON object has no key `email`")
    );
}

#[tokio::test]
async fn a_missing_bucket_is_an_error_even_for_an_option_field() {
    let (_dir, _gcs, proxy) = servers(&[]).await;
    proxy.missing_bucket("certs");
    let err = Config::load_from(&through(&proxy))
        .await
        .expect_err("the bucket is gone");
    assert_no_secret("error", &format!("{err} {err:?}"));
    for field in ["cert", "extra"] {
        let failed = err
            .field(field)
            .unwrap_or_else(|| panic!("{field} did not fail: {err}"));
        assert_eq!(
            (failed.kind(), failed.message()),
            (ErrorKind::NotFound, "bucket gs://certs not found")
        );
    }
    assert!(err.field("username").is_none(), "{err}");
}

#[tokio::test]
async fn a_body_that_does_not_match_its_checksum_is_never_used() {
    let (_dir, _gcs, proxy) = servers(&[]).await;
    proxy.corrupt(BUCKET, "app1");
    let failed = failure(Config::load_from(&through(&proxy)).await, "password");
    assert_eq!(failed.kind(), ErrorKind::Integrity, "{failed}");
    assert_eq!(
        failed.message(),
        "object gs://my-bucket/app1: the bytes read do not match the object's checksum; the value was not used"
    );
}

#[tokio::test]
async fn a_reset_connection_is_retried() {
    let (_dir, _gcs, proxy) = servers(&[]).await;
    proxy.faults().push(Fault::Reset);
    let config = Config::load_from(&through(&proxy)).await.unwrap();
    assert_eq!(config.username, "my-user");
}

#[tokio::test]
async fn unavailable_forever_and_a_hanging_server_fail_at_the_deadline() {
    for fault in [Fault::Unavailable, Fault::Hang] {
        let (_dir, _gcs, proxy) = servers(&[]).await;
        proxy.faults().set_always(Some(fault));
        // Not a speed bound: five deadlines only tell "stopped at its deadline" from "kept going".
        let result =
            tokio::time::timeout(Duration::from_secs(15), Config::load_from(&through(&proxy)))
                .await
                .expect("the load outlived its deadline");
        let failed = failure(result, "username");
        assert_eq!(failed.kind(), ErrorKind::Unavailable, "{fault:?}: {failed}");
        assert!(
            failed
                .message()
                .starts_with("gave up at the load deadline (3 s) after "),
            "{failed}"
        );
    }
}

#[derive(Debug, Secrets)]
struct Elsewhere {
    #[gcs(bucket = "no-such-bucket", object = "app1")]
    maybe: Option<Vec<u8>>,
}

// The emulator answers a missing bucket and a missing object with the same bare 404: only
// asking whether the bucket exists tells them apart.
#[tokio::test]
async fn a_missing_bucket_in_the_emulator_is_an_error_even_for_an_option_field() {
    let (_dir, gcs, _proxy) = servers(&[]).await;
    let sources = Sources::builder().storage_endpoint(gcs.endpoint()).build();
    let failed = failure(Elsewhere::load_from(&sources).await, "maybe");
    assert_eq!(
        (failed.kind(), failed.message()),
        (ErrorKind::NotFound, "bucket gs://no-such-bucket not found")
    );
}

#[derive(Debug, Secrets)]
struct Zipped {
    #[gcs(object = "app1.gz", key = "username")]
    username: String,
    #[gcs(object = "app1.gz", key = "password")]
    password: SecretString,
}

/// The servers with `app1`'s JSON also stored gzip-compressed as `app1.gz`
/// (`Content-Encoding: gzip`).
async fn with_gzip_object() -> (tempfile::TempDir, FakeGcs, GcsProxy) {
    let servers = servers(&[]).await;
    servers
        .1
        .upload_gzip(BUCKET, "app1.gz", app1().as_bytes())
        .await;
    servers
}

#[tokio::test]
async fn a_gzip_object_is_checked_as_stored_then_inflated() {
    let (_dir, _gcs, proxy) = with_gzip_object().await;
    let config = Zipped::load_from(&through(&proxy)).await.unwrap();
    assert_eq!(config.username, "my-user");
    assert_eq!(config.password.expose_secret(), APP_PASSWORD);
}

// The proxy serves a gzip object inflated to a client that does not accept gzip, as Cloud
// Storage does, and then the client cannot check the CRC32C, which covers the stored bytes: a
// client that asks for that gets the corrupted value.
#[tokio::test]
async fn a_gzip_object_corrupted_in_transit_is_never_used() {
    let (_dir, _gcs, proxy) = with_gzip_object().await;
    proxy.corrupt(BUCKET, "app1.gz");
    let failed = failure(Zipped::load_from(&through(&proxy)).await, "password");
    assert_eq!(
        (failed.kind(), failed.message()),
        (
            ErrorKind::Integrity,
            "object gs://my-bucket/app1.gz: the bytes read do not match the object's checksum; the value was not used"
        )
    );
}

#[derive(Debug, Secrets)]
struct Bomb {
    #[gcs(object = "bomb.gz")]
    bomb: Vec<u8>,
}

#[tokio::test]
async fn a_gzip_object_that_inflates_past_the_cap_is_too_large() {
    let (_dir, gcs, proxy) = servers(&[]).await;
    // A few hundred bytes stored, a MiB inflated.
    gcs.upload_gzip(BUCKET, "bomb.gz", &vec![0; 1 << 20]).await;
    let sources = Sources::builder()
        .env([("STORAGE_BUCKET", BUCKET)])
        .storage_endpoint(proxy.endpoint())
        .max_object_bytes(64 * 1024)
        .build();
    let failed = failure(Bomb::load_from(&sources).await, "bomb");
    assert_eq!(
        (failed.kind(), failed.message()),
        (
            ErrorKind::TooLarge,
            "object gs://my-bucket/bomb.gz is stored gzip-compressed and inflates to more than the cap of 65536 bytes"
        )
    );
}
