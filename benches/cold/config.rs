//! What the cold-start children load: 32 secrets over Cloud KMS, Cloud Storage, Secret
//! Manager and mounted files, no berglas. The lists below describe them; the servers' contents,
//! the children's env, the hand-written child's requests, the values both children must
//! return and the floor of requests per load are all made from them.

use std::collections::HashMap;
use std::path::Path;

use secrets_runtime::{ExposeSecret, SecretString, Secrets};

/// A name (an env var, an object, a secret) and the JSON keys fields pick from its value;
/// none: one field uses the value whole.
pub type Keyed = (&'static str, &'static [&'static str]);

pub const KEY: &str = "projects/bench/locations/global/keyRings/bench/cryptoKeys/cold";
pub const BUCKET: &str = "bench-secrets";
pub const PROJECT: &str = "bench";

/// `#[kms]` fields, one ciphertext each: the env var holding it.
pub const CIPHERTEXTS: &[&str] = &[
    "CT0", "CT1", "CT2", "CT3", "CT4", "CT5", "CT6", "CT7", "CT8", "CT9", "CT10", "CT11",
];
/// `#[gcs]` fields: objects of `STORAGE_BUCKET`.
pub const OBJECTS: &[Keyed] = &[
    ("obj0", &["key0", "key1", "key2", "key3"]),
    ("obj1", &["key4", "key5", "key6", "key7"]),
];
/// `#[secret_manager]` fields: secrets of [`PROJECT`], version `latest`.
pub const SECRETS: &[Keyed] = &[
    ("sm0", &[]),
    ("sm1", &[]),
    ("sm2", &[]),
    ("sm3", &[]),
    ("sm-db", &["user", "password"]),
    ("sm-api", &["id", "token"]),
];
/// `#[file]` fields: the env var naming each file's path.
pub const FILES: &[Keyed] = &[
    ("FILE0", &[]),
    ("FILE1", &[]),
    ("FILE_JSON", &["user", "password"]),
];

/// The requests one load needs: a decrypt per ciphertext, a read per object, an access per
/// secret version; files are read from disk.
pub fn floor() -> usize {
    CIPHERTEXTS.len() + OBJECTS.len() + SECRETS.len()
}

/// Declares the struct, and its values in the order of [`expected`].
macro_rules! cold32 {
    ($($(#[$source:meta])* $field:ident,)*) => {
        /// The 32 secrets of the lists above.
        #[derive(Secrets)]
        pub struct Cold32 {
            $($(#[$source])* $field: SecretString,)*
        }

        impl Cold32 {
            /// Every field's value, in declaration order.
            pub fn values(&self) -> Vec<String> {
                vec![$(self.$field.expose_secret().to_owned()),*]
            }
        }
    };
}

cold32! {
    #[kms(env = "CT0")] k0,
    #[kms(env = "CT1")] k1,
    #[kms(env = "CT2")] k2,
    #[kms(env = "CT3")] k3,
    #[kms(env = "CT4")] k4,
    #[kms(env = "CT5")] k5,
    #[kms(env = "CT6")] k6,
    #[kms(env = "CT7")] k7,
    #[kms(env = "CT8")] k8,
    #[kms(env = "CT9")] k9,
    #[kms(env = "CT10")] k10,
    #[kms(env = "CT11")] k11,
    #[gcs(object = "obj0", key = "key0")] g0,
    #[gcs(object = "obj0", key = "key1")] g1,
    #[gcs(object = "obj0", key = "key2")] g2,
    #[gcs(object = "obj0", key = "key3")] g3,
    #[gcs(object = "obj1", key = "key4")] g4,
    #[gcs(object = "obj1", key = "key5")] g5,
    #[gcs(object = "obj1", key = "key6")] g6,
    #[gcs(object = "obj1", key = "key7")] g7,
    #[secret_manager(secret = "sm0")] s0,
    #[secret_manager(secret = "sm1")] s1,
    #[secret_manager(secret = "sm2")] s2,
    #[secret_manager(secret = "sm3")] s3,
    #[secret_manager(secret = "sm-db", key = "user")] s4,
    #[secret_manager(secret = "sm-db", key = "password")] s5,
    #[secret_manager(secret = "sm-api", key = "id")] s6,
    #[secret_manager(secret = "sm-api", key = "token")] s7,
    #[file(path_env = "FILE0")] f0,
    #[file(path_env = "FILE1")] f1,
    #[file(path_env = "FILE_JSON", key = "user")] f2,
    #[file(path_env = "FILE_JSON", key = "password")] f3,
}

/// The plaintext behind a ciphertext, object, secret or file: `{source}-{name}` whole, or a
/// JSON object whose keys hold `{source}-{name}-{key}`.
pub fn value(source: &str, (name, keys): Keyed) -> Vec<u8> {
    if keys.is_empty() {
        return format!("{source}-{name}").into_bytes();
    }
    let object: serde_json::Map<String, serde_json::Value> = keys
        .iter()
        .map(|key| ((*key).to_owned(), format!("{source}-{name}-{key}").into()))
        .collect();
    serde_json::to_vec(&object).unwrap()
}

/// The value of each field, in the order the lists (and the struct) give them.
pub fn expected() -> Vec<String> {
    let mut values: Vec<String> = CIPHERTEXTS.iter().map(|var| format!("kms-{var}")).collect();
    let sources = [
        ("stored", OBJECTS),
        ("managed", SECRETS),
        ("mounted", FILES),
    ];
    for (source, list) in sources {
        for (name, keys) in list {
            if keys.is_empty() {
                values.push(format!("{source}-{name}"));
            }
            values.extend(keys.iter().map(|key| format!("{source}-{name}-{key}")));
        }
    }
    values
}

/// The plaintexts of the ciphertexts, by env var.
pub fn plaintexts() -> impl Iterator<Item = (&'static str, Vec<u8>)> {
    CIPHERTEXTS
        .iter()
        .map(|var| (*var, value("kms", (var, &[]))))
}

/// The children's env beside the ciphertexts and endpoints: the key, bucket and project, and
/// the files' paths under `files`.
pub fn env(files: &Path) -> HashMap<String, String> {
    let mut env = HashMap::from([
        ("KMS_CRYPTO_KEY_ID".to_owned(), KEY.to_owned()),
        ("STORAGE_BUCKET".to_owned(), BUCKET.to_owned()),
        ("GOOGLE_CLOUD_PROJECT".to_owned(), PROJECT.to_owned()),
    ]);
    for (var, _) in FILES {
        let path = files.join(var).to_str().expect("a UTF-8 path").to_owned();
        env.insert((*var).to_owned(), path);
    }
    env
}
