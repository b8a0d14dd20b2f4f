//! The baseline: boot code as a function's author writes it by hand, with the same official
//! clients, one request after another (each object read once, to be fair to it).

use std::collections::HashMap;

use base64::prelude::*;
use google_cloud_auth::credentials::anonymous;
use google_cloud_kms_v1::client::KeyManagementService;
use google_cloud_storage::client::Storage;

use crate::configs::mix;

pub struct Baseline {
    kms: KeyManagementService,
    storage: Storage,
}

impl Baseline {
    pub async fn connect(kms_endpoint: &str, storage_endpoint: &str) -> Self {
        let kms = KeyManagementService::builder()
            .with_endpoint(kms_endpoint)
            .with_credentials(anonymous::Builder::new().build())
            .build()
            .await
            .expect("KMS client");
        let storage = Storage::builder()
            .with_endpoint(storage_endpoint)
            .with_credentials(anonymous::Builder::new().build())
            .build()
            .await
            .expect("Storage client");
        Self { kms, storage }
    }

    /// Every secret of a config of `n`, decrypted and downloaded in turn.
    pub async fn load(&self, n: usize, env: &HashMap<String, String>) -> Vec<String> {
        let (kms_fields, gcs_fields, objects) = mix(n);
        let key = &env["KMS_CRYPTO_KEY_ID"];
        let bucket = format!("projects/_/buckets/{}", env["STORAGE_BUCKET"]);
        let mut values = Vec::with_capacity(n);
        for i in 0..kms_fields {
            let ciphertext = BASE64_STANDARD
                .decode(env[&format!("CT{i}")].trim())
                .expect("base64");
            let reply = self
                .kms
                .decrypt()
                .set_name(key)
                .set_ciphertext(ciphertext)
                .send()
                .await
                .expect("decrypt");
            values.push(String::from_utf8(reply.plaintext.to_vec()).expect("UTF-8"));
        }
        for j in 0..objects {
            let mut reply = self
                .storage
                .read_object(&bucket, format!("obj{j}"))
                .send()
                .await
                .expect("read");
            let mut body = Vec::new();
            while let Some(chunk) = reply.next().await {
                body.extend_from_slice(&chunk.expect("chunk"));
            }
            let object: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
            for i in (j * 4..(j + 1) * 4).filter(|i| *i < gcs_fields) {
                values.push(object[format!("key{i}")].as_str().expect("key").to_owned());
            }
        }
        values
    }
}
