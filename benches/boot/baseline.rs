//! The baseline: boot code as a function's author writes it by hand, with the same official
//! clients, one request after another (each object read once, each ciphertext decrypted once,
//! to be fair to it).

use std::collections::HashMap;

use base64::prelude::*;
use google_cloud_auth::credentials::anonymous;
use google_cloud_kms_v1::client::KeyManagementService;
use google_cloud_storage::client::Storage;

use crate::configs::{NESTED_CIPHERTEXTS, NESTED_OBJECTS, mix};

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
        let mut values = Vec::with_capacity(n);
        for i in 0..kms_fields {
            let plaintext = self.decrypt(env, &format!("CT{i}")).await;
            values.push(String::from_utf8(plaintext).expect("UTF-8"));
        }
        for j in 0..objects {
            let object = self.read(env, &format!("obj{j}")).await;
            for i in (j * 4..(j + 1) * 4).filter(|i| *i < gcs_fields) {
                values.push(pick(&object, &format!("key{i}")));
            }
        }
        values
    }

    /// Every secret of `Nested`: each distinct ciphertext decrypted and each distinct object
    /// read in turn, then the keys its fields use picked.
    pub async fn load_nested(&self, env: &HashMap<String, String>) -> Vec<String> {
        let mut values = Vec::new();
        for (var, keys) in NESTED_CIPHERTEXTS {
            let plaintext = self.decrypt(env, var).await;
            if keys.is_empty() {
                values.push(String::from_utf8(plaintext).expect("UTF-8"));
            } else {
                let object = serde_json::from_slice(&plaintext).expect("JSON");
                values.extend(keys.iter().map(|key| pick(&object, key)));
            }
        }
        for (name, keys) in NESTED_OBJECTS {
            let object = self.read(env, name).await;
            values.extend(keys.iter().map(|key| pick(&object, key)));
        }
        values
    }

    /// The plaintext of the ciphertext in env `var`, under the key `KMS_CRYPTO_KEY_ID` names.
    async fn decrypt(&self, env: &HashMap<String, String>, var: &str) -> Vec<u8> {
        let ciphertext = BASE64_STANDARD.decode(env[var].trim()).expect("base64");
        let reply = self
            .kms
            .decrypt()
            .set_name(&env["KMS_CRYPTO_KEY_ID"])
            .set_ciphertext(ciphertext)
            .send()
            .await
            .expect("decrypt");
        reply.plaintext.to_vec()
    }

    /// Object `name` of the bucket `STORAGE_BUCKET` names, parsed as JSON.
    async fn read(&self, env: &HashMap<String, String>, name: &str) -> serde_json::Value {
        let bucket = format!("projects/_/buckets/{}", env["STORAGE_BUCKET"]);
        let mut reply = self
            .storage
            .read_object(&bucket, name)
            .send()
            .await
            .expect("read");
        let mut body = Vec::new();
        while let Some(chunk) = reply.next().await {
            body.extend_from_slice(&chunk.expect("chunk"));
        }
        serde_json::from_slice(&body).expect("JSON")
    }
}

fn pick(object: &serde_json::Value, key: &str) -> String {
    object[key].as_str().expect("key").to_owned()
}
