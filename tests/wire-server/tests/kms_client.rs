//! `KmsServer` against the real official client, `google-cloud-kms-v1`, over HTTP.

use std::time::{Duration, Instant};

use bytes::Bytes;
use google_cloud_auth::credentials::anonymous::Builder as Anonymous;
use google_cloud_gax::error::Error;
use google_cloud_gax::error::rpc::Code;
use google_cloud_gax::options::RequestOptionsBuilder;
use google_cloud_gax::retry_policy::NeverRetry;
use google_cloud_kms_v1::client::KeyManagementService;
use google_cloud_kms_v1::model::ProtectionLevel;
use secrets_wire_server::{Fault, KmsServer};

const KEY: &str = "projects/p/locations/global/keyRings/r/cryptoKeys/k";
const OTHER_KEY: &str = "projects/p/locations/global/keyRings/r/cryptoKeys/other";

/// A client that makes exactly one attempt per call, so each test sees what the server did
/// rather than what the retry loop made of it.
async fn client(server: &KmsServer) -> KeyManagementService {
    KeyManagementService::builder()
        .with_endpoint(server.endpoint())
        .with_credentials(Anonymous::new().build())
        .with_retry_policy(NeverRetry)
        .build()
        .await
        .expect("client builds")
}

fn crc(data: &[u8]) -> i64 {
    i64::from(crc32c::crc32c(data))
}

async fn decrypt(
    client: &KeyManagementService,
    key: &str,
    ciphertext: &[u8],
) -> Result<Bytes, Error> {
    client
        .decrypt()
        .set_name(key)
        .set_ciphertext(Bytes::copy_from_slice(ciphertext))
        .send()
        .await
        .map(|r| r.plaintext)
}

/// The canonical code and message of a service error.
fn status_of(error: &Error) -> (Code, String) {
    let status = error
        .status()
        .unwrap_or_else(|| panic!("expected a service error, got {error:?}"));
    (status.code, status.message.clone())
}

#[tokio::test]
async fn encrypt_then_decrypt_with_crc_fields() {
    let server = KmsServer::start().await;
    server.create_key(KEY);
    let client = client(&server).await;
    let plaintext = b"s3cr3t \x00\xff bytes";

    let encrypted = client
        .encrypt()
        .set_name(KEY)
        .set_plaintext(Bytes::from_static(plaintext))
        .set_plaintext_crc32c(crc(plaintext))
        .send()
        .await
        .expect("encrypt succeeds");
    assert_eq!(encrypted.name, format!("{KEY}/cryptoKeyVersions/1"));
    assert!(encrypted.verified_plaintext_crc32c);
    assert!(!encrypted.verified_additional_authenticated_data_crc32c);
    assert_eq!(encrypted.protection_level, ProtectionLevel::Software);
    assert_eq!(
        encrypted.ciphertext_crc32c,
        Some(crc(&encrypted.ciphertext))
    );

    let decrypted = client
        .decrypt()
        .set_name(KEY)
        .set_ciphertext(encrypted.ciphertext.clone())
        .set_ciphertext_crc32c(crc(&encrypted.ciphertext))
        .send()
        .await
        .expect("decrypt succeeds");
    assert_eq!(decrypted.plaintext.as_ref(), plaintext);
    assert_eq!(decrypted.plaintext_crc32c, Some(crc(plaintext)));
    assert!(decrypted.used_primary);
    assert_eq!(decrypted.protection_level, ProtectionLevel::Software);

    assert_eq!(server.decrypt_count(), 1);
    assert_eq!(server.request_count(), 2);
}

#[tokio::test]
async fn server_side_encrypt_decrypts_through_the_client() {
    let server = KmsServer::start().await;
    // `encrypt` creates the key on first use.
    let ciphertext = server.encrypt(KEY, b"from the test");
    let client = client(&server).await;
    assert_eq!(
        decrypt(&client, KEY, &ciphertext).await.unwrap().as_ref(),
        b"from the test"
    );
}

#[tokio::test]
async fn additional_authenticated_data_is_bound() {
    let server = KmsServer::start().await;
    let ciphertext = server.encrypt_with_aad(KEY, b"bound", b"context");
    let client = client(&server).await;
    let ok = client
        .decrypt()
        .set_name(KEY)
        .set_ciphertext(Bytes::from(ciphertext.clone()))
        .set_additional_authenticated_data(Bytes::from_static(b"context"))
        .set_additional_authenticated_data_crc32c(crc(b"context"))
        .send()
        .await
        .expect("decrypt with the right AAD succeeds");
    assert_eq!(ok.plaintext.as_ref(), b"bound");
    let without = decrypt(&client, KEY, &ciphertext).await.unwrap_err();
    assert_eq!(status_of(&without).0, Code::InvalidArgument);
}

#[tokio::test]
async fn wrong_key_corrupted_and_truncated_ciphertexts_are_invalid_argument() {
    let server = KmsServer::start().await;
    server.create_key(OTHER_KEY);
    let ciphertext = server.encrypt(KEY, b"for KEY only");
    let client = client(&server).await;

    let mut corrupted = ciphertext.clone();
    corrupted[20] ^= 0x01;
    let cases: [(&str, &[u8]); 4] = [
        (OTHER_KEY, &ciphertext),
        (KEY, &corrupted),
        (KEY, &ciphertext[..ciphertext.len() - 1]),
        (KEY, b"not a ciphertext"),
    ];
    for (key, bad) in cases {
        let error = decrypt(&client, key, bad).await.unwrap_err();
        assert_eq!(
            status_of(&error),
            (
                Code::InvalidArgument,
                "Decryption failed: the ciphertext is invalid.".to_owned()
            )
        );
        assert_eq!(error.http_status_code(), Some(400));
    }
}

#[tokio::test]
async fn ciphertext_crc_mismatch_is_invalid_argument() {
    let server = KmsServer::start().await;
    let ciphertext = server.encrypt(KEY, b"x");
    let client = client(&server).await;
    let error = client
        .decrypt()
        .set_name(KEY)
        .set_ciphertext(Bytes::from(ciphertext.clone()))
        .set_ciphertext_crc32c(crc(&ciphertext) ^ 1)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        status_of(&error),
        (
            Code::InvalidArgument,
            "The checksum in field ciphertext_crc32c did not match the data in field ciphertext."
                .to_owned()
        )
    );
}

#[tokio::test]
async fn plaintext_crc_mismatch_on_encrypt_is_invalid_argument() {
    let server = KmsServer::start().await;
    server.create_key(KEY);
    let client = client(&server).await;
    let error = client
        .encrypt()
        .set_name(KEY)
        .set_plaintext(Bytes::from_static(b"x"))
        .set_plaintext_crc32c(crc(b"y"))
        .send()
        .await
        .unwrap_err();
    let (code, message) = status_of(&error);
    assert_eq!(code, Code::InvalidArgument);
    assert!(message.contains("plaintext_crc32c"), "{message}");
}

#[tokio::test]
async fn denied_key_is_permission_denied_with_googles_message() {
    let server = KmsServer::start().await;
    let ciphertext = server.encrypt(KEY, b"x");
    server.deny(KEY);
    let client = client(&server).await;
    let error = decrypt(&client, KEY, &ciphertext).await.unwrap_err();
    assert_eq!(
        status_of(&error),
        (
            Code::PermissionDenied,
            format!(
                "Permission 'cloudkms.cryptoKeyVersions.useToDecrypt' denied on resource \
                 '{KEY}' (or it may not exist)."
            )
        )
    );
    assert_eq!(error.http_status_code(), Some(403));

    server.allow(KEY);
    assert!(decrypt(&client, KEY, &ciphertext).await.is_ok());
}

#[tokio::test]
async fn unknown_key_is_not_found_and_encrypt_creates_nothing() {
    let server = KmsServer::start().await;
    let ciphertext = server.encrypt(KEY, b"x");
    let client = client(&server).await;
    let missing = "projects/p/locations/global/keyRings/r/cryptoKeys/missing";

    let error = decrypt(&client, missing, &ciphertext).await.unwrap_err();
    assert_eq!(
        status_of(&error),
        (Code::NotFound, format!("CryptoKey {missing} not found."))
    );

    let error = client
        .encrypt()
        .set_name(missing)
        .set_plaintext(Bytes::from_static(b"x"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(status_of(&error).0, Code::NotFound);
    assert!(!server.has_key(missing));
}

#[tokio::test]
async fn rotated_key_still_decrypts_old_ciphertexts() {
    let server = KmsServer::start().await;
    let old = server.encrypt(KEY, b"old");
    server.create_key(KEY);
    let client = client(&server).await;
    let reply = client
        .decrypt()
        .set_name(KEY)
        .set_ciphertext(Bytes::from(old))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.plaintext.as_ref(), b"old");
    assert!(!reply.used_primary);
}

#[tokio::test]
async fn queued_faults_come_in_order_then_normal_service() {
    let server = KmsServer::start().await;
    let ciphertext = server.encrypt(KEY, b"x");
    server.faults().push(Fault::Unavailable);
    server.faults().push(Fault::ResourceExhausted);
    server.faults().push(Fault::Internal);
    let client = client(&server).await;

    for (code, http) in [
        (Code::Unavailable, 503),
        (Code::ResourceExhausted, 429),
        (Code::Internal, 500),
    ] {
        let error = decrypt(&client, KEY, &ciphertext).await.unwrap_err();
        assert_eq!(status_of(&error).0, code);
        assert_eq!(error.http_status_code(), Some(http));
    }
    assert_eq!(
        decrypt(&client, KEY, &ciphertext).await.unwrap().as_ref(),
        b"x"
    );
    // Faulted requests count as decrypt requests too.
    assert_eq!(server.decrypt_count(), 4);
}

#[tokio::test]
async fn always_and_rate_faults() {
    let server = KmsServer::start().await;
    let ciphertext = server.encrypt(KEY, b"x");
    let client = client(&server).await;

    server.faults().set_always(Some(Fault::Unavailable));
    for _ in 0..3 {
        let error = decrypt(&client, KEY, &ciphertext).await.unwrap_err();
        assert_eq!(status_of(&error).0, Code::Unavailable);
    }
    server.faults().set_always(None);
    assert!(decrypt(&client, KEY, &ciphertext).await.is_ok());

    server.faults().set_rate(1_000_000, Fault::Internal);
    let error = decrypt(&client, KEY, &ciphertext).await.unwrap_err();
    assert_eq!(status_of(&error).0, Code::Internal);
    server.faults().set_rate(0, Fault::Internal);
    assert!(decrypt(&client, KEY, &ciphertext).await.is_ok());
}

#[tokio::test]
async fn latency_delays_the_reply() {
    let server = KmsServer::start().await;
    let ciphertext = server.encrypt(KEY, b"x");
    let client = client(&server).await;
    let delay = Duration::from_millis(200);
    server.faults().set_latency(delay);
    let started = Instant::now();
    decrypt(&client, KEY, &ciphertext).await.unwrap();
    assert!(started.elapsed() >= delay, "{:?}", started.elapsed());
}

#[tokio::test]
async fn wrong_plaintext_crc_mode() {
    let server = KmsServer::start().await;
    let ciphertext = server.encrypt(KEY, b"check me");
    let client = client(&server).await;
    server.set_wrong_plaintext_crc(true);
    let reply = client
        .decrypt()
        .set_name(KEY)
        .set_ciphertext(Bytes::from(ciphertext.clone()))
        .send()
        .await
        .expect("the client does not check plaintextCrc32c itself");
    assert_eq!(reply.plaintext.as_ref(), b"check me");
    assert_ne!(reply.plaintext_crc32c, Some(crc(b"check me")));
    assert!(reply.plaintext_crc32c.is_some());

    server.set_wrong_plaintext_crc(false);
    let reply = client
        .decrypt()
        .set_name(KEY)
        .set_ciphertext(Bytes::from(ciphertext))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.plaintext_crc32c, Some(crc(b"check me")));
}

#[tokio::test]
async fn reset_is_a_client_error_then_service_resumes() {
    let server = KmsServer::start().await;
    let ciphertext = server.encrypt(KEY, b"x");
    let client = client(&server).await;
    // Warm a pooled connection first, so the reset hits a connection the client reuses.
    decrypt(&client, KEY, &ciphertext).await.unwrap();
    server.faults().push(Fault::Reset);
    let error = tokio::time::timeout(Duration::from_secs(30), decrypt(&client, KEY, &ciphertext))
        .await
        .expect("a reset is reported, not waited on")
        .unwrap_err();
    // No reply, so no status: the client reports the I/O failure (ECONNRESET underneath).
    assert!(error.is_io() && error.status().is_none(), "{error:?}");
    assert_eq!(
        decrypt(&client, KEY, &ciphertext).await.unwrap().as_ref(),
        b"x"
    );
}

#[tokio::test]
async fn hang_is_a_client_timeout_then_service_resumes() {
    let server = KmsServer::start().await;
    let ciphertext = server.encrypt(KEY, b"x");
    let client = client(&server).await;
    server.faults().push(Fault::Hang);
    let hung = client
        .decrypt()
        .set_name(KEY)
        .set_ciphertext(Bytes::from(ciphertext.clone()))
        .with_attempt_timeout(Duration::from_millis(300))
        .send();
    let error = tokio::time::timeout(Duration::from_secs(30), hung)
        .await
        .expect("the attempt timeout ends the hang")
        .unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
    assert_eq!(
        decrypt(&client, KEY, &ciphertext).await.unwrap().as_ref(),
        b"x"
    );
    assert_eq!(server.decrypt_count(), 2);
}

#[tokio::test]
async fn required_ciphertext_crc_and_crc_count() {
    let server = KmsServer::start().await;
    let ciphertext = server.encrypt(KEY, b"x");
    let client = client(&server).await;
    let with_crc = || {
        client
            .decrypt()
            .set_name(KEY)
            .set_ciphertext(Bytes::from(ciphertext.clone()))
            .set_ciphertext_crc32c(crc(&ciphertext))
            .send()
    };
    server.set_require_ciphertext_crc(true);

    let error = decrypt(&client, KEY, &ciphertext).await.unwrap_err();
    assert_eq!(
        status_of(&error),
        (
            Code::InvalidArgument,
            "ciphertext_crc32c is required by this test server".to_owned()
        )
    );
    assert_eq!(error.http_status_code(), Some(400));
    assert_eq!(with_crc().await.unwrap().plaintext.as_ref(), b"x");

    // A faulted request that carried the checksum counts, as it does for `decrypt_count`.
    server.faults().push(Fault::Unavailable);
    let error = with_crc().await.unwrap_err();
    assert_eq!(status_of(&error).0, Code::Unavailable);

    server.set_require_ciphertext_crc(false);
    assert!(decrypt(&client, KEY, &ciphertext).await.is_ok());
    assert_eq!(server.decrypt_count(), 4);
    assert_eq!(server.decrypts_with_crc_count(), 2);
}

#[tokio::test]
async fn omitted_plaintext_crc_mode() {
    let server = KmsServer::start().await;
    let ciphertext = server.encrypt(KEY, b"check me");
    let client = client(&server).await;
    server.set_omit_plaintext_crc(true);
    // Omission wins over a wrong checksum: there is no field to be wrong.
    server.set_wrong_plaintext_crc(true);
    let reply = decrypt_reply(&client, &ciphertext).await;
    assert_eq!(reply.plaintext.as_ref(), b"check me");
    assert_eq!(reply.plaintext_crc32c, None);

    server.set_omit_plaintext_crc(false);
    server.set_wrong_plaintext_crc(false);
    let reply = decrypt_reply(&client, &ciphertext).await;
    assert_eq!(reply.plaintext_crc32c, Some(crc(b"check me")));
}

async fn decrypt_reply(
    client: &KeyManagementService,
    ciphertext: &[u8],
) -> google_cloud_kms_v1::model::DecryptResponse {
    client
        .decrypt()
        .set_name(KEY)
        .set_ciphertext(Bytes::copy_from_slice(ciphertext))
        .send()
        .await
        .expect("decrypt succeeds")
}
