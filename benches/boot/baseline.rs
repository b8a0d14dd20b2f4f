//! The baseline: boot code as a function's author writes it by hand, with the same official
//! clients, one request after another (each object read once, each ciphertext decrypted once,
//! each secret version accessed once, to be fair to it).

use std::collections::HashMap;

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::prelude::*;
use google_cloud_auth::credentials::anonymous;
use google_cloud_kms_v1::client::KeyManagementService;
use google_cloud_secretmanager_v1::client::SecretManagerService;
use google_cloud_storage::client::Storage;

use crate::bundle;
use crate::configs::{NESTED_CIPHERTEXTS, NESTED_OBJECTS, mix};
use crate::mixed::{self, Keyed};

pub struct Baseline {
    kms: KeyManagementService,
    storage: Storage,
    secret_manager: SecretManagerService,
}

impl Baseline {
    pub async fn connect(kms_endpoint: &str, storage_endpoint: &str, sm_endpoint: &str) -> Self {
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
        let secret_manager = SecretManagerService::builder()
            .with_endpoint(sm_endpoint)
            .with_credentials(anonymous::Builder::new().build())
            .build()
            .await
            .expect("Secret Manager client");
        Self {
            kms,
            storage,
            secret_manager,
        }
    }

    /// Every secret of a config of `n`, decrypted and downloaded in turn.
    pub async fn load(&self, n: usize, env: &HashMap<String, String>) -> Vec<String> {
        let (kms_fields, gcs_fields, objects) = mix(n);
        let mut values = Vec::with_capacity(n);
        for i in 0..kms_fields {
            values.push(text(self.decrypt(env, &format!("CT{i}")).await));
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
            spread(&mut values, &plaintext, keys);
        }
        for (name, keys) in NESTED_OBJECTS {
            let object = self.read(env, name).await;
            values.extend(keys.iter().map(|key| pick(&object, key)));
        }
        values
    }

    /// Every secret of a mixed struct, in turn: env values, then each ciphertext decrypted,
    /// each object read, each secret version accessed, each file read, and each berglas
    /// object read then its data key decrypted (the `sm://` reference reuses the access its
    /// secret already had).
    pub async fn load_mixed(&self, berglas: bool, env: &HashMap<String, String>) -> Vec<String> {
        let mut values: Vec<String> = mixed::PLAIN.iter().map(|var| env[*var].clone()).collect();
        for var in mixed::CIPHERTEXTS {
            values.push(text(self.decrypt(env, var).await));
        }
        for (name, keys) in mixed::OBJECTS {
            let object = self.read(env, name).await;
            values.extend(keys.iter().map(|key| pick(&object, key)));
        }
        let mut accessed = HashMap::new();
        for (secret, keys) in mixed::SECRETS {
            let name = format!(
                "projects/{}/secrets/{secret}/versions/latest",
                env["GOOGLE_CLOUD_PROJECT"]
            );
            let reply = self
                .secret_manager
                .access_secret_version()
                .set_name(name)
                .send()
                .await
                .expect("access");
            let payload = reply.payload.expect("a payload").data.to_vec();
            spread(&mut values, &payload, keys);
            accessed.insert(*secret, payload);
        }
        for (var, keys) in mixed::FILES {
            let content = std::fs::read(&env[*var]).expect("file");
            spread(&mut values, content.trim_ascii_end(), keys);
        }
        if berglas {
            for entry in mixed::BERGLAS_OBJECTS {
                let plaintext = self.open_berglas(env, *entry).await;
                spread(&mut values, &plaintext, entry.1);
            }
            values.push(text(accessed[mixed::BERGLAS_SM.1].clone()));
        }
        values
    }

    /// The 32 secrets of `bundle::Kms32`, each ciphertext decrypted in turn.
    pub async fn load_kms32(&self, env: &HashMap<String, String>) -> Vec<String> {
        let mut values = Vec::with_capacity(bundle::FIELDS.len());
        for field in bundle::FIELDS {
            values.push(text(self.decrypt(env, &field.to_uppercase()).await));
        }
        values
    }

    /// The 32 secrets of `bundle::Bundle32`: the bundle decrypted (or its envelope's data key
    /// unwrapped and its JSON opened), then its keys picked.
    pub async fn load_bundle(&self, env: &HashMap<String, String>) -> Vec<String> {
        let bundle = &env["SECRETS_BUNDLE"];
        let plaintext = if bundle.contains(':') {
            self.open_envelope(&env["KMS_CRYPTO_KEY_ID"], bundle, None)
                .await
        } else {
            self.decrypt(env, "SECRETS_BUNDLE").await
        };
        let object = serde_json::from_slice(&plaintext).expect("JSON");
        bundle::FIELDS
            .iter()
            .map(|key| pick(&object, key))
            .collect()
    }

    /// The plaintext of a berglas object, as berglas reads one: the object and its metadata,
    /// then its data key decrypted with the key the metadata names, bound to the object's name.
    async fn open_berglas(&self, env: &HashMap<String, String>, (var, _): Keyed) -> Vec<u8> {
        let reference = env[var].strip_prefix("berglas://").expect("berglas://");
        let (bucket, object) = reference.split_once('/').expect("BUCKET/OBJECT");
        let (body, metadata) = self.read_raw(bucket, object).await;
        let body = std::str::from_utf8(&body).expect("UTF-8");
        let key = &metadata[secrets_runtime::berglas::KMS_KEY_METADATA];
        self.open_envelope(key, body, Some(object.as_bytes())).await
    }

    /// The plaintext of berglas's envelope `DEK:SEALED`: its data key decrypted under `key`
    /// (bound to `aad` if any), then the sealed value opened with it.
    async fn open_envelope(&self, key: &str, envelope: &str, aad: Option<&[u8]>) -> Vec<u8> {
        let (wrapped, sealed) = envelope.split_once(':').expect("DEK:SEALED");
        let mut request = self
            .kms
            .decrypt()
            .set_name(key)
            .set_ciphertext(BASE64_STANDARD.decode(wrapped).expect("base64"));
        if let Some(aad) = aad {
            request = request.set_additional_authenticated_data(aad.to_vec());
        }
        let reply = request.send().await.expect("decrypt");
        let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&reply.plaintext));
        let sealed = BASE64_STANDARD.decode(sealed).expect("base64");
        let (nonce, ciphertext) = sealed.split_at(12);
        cipher
            .decrypt(Nonce::from_slice(nonce), ciphertext)
            .expect("open")
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
        let (body, _) = self.read_raw(&env["STORAGE_BUCKET"], name).await;
        serde_json::from_slice(&body).expect("JSON")
    }

    /// Object `name` of `bucket` and its custom metadata, in one read.
    async fn read_raw(&self, bucket: &str, name: &str) -> (Vec<u8>, HashMap<String, String>) {
        let bucket = format!("projects/_/buckets/{bucket}");
        let mut reply = self
            .storage
            .read_object(&bucket, name)
            .send()
            .await
            .expect("read");
        let metadata = reply.object().metadata.into_iter().collect();
        let mut body = Vec::new();
        while let Some(chunk) = reply.next().await {
            body.extend_from_slice(&chunk.expect("chunk"));
        }
        (body, metadata)
    }
}

fn pick(object: &serde_json::Value, key: &str) -> String {
    object[key].as_str().expect("key").to_owned()
}

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).expect("UTF-8")
}

/// `value` whole when no `keys`, else the values of its JSON `keys`, onto `values`.
fn spread(values: &mut Vec<String>, value: &[u8], keys: &[&str]) {
    if keys.is_empty() {
        values.push(text(value.to_vec()));
    } else {
        let object = serde_json::from_slice(value).expect("JSON");
        values.extend(keys.iter().map(|key| pick(&object, key)));
    }
}
