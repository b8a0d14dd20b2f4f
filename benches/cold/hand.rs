//! The hand-written child: what a careful author writes instead of the derive. It builds the
//! same official clients (anonymous credentials, at the endpoints the derive's env vars name),
//! makes every request at once, checks the checksums the library checks (the KMS ciphertext's
//! CRC32C sent, the plaintext's verified; the Secret Manager payload's verified; Cloud Storage's
//! verified by its client, which does so for a whole read), reads the files, and picks the keys.

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::Poll;

use base64::prelude::*;
use google_cloud_auth::credentials::anonymous;
use google_cloud_kms_v1::client::KeyManagementService;
use google_cloud_secretmanager_v1::client::SecretManagerService;
use google_cloud_storage::client::Storage;

use crate::config::{CIPHERTEXTS, FILES, Keyed, OBJECTS, SECRETS};
use crate::{Phases, var};

type Request = Pin<Box<dyn Future<Output = Vec<u8>> + Send>>;

/// Every secret, in the order of `config::expected`, with the time each phase ended. The
/// clients are built one after the other, or with `at_once` in tasks of their own (the
/// builds are work on the CPU: tasks put them on both of the runtime's workers).
pub async fn load(phases: &mut Phases, at_once: bool) -> Vec<String> {
    let (kms, storage, secret_manager) = if at_once {
        let kms = tokio::spawn(kms_client());
        let storage = tokio::spawn(storage_client());
        let secret_manager = tokio::spawn(secret_manager_client());
        (
            kms.await.expect("KMS client"),
            storage.await.expect("Storage client"),
            secret_manager.await.expect("Secret Manager client"),
        )
    } else {
        let kms = kms_client().await;
        phases.mark("kms client");
        let storage = storage_client().await;
        phases.mark("storage client");
        (kms, storage, secret_manager_client().await)
    };
    phases.mark("clients");

    let key = var("KMS_CRYPTO_KEY_ID");
    let bucket = format!("projects/_/buckets/{}", var("STORAGE_BUCKET"));
    let project = var("GOOGLE_CLOUD_PROJECT");
    let mut requests: Vec<Request> = Vec::new();
    for ct in CIPHERTEXTS {
        let (kms, key) = (kms.clone(), key.clone());
        let ciphertext = BASE64_STANDARD.decode(var(ct).trim()).expect("base64");
        requests.push(Box::pin(async move {
            let reply = kms
                .decrypt()
                .set_name(key)
                .set_ciphertext_crc32c(i64::from(crc32c(&ciphertext)))
                .set_ciphertext(ciphertext)
                .send()
                .await
                .expect("decrypt");
            let plaintext = reply.plaintext.to_vec();
            assert_eq!(
                reply.plaintext_crc32c,
                Some(i64::from(crc32c(&plaintext))),
                "the plaintext's CRC32C"
            );
            plaintext
        }));
    }
    for (object, _) in OBJECTS {
        let (storage, bucket) = (storage.clone(), bucket.clone());
        requests.push(Box::pin(async move {
            let mut reply = storage
                .read_object(bucket, *object)
                .send()
                .await
                .expect("read");
            let mut body = Vec::new();
            while let Some(chunk) = reply.next().await {
                body.extend_from_slice(&chunk.expect("chunk"));
            }
            body
        }));
    }
    for (secret, _) in SECRETS {
        let client = secret_manager.clone();
        let name = format!("projects/{project}/secrets/{secret}/versions/latest");
        requests.push(Box::pin(async move {
            let reply = client
                .access_secret_version()
                .set_name(name)
                .send()
                .await
                .expect("access");
            let payload = reply.payload.expect("a payload");
            let data = payload.data.to_vec();
            assert_eq!(
                payload.data_crc32c,
                Some(i64::from(crc32c(&data))),
                "the payload's CRC32C"
            );
            data
        }));
    }
    let mut replies = join_all(requests).await.into_iter();
    phases.mark("requests");

    let mut values: Vec<String> = replies.by_ref().take(CIPHERTEXTS.len()).map(text).collect();
    for entry in OBJECTS.iter().chain(SECRETS) {
        spread(&mut values, &replies.next().expect("a reply"), *entry);
    }
    for entry in FILES {
        let content = std::fs::read(var(entry.0)).expect("file");
        spread(&mut values, content.trim_ascii_end(), *entry);
    }
    values
}

async fn kms_client() -> KeyManagementService {
    KeyManagementService::builder()
        .with_endpoint(var("SECRETS_KMS_ENDPOINT"))
        .with_credentials(anonymous::Builder::new().build())
        .build()
        .await
        .expect("KMS client")
}

async fn storage_client() -> Storage {
    Storage::builder()
        .with_endpoint(var("STORAGE_EMULATOR_HOST"))
        .with_credentials(anonymous::Builder::new().build())
        .build()
        .await
        .expect("Storage client")
}

async fn secret_manager_client() -> SecretManagerService {
    SecretManagerService::builder()
        .with_endpoint(var("SECRETS_SECRET_MANAGER_ENDPOINT"))
        .with_credentials(anonymous::Builder::new().build())
        .build()
        .await
        .expect("Secret Manager client")
}

/// Polls every future in turn until all are done (what `futures::future::join_all` does for
/// a few tens of futures; the futures crate is not a dependency of this package).
async fn join_all<T>(futures: Vec<Pin<Box<dyn Future<Output = T> + Send>>>) -> Vec<T> {
    let mut pending: Vec<_> = futures.into_iter().map(Some).collect();
    let mut done: Vec<Option<T>> = pending.iter().map(|_| None).collect();
    poll_fn(|cx| {
        let mut all = true;
        for (slot, out) in pending.iter_mut().zip(&mut done) {
            if let Some(future) = slot {
                match future.as_mut().poll(cx) {
                    Poll::Ready(value) => {
                        *out = Some(value);
                        *slot = None;
                    }
                    Poll::Pending => all = false,
                }
            }
        }
        if all { Poll::Ready(()) } else { Poll::Pending }
    })
    .await;
    done.into_iter().map(|v| v.expect("done")).collect()
}

/// `value` whole when its entry has no keys, else the values of its JSON keys.
fn spread(values: &mut Vec<String>, value: &[u8], (_, keys): Keyed) {
    if keys.is_empty() {
        values.push(text(value.to_vec()));
        return;
    }
    let object: serde_json::Value = serde_json::from_slice(value).expect("JSON");
    values.extend(
        keys.iter()
            .map(|key| object[key].as_str().expect("key").to_owned()),
    );
}

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).expect("UTF-8")
}

/// CRC32C (Castagnoli), bit by bit: the crc32c crate is not a dependency of this package, and
/// on values of tens of bytes this costs microseconds in all. A wrong result would fail every
/// check against the servers' checksums.
fn crc32c(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for byte in bytes {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0x82F6_3B78
            } else {
                crc >> 1
            };
        }
    }
    !crc
}
