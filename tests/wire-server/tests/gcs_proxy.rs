//! `FakeGcs` and `GcsProxy` against the real official client, `google-cloud-storage`.
//!
//! Needs the emulator: run with `FAKE_GCS_SERVER=<path to fake-gcs-server>` (`scripts/test`
//! sets it).

use std::path::Path;
use std::time::Duration;

use bytes::Bytes;
use google_cloud_auth::credentials::anonymous::Builder as Anonymous;
use google_cloud_gax::retry_policy::NeverRetry;
use google_cloud_storage::client::Storage;
use google_cloud_storage::error::ReadError;
use http_body_util::{BodyExt, Empty};
use hyper::header::HeaderMap;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use secrets_wire_server::{FakeGcs, Fault, GcsProxy, MISSING_BUCKET_MESSAGE};
use serde_json::{Value, json};

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

/// A plain `GET {endpoint}{path}`, for what the official client does not show: status,
/// headers and the raw body.
async fn get(endpoint: &str, path: &str) -> (u16, HeaderMap, Bytes) {
    let client = Client::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
    let reply = client
        .get(format!("{endpoint}{path}").parse().unwrap())
        .await
        .unwrap();
    let status = reply.status().as_u16();
    let (parts, body) = reply.into_parts();
    (
        status,
        parts.headers,
        body.collect().await.unwrap().to_bytes(),
    )
}

/// Cloud Storage's JSON error body for a 404 with `message`.
fn not_found_body(message: &str) -> Value {
    json!({ "error": {
        "code": 404,
        "message": message,
        "errors": [{ "message": message, "domain": "global", "reason": "notFound" }],
    }})
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
async fn missing_object_gets_cloud_storages_json() {
    let (_dir, fake, proxy) = setup().await;
    let client = storage_client(&proxy.endpoint()).await;
    let error = read(&client, BUCKET, "dir/missing").await.unwrap_err();
    assert_eq!(error.http_status_code(), Some(404), "{error:?}");
    let status = error.status().expect("the error body parses as a status");
    assert_eq!(status.message, "No such object: my-bucket/dir/missing");

    // The emulator's media 404 is bare text; through the proxy it is Cloud Storage's JSON.
    let media = "/storage/v1/b/my-bucket/o/dir%2Fmissing?alt=media";
    let (status, _, body) = get(&fake.endpoint(), media).await;
    assert_eq!((status, body.as_ref()), (404, b"Not Found\n".as_ref()));
    let (status, headers, body) = get(&proxy.endpoint(), media).await;
    assert_eq!(status, 404);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap(),
        not_found_body("No such object: my-bucket/dir/missing")
    );

    // A 404 the emulator already sends as JSON (metadata) is relayed untouched.
    let metadata = "/storage/v1/b/my-bucket/o/missing";
    let (status, _, direct) = get(&fake.endpoint(), metadata).await;
    assert_eq!(status, 404);
    let (status, _, relayed) = get(&proxy.endpoint(), metadata).await;
    assert_eq!((status, relayed), (404, direct));
}

#[tokio::test]
async fn missing_bucket_is_404_in_cloud_storages_json_shape_with_a_neutral_message() {
    let (_dir, _fake, proxy) = setup().await;
    proxy.missing_bucket(BUCKET);
    let client = storage_client(&proxy.endpoint()).await;
    let error = read(&client, BUCKET, OBJECT).await.unwrap_err();
    assert_eq!(error.http_status_code(), Some(404), "{error:?}");
    let status = error.status().expect("the error body parses as a status");
    assert_eq!(status.message, MISSING_BUCKET_MESSAGE);

    for path in [
        "/storage/v1/b/my-bucket",
        "/storage/v1/b/my-bucket/o",
        "/storage/v1/b/my-bucket/o/app1",
        "/storage/v1/b/my-bucket/o/dir%2Fother.json?alt=media",
        "/download/storage/v1/b/my-bucket/o/app1?alt=media",
    ] {
        let (status, _, body) = get(&proxy.endpoint(), path).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(
            serde_json::from_slice::<Value>(&body).unwrap(),
            not_found_body(MISSING_BUCKET_MESSAGE),
            "{path}"
        );
    }
}

#[tokio::test]
async fn corrupted_media_fails_the_official_clients_checksum() {
    let (_dir, fake, proxy) = setup().await;
    proxy.corrupt(BUCKET, OBJECT);
    let client = storage_client(&proxy.endpoint()).await;
    let error = read(&client, BUCKET, OBJECT).await.unwrap_err();
    let mut chain = Some(&error as &(dyn std::error::Error + 'static));
    let mut mismatch = false;
    while let Some(cause) = chain {
        mismatch |= matches!(
            cause.downcast_ref::<ReadError>(),
            Some(ReadError::ChecksumMismatch(_))
        );
        chain = cause.source();
    }
    assert!(mismatch, "{error:?}");
    // Other objects are untouched.
    assert_eq!(
        read(&client, BUCKET, "dir/other.json").await.unwrap(),
        b"{}"
    );

    // Same status, length and checksum headers as upstream; exactly one byte differs.
    let media = "/storage/v1/b/my-bucket/o/app1?alt=media";
    let (status, upstream_headers, upstream) = get(&fake.endpoint(), media).await;
    let (relayed_status, headers, relayed) = get(&proxy.endpoint(), media).await;
    assert_eq!((relayed_status, status), (200, 200));
    assert_eq!(upstream.as_ref(), CONTENT);
    assert_eq!(relayed.len(), upstream.len());
    let differing = upstream
        .iter()
        .zip(&relayed)
        .filter(|(a, b)| a != b)
        .count();
    assert_eq!(differing, 1);
    for name in ["x-goog-hash", "x-goog-generation", "content-length"] {
        assert_eq!(headers.get(name), upstream_headers.get(name), "{name}");
    }
    // Metadata reads are not media: they pass unchanged.
    let metadata = "/storage/v1/b/my-bucket/o/app1";
    assert_eq!(
        get(&proxy.endpoint(), metadata).await.2,
        get(&fake.endpoint(), metadata).await.2
    );
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

#[tokio::test]
async fn uploaded_metadata_comes_back_with_the_media_through_the_proxy() {
    let (_dir, fake, proxy) = setup().await;
    let metadata = [(
        "berglas-kms-key",
        "projects/p/locations/l/keyRings/r/cryptoKeys/k",
    )];
    fake.upload_with_metadata(BUCKET, "dir/meta", b"body", &metadata)
        .await;
    // What the runtime's one read of a berglas object relies on: the metadata arrives as
    // `x-goog-meta-*` headers of the media download, past the proxy.
    let (status, headers, body) = get(
        &proxy.endpoint(),
        &format!("/storage/v1/b/{BUCKET}/o/dir%2Fmeta?alt=media"),
    )
    .await;
    assert_eq!((status, &body[..]), (200, &b"body"[..]));
    assert_eq!(
        headers.get("x-goog-meta-berglas-kms-key").unwrap(),
        metadata[0].1
    );
}
