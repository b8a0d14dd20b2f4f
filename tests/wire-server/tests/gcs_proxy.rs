//! `FakeGcs` and `GcsProxy` against the real official client, `google-cloud-storage`.
//!
//! Needs the emulator: run with `FAKE_GCS_SERVER=<path to fake-gcs-server>` (`scripts/test`
//! sets it).

use std::path::Path;
use std::time::Duration;

use google_cloud_auth::credentials::anonymous::Builder as Anonymous;
use google_cloud_gax::retry_policy::NeverRetry;
use google_cloud_storage::client::Storage;
use secrets_wire_server::{FakeGcs, Fault, GcsProxy};

const BUCKET: &str = "my-bucket";
const OBJECT: &str = "app1";
const CONTENT: &[u8] = br#"{"username":"my-user","password":"s3cr3t"}"#;

/// The emulator with `my-bucket/app1` and `my-bucket/dir/other.json`, and a proxy before it.
/// The temporary directory must outlive the emulator.
async fn setup() -> (tempfile::TempDir, FakeGcs, GcsProxy) {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &format!("{BUCKET}/{OBJECT}"), CONTENT);
    write(dir.path(), &format!("{BUCKET}/dir/other.json"), b"{}");
    let fake = FakeGcs::start(dir.path()).await;
    let proxy = GcsProxy::start(&fake.endpoint()).await;
    (dir, fake, proxy)
}

fn write(root: &Path, relative: &str, content: &[u8]) {
    let path = root.join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
}

/// A client that makes one attempt per call, so tests see what the proxy did.
async fn storage_client(endpoint: &str) -> Storage {
    Storage::builder()
        .with_endpoint(endpoint)
        .with_credentials(Anonymous::new().build())
        .with_retry_policy(NeverRetry)
        .build()
        .await
        .expect("client builds")
}

/// Reads a whole object the way the runtime does: `send`, then `next` until the end.
async fn read(
    client: &Storage,
    bucket: &str,
    object: &str,
) -> Result<Vec<u8>, google_cloud_storage::Error> {
    let mut reply = client
        .read_object(format!("projects/_/buckets/{bucket}"), object)
        .send()
        .await?;
    let mut content = Vec::new();
    while let Some(chunk) = reply.next().await {
        content.extend_from_slice(&chunk?);
    }
    Ok(content)
}

#[tokio::test]
async fn reads_through_the_proxy_with_the_official_client() {
    let (_dir, fake, proxy) = setup().await;
    let client = storage_client(&proxy.endpoint()).await;
    assert_eq!(read(&client, BUCKET, OBJECT).await.unwrap(), CONTENT);
    // Object names with '/' are percent-encoded by the client and must survive the proxy.
    assert_eq!(
        read(&client, BUCKET, "dir/other.json").await.unwrap(),
        b"{}"
    );
    assert!(proxy.request_count() >= 2);

    // The emulator itself works with the client too (the proxy adds nothing it needs).
    let direct = storage_client(&fake.endpoint()).await;
    assert_eq!(read(&direct, BUCKET, OBJECT).await.unwrap(), CONTENT);
}

#[tokio::test]
async fn missing_object_is_404_from_upstream() {
    let (_dir, _fake, proxy) = setup().await;
    let client = storage_client(&proxy.endpoint()).await;
    let error = read(&client, BUCKET, "missing").await.unwrap_err();
    assert_eq!(error.http_status_code(), Some(404), "{error:?}");
}

#[tokio::test]
async fn denied_object_is_403_in_cloud_storage_shape() {
    let (_dir, _fake, proxy) = setup().await;
    proxy.deny(BUCKET, OBJECT);
    let client = storage_client(&proxy.endpoint()).await;
    let error = read(&client, BUCKET, OBJECT).await.unwrap_err();
    assert_eq!(error.http_status_code(), Some(403), "{error:?}");
    let status = error.status().expect("the error body parses as a status");
    assert!(
        status
            .message
            .contains("does not have storage.objects.get access"),
        "{}",
        status.message
    );
    // Other objects stay readable, and `allow` lifts the denial.
    assert_eq!(
        read(&client, BUCKET, "dir/other.json").await.unwrap(),
        b"{}"
    );
    proxy.allow(BUCKET, OBJECT);
    assert_eq!(read(&client, BUCKET, OBJECT).await.unwrap(), CONTENT);
}

#[tokio::test]
async fn pushed_fault_is_503_then_normal_service() {
    let (_dir, _fake, proxy) = setup().await;
    proxy.faults().push(Fault::Unavailable);
    let client = storage_client(&proxy.endpoint()).await;
    let error = read(&client, BUCKET, OBJECT).await.unwrap_err();
    assert_eq!(error.http_status_code(), Some(503), "{error:?}");
    assert_eq!(read(&client, BUCKET, OBJECT).await.unwrap(), CONTENT);
    assert_eq!(proxy.request_count(), 2);
}

#[tokio::test]
async fn reset_and_hang_are_client_errors() {
    let (_dir, _fake, proxy) = setup().await;
    let client = storage_client(&proxy.endpoint()).await;

    proxy.faults().push(Fault::Reset);
    let reset = tokio::time::timeout(Duration::from_secs(30), read(&client, BUCKET, OBJECT))
        .await
        .expect("a reset is reported, not waited on");
    assert!(reset.is_err());

    proxy.faults().push(Fault::Hang);
    let hang =
        tokio::time::timeout(Duration::from_millis(500), read(&client, BUCKET, OBJECT)).await;
    assert!(hang.is_err(), "a hung request never completes");

    assert_eq!(read(&client, BUCKET, OBJECT).await.unwrap(), CONTENT);
}

#[tokio::test]
async fn latency_delays_the_reply() {
    let (_dir, _fake, proxy) = setup().await;
    let client = storage_client(&proxy.endpoint()).await;
    let delay = Duration::from_millis(200);
    proxy.faults().set_latency(delay);
    let started = std::time::Instant::now();
    read(&client, BUCKET, OBJECT).await.unwrap();
    assert!(started.elapsed() >= delay);
}
