//! The bundle rows: 32 secrets as 32 `#[kms]` fields (a ciphertext each), against the same 32
//! as the keys of one sealed bundle read by 32 `#[bundle]` fields, in both of its forms: Cloud
//! KMS ciphertext of the JSON, and berglas's envelope (Cloud KMS wraps only a data key), here
//! padded past Cloud KMS's 64 KiB of plaintext, which only the envelope can hold.

use std::collections::HashMap;

use base64::prelude::*;
use secrets_runtime::{SecretString, Secrets};
use secrets_wire_server::KmsServer;

use crate::KEY;

/// The bundle's form.
#[derive(Clone, Copy)]
pub enum Form {
    /// Cloud KMS ciphertext of the JSON, base64.
    Ciphertext,
    /// berglas's envelope of the JSON with `padding` KiB more under one more key.
    Envelope { padding: usize },
}

/// Declares both structs from one list of field names, so that they read the same secrets:
/// `#[kms]` fields read env `SECRET0`…, `#[bundle]` fields the keys `secret0`… of the bundle.
macro_rules! thirty_two {
    ($($field:ident)*) => {
        /// 32 secrets, one ciphertext each.
        #[derive(Secrets)]
        #[allow(dead_code)] // loaded to be timed, never read
        pub struct Kms32 {
            $(#[kms] $field: SecretString,)*
        }

        /// The same 32 secrets, keys of one bundle in env `SECRETS_BUNDLE`.
        #[derive(Secrets)]
        #[allow(dead_code)] // loaded to be timed, never read
        pub struct Bundle32 {
            $(#[bundle] $field: SecretString,)*
        }

        /// The fields of both structs.
        pub const FIELDS: &[&str] = &[$(stringify!($field)),*];
    };
}

thirty_two!(
    secret0 secret1 secret2 secret3 secret4 secret5 secret6 secret7
    secret8 secret9 secret10 secret11 secret12 secret13 secret14 secret15
    secret16 secret17 secret18 secret19 secret20 secret21 secret22 secret23
    secret24 secret25 secret26 secret27 secret28 secret29 secret30 secret31
);

/// The key of the envelope's padding, which no field reads.
const PADDING_KEY: &str = "padding";

/// The value of the secret `field`, whichever way it is stored.
fn value(field: &str) -> String {
    format!("bundled-{field}")
}

/// The env of the 32 `#[kms]` fields: a ciphertext per secret.
pub fn kms_env(kms: &KmsServer) -> HashMap<String, String> {
    FIELDS
        .iter()
        .map(|field| {
            let ciphertext = kms.encrypt(KEY, value(field).as_bytes());
            (field.to_uppercase(), BASE64_STANDARD.encode(ciphertext))
        })
        .collect()
}

/// The env of the bundle in `form`: `SECRETS_BUNDLE`.
pub fn bundle_env(kms: &KmsServer, form: Form) -> HashMap<String, String> {
    let mut json: serde_json::Map<String, serde_json::Value> = FIELDS
        .iter()
        .map(|field| ((*field).to_owned(), value(field).into()))
        .collect();
    let bundle = match form {
        Form::Ciphertext => {
            BASE64_STANDARD.encode(kms.encrypt(KEY, &serde_json::to_vec(&json).unwrap()))
        }
        Form::Envelope { padding } => {
            json.insert(PADDING_KEY.into(), "x".repeat(padding * 1024).into());
            let plaintext = serde_json::to_vec(&json).unwrap();
            secrets_runtime::berglas::seal(&plaintext, |dek| Ok(kms.encrypt(KEY, dek))).unwrap()
        }
    };
    HashMap::from([("SECRETS_BUNDLE".to_owned(), bundle)])
}
