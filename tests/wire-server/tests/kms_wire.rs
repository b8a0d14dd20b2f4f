//! `KmsServer` at the HTTP level, for what the official client cannot send or does not show:
//! malformed names, numeric CRCs, the exact error body, and a reset that really is a TCP RST.

use std::io::ErrorKind;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use secrets_wire_server::{Fault, KmsServer};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const KEY: &str = "projects/p/locations/global/keyRings/r/cryptoKeys/k";

/// `POST {endpoint}{path}` with a JSON body; returns status, content type and parsed body.
async fn post(server: &KmsServer, path: &str, body: &Value) -> (u16, String, Value) {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let request = Request::post(format!("{}{path}", server.endpoint()))
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap();
    let reply = client.request(request).await.unwrap();
    let status = reply.status().as_u16();
    let content_type = reply
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = reply.into_body().collect().await.unwrap().to_bytes();
    (status, content_type, serde_json::from_slice(&body).unwrap())
}

fn crc(data: &[u8]) -> u32 {
    crc32c::crc32c(data)
}

#[tokio::test]
async fn decrypt_reply_fields_and_query_is_ignored() {
    let server = KmsServer::start().await;
    let ciphertext = server.encrypt(KEY, b"hi");
    let (status, content_type, body) = post(
        &server,
        &format!("/v1/{KEY}:decrypt?%24alt=json%3Benum-encoding%3Dint"),
        &json!({ "ciphertext": STANDARD.encode(&ciphertext) }),
    )
    .await;
    assert_eq!(status, 200);
    assert!(content_type.starts_with("application/json"));
    assert_eq!(
        body,
        json!({
            "plaintext": STANDARD.encode(b"hi"),
            "plaintextCrc32c": crc(b"hi").to_string(),
            "usedPrimary": true,
            "protectionLevel": "SOFTWARE",
        })
    );
}

#[tokio::test]
async fn omitted_plaintext_crc_leaves_the_field_out() {
    let server = KmsServer::start().await;
    let ciphertext = server.encrypt(KEY, b"hi");
    server.set_omit_plaintext_crc(true);
    let (status, _, body) = post(
        &server,
        &format!("/v1/{KEY}:decrypt"),
        &json!({ "ciphertext": STANDARD.encode(&ciphertext) }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["plaintext"], STANDARD.encode(b"hi"));
    assert!(body.get("plaintextCrc32c").is_none(), "{body}");
}

/// `null` is proto3 JSON for an unset field: it neither satisfies the requirement nor counts.
#[tokio::test]
async fn null_ciphertext_crc_is_absent_and_a_number_counts() {
    let server = KmsServer::start().await;
    let ciphertext = server.encrypt(KEY, b"hi");
    server.set_require_ciphertext_crc(true);
    let path = format!("/v1/{KEY}:decrypt");
    let (status, _, body) = post(
        &server,
        &path,
        &json!({ "ciphertext": STANDARD.encode(&ciphertext), "ciphertextCrc32c": null }),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        body["error"]["message"],
        "ciphertext_crc32c is required by this test server"
    );
    assert_eq!(server.decrypts_with_crc_count(), 0);

    let (status, _, body) = post(
        &server,
        &path,
        &json!({ "ciphertext": STANDARD.encode(&ciphertext), "ciphertextCrc32c": crc(&ciphertext) }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(server.decrypts_with_crc_count(), 1);
}

#[tokio::test]
async fn crc_as_json_number_and_url_safe_base64_are_accepted() {
    let server = KmsServer::start().await;
    let ciphertext = server.encrypt(KEY, b"hi");
    let (status, _, body) = post(
        &server,
        &format!("/v1/{KEY}:decrypt"),
        &json!({
            "ciphertext": URL_SAFE_NO_PAD.encode(&ciphertext),
            "ciphertextCrc32c": crc(&ciphertext),
        }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["plaintext"], STANDARD.encode(b"hi"));
}

#[tokio::test]
async fn errors_have_googles_shape() {
    let server = KmsServer::start().await;
    let (status, content_type, body) = post(
        &server,
        "/v1/projects/p/locations/global/keyRings/r/cryptoKeys/missing:decrypt",
        &json!({ "ciphertext": "AAAA" }),
    )
    .await;
    assert_eq!(status, 404);
    assert!(content_type.starts_with("application/json"));
    assert_eq!(
        body,
        json!({ "error": {
            "code": 404,
            "message": "CryptoKey projects/p/locations/global/keyRings/r/cryptoKeys/missing not found.",
            "status": "NOT_FOUND",
        }})
    );
}

#[tokio::test]
async fn malformed_key_names_are_invalid_argument() {
    let server = KmsServer::start().await;
    for name in [
        "projects/p/locations/global/keyRings/r",
        "projects/p/locations/global/keyRings/r/cryptoKeys/k/cryptoKeyVersions/1",
        "projects/p/locations/global/keyRing/r/cryptoKeys/k",
    ] {
        let (status, _, body) = post(&server, &format!("/v1/{name}:decrypt"), &json!({})).await;
        assert_eq!(status, 400, "{name}");
        assert_eq!(body["error"]["status"], "INVALID_ARGUMENT");
    }
}

#[tokio::test]
async fn bad_json_and_base64_are_invalid_argument_without_echoing_values() {
    let server = KmsServer::start().await;
    server.create_key(KEY);
    let (status, _, body) = post(
        &server,
        &format!("/v1/{KEY}:encrypt"),
        &json!({ "plaintext": "not base64 (secret!)" }),
    )
    .await;
    assert_eq!(status, 400);
    let message = body["error"]["message"].as_str().unwrap();
    assert!(!message.contains("secret"), "{message}");

    let (status, _, body) = post(&server, &format!("/v1/{KEY}:encrypt"), &json!([1])).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["status"], "INVALID_ARGUMENT");
}

#[tokio::test]
async fn unknown_routes_are_not_found() {
    let server = KmsServer::start().await;
    let (status, _, body) = post(&server, &format!("/v1/{KEY}:rotate"), &json!({})).await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["status"], "NOT_FOUND");
    assert_eq!(server.request_count(), 1);
    assert_eq!(server.decrypt_count(), 0);
}

#[tokio::test]
async fn encrypt_reply_fields() {
    let server = KmsServer::start().await;
    server.create_key(KEY);
    let (status, _, body) = post(
        &server,
        &format!("/v1/{KEY}:encrypt"),
        &json!({ "plaintext": STANDARD.encode(b"p"), "plaintextCrc32c": crc(b"p").to_string() }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let ciphertext = STANDARD
        .decode(body["ciphertext"].as_str().unwrap())
        .unwrap();
    assert_eq!(body["name"], format!("{KEY}/cryptoKeyVersions/1"));
    assert_eq!(body["ciphertextCrc32c"], crc(&ciphertext).to_string());
    assert_eq!(body["verifiedPlaintextCrc32c"], true);
    assert_eq!(body["verifiedAdditionalAuthenticatedDataCrc32c"], false);
    assert_eq!(body["protectionLevel"], "SOFTWARE");
}

/// With `SO_LINGER` 0 the server's close sends a RST: the peer's read fails with
/// `ConnectionReset` instead of seeing a clean end of stream.
#[tokio::test]
async fn reset_fault_sends_a_tcp_rst() {
    let server = KmsServer::start().await;
    server.faults().push(Fault::Reset);
    let mut stream = TcpStream::connect(server.addr()).await.unwrap();
    let body = format!(
        "{{\"ciphertext\":\"{}\"}}",
        STANDARD.encode(server.encrypt(KEY, b"x"))
    );
    let request = format!(
        "POST /v1/{KEY}:decrypt HTTP/1.1\r\nhost: {}\r\ncontent-type: application/json\r\n\
         content-length: {}\r\n\r\n{body}",
        server.addr(),
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut reply = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut reply))
        .await
        .expect("the server closes the connection");
    assert_eq!(
        read.map_err(|e| e.kind()),
        Err(ErrorKind::ConnectionReset),
        "got {:?}",
        String::from_utf8_lossy(&reply)
    );
    assert!(reply.is_empty());
}
