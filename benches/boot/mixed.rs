//! The mixed rows: one struct over every source, with and without berglas references.
//!
//! Written by hand (the generated `configs.rs` holds the single-kind configs): the lists below
//! describe what the structs read, and both the servers' contents and the floor of requests
//! per load are made from them, not from the loader.

use std::collections::HashMap;
use std::path::Path;

use secrets_runtime::{SecretString, Secrets};

use crate::{BUCKET, KEY, Servers, json_object};

/// A name (an env var, an object, a secret) and the JSON keys fields pick from its value;
/// none: one field uses the value whole.
pub type Keyed = (&'static str, &'static [&'static str]);

/// The project of the Secret Manager secrets, in env `GOOGLE_CLOUD_PROJECT`.
const PROJECT: &str = "bench";

/// `#[env]` fields: plain config, no request.
pub const PLAIN: &[&str] = &["PLAIN0", "PLAIN1", "PLAIN2", "PLAIN3"];
/// `#[kms]` fields, one ciphertext each (the env vars of `Config8`'s and larger configs').
pub const CIPHERTEXTS: &[&str] = &["CT0", "CT1", "CT2", "CT3", "CT4", "CT5"];
/// `#[gcs]` fields: objects of `STORAGE_BUCKET`, as the flat configs store them.
pub const OBJECTS: &[Keyed] = &[
    ("obj0", &["key0", "key1", "key2", "key3"]),
    ("obj1", &["key4", "key5", "key6", "key7"]),
];
/// `#[secret_manager]` fields: secrets of [`PROJECT`], version `latest`.
pub const SECRETS: &[Keyed] = &[
    ("sm0", &[]),
    ("sm1", &[]),
    ("sm2", &[]),
    ("sm-json", &["user", "password"]),
];
/// `#[file]` fields: the env var naming each file's path.
pub const FILES: &[Keyed] = &[
    ("FILE0", &[]),
    ("FILE1", &[]),
    ("FILE_JSON", &["user", "password"]),
];
/// `#[berglas]` fields reading `berglas://` objects: the env var holding each reference
/// (the object is [`berglas_object`] of it).
pub const BERGLAS_OBJECTS: &[Keyed] = &[
    ("BERGLAS0", &[]),
    ("BERGLAS1", &[]),
    ("BERGLAS_JSON", &["user", "password"]),
];
/// A `#[berglas]` field holding `sm://` of a secret a `#[secret_manager]` field reads too:
/// its env var and the secret. The two share one access, so it adds no request.
pub const BERGLAS_SM: (&str, &str) = ("BERGLAS_SM", "sm0");

/// Declares a struct with the fields the lists above describe, berglas's aside, then `$extra`.
macro_rules! mixed {
    ($(#[$doc:meta])* $name:ident { $($extra:tt)* }) => {
        $(#[$doc])*
        #[derive(Secrets)]
        #[allow(dead_code)] // loaded to be timed, never read
        pub struct $name {
            #[env(name = "PLAIN0")]
            e0: String,
            #[env(name = "PLAIN1")]
            e1: String,
            #[env(name = "PLAIN2")]
            e2: String,
            #[env(name = "PLAIN3")]
            e3: String,
            #[kms(env = "CT0")]
            k0: SecretString,
            #[kms(env = "CT1")]
            k1: SecretString,
            #[kms(env = "CT2")]
            k2: SecretString,
            #[kms(env = "CT3")]
            k3: SecretString,
            #[kms(env = "CT4")]
            k4: SecretString,
            #[kms(env = "CT5")]
            k5: SecretString,
            #[gcs(object = "obj0", key = "key0")]
            g0: SecretString,
            #[gcs(object = "obj0", key = "key1")]
            g1: SecretString,
            #[gcs(object = "obj0", key = "key2")]
            g2: SecretString,
            #[gcs(object = "obj0", key = "key3")]
            g3: SecretString,
            #[gcs(object = "obj1", key = "key4")]
            g4: SecretString,
            #[gcs(object = "obj1", key = "key5")]
            g5: SecretString,
            #[gcs(object = "obj1", key = "key6")]
            g6: SecretString,
            #[gcs(object = "obj1", key = "key7")]
            g7: SecretString,
            #[secret_manager(secret = "sm0")]
            s0: SecretString,
            #[secret_manager(secret = "sm1")]
            s1: SecretString,
            #[secret_manager(secret = "sm2")]
            s2: SecretString,
            #[secret_manager(secret = "sm-json", key = "user")]
            s3: SecretString,
            #[secret_manager(secret = "sm-json", key = "password")]
            s4: SecretString,
            #[file(path_env = "FILE0")]
            f0: SecretString,
            #[file(path_env = "FILE1")]
            f1: SecretString,
            #[file(path_env = "FILE_JSON", key = "user")]
            f2: SecretString,
            #[file(path_env = "FILE_JSON", key = "password")]
            f3: SecretString,
            $($extra)*
        }
    };
}

mixed!(
    /// 27 secrets over env, KMS, Cloud Storage, Secret Manager and files.
    MixedNoBerglas {}
);

mixed!(
    /// The 27 secrets of [`MixedNoBerglas`] and 5 berglas references: 32 secrets.
    MixedBerglas {
        #[berglas(env = "BERGLAS0")]
        b0: SecretString,
        #[berglas(env = "BERGLAS1")]
        b1: SecretString,
        #[berglas(env = "BERGLAS_JSON", key = "user")]
        b2: SecretString,
        #[berglas(env = "BERGLAS_JSON", key = "password")]
        b3: SecretString,
        #[berglas(env = "BERGLAS_SM")]
        b4: SecretString,
    }
);

/// The fields of one of the structs, counted from the lists.
pub fn fields(berglas: bool) -> usize {
    let keyed = |list: &[Keyed]| -> usize { list.iter().map(|(_, keys)| keys.len().max(1)).sum() };
    let without = PLAIN.len() + CIPHERTEXTS.len() + keyed(OBJECTS) + keyed(SECRETS) + keyed(FILES);
    if berglas {
        without + keyed(BERGLAS_OBJECTS) + 1
    } else {
        without
    }
}

/// The requests a load needs: one per ciphertext, object and secret version, two per berglas
/// object (its read, then the decrypt of its data key); none for env and files, none for the
/// `sm://` reference (its access is shared).
pub fn floor(berglas: bool) -> usize {
    let without = CIPHERTEXTS.len() + OBJECTS.len() + SECRETS.len();
    if berglas {
        without + 2 * BERGLAS_OBJECTS.len()
    } else {
        without
    }
}

/// The name of the `berglas://` object whose reference env `var` holds.
pub fn berglas_object(var: &str) -> String {
    format!("berglas/{}", var.to_lowercase())
}

/// A value of an entry of a list: a JSON object of its keys, or one string.
fn value(prefix: &str, (name, keys): Keyed) -> Vec<u8> {
    let prefix = format!("{prefix}-{name}");
    if keys.is_empty() {
        prefix.into_bytes()
    } else {
        json_object(&prefix, keys)
    }
}

/// Stores what the structs read: the secrets, the files, and the berglas objects, sealed as
/// `berglas create` seals them and uploaded with their key in the metadata. (The Cloud Storage
/// objects are the flat configs'.)
pub async fn store(servers: &Servers) {
    let files = servers.files.path();
    for secret in SECRETS {
        let name = format!("projects/{PROJECT}/secrets/{}", secret.0);
        servers.sm.add_version(&name, &value("managed", *secret));
    }
    for file in FILES {
        std::fs::write(files.join(file.0), value("mounted", *file)).unwrap();
    }
    for entry in BERGLAS_OBJECTS {
        let object = berglas_object(entry.0);
        let body = secrets_runtime::berglas::seal(&value("berglas", *entry), |dek| {
            Ok(servers.kms.encrypt_with_aad(KEY, dek, object.as_bytes()))
        })
        .unwrap();
        servers
            .gcs
            .upload_with_metadata(
                BUCKET,
                &object,
                body.as_bytes(),
                &[(secrets_runtime::berglas::KMS_KEY_METADATA, KEY)],
            )
            .await;
    }
}

/// The env of the mixed rows, beside the ciphertexts, key and bucket every row has: plain
/// values, the project, the files' paths under `files`, and the berglas references.
pub fn env(files: &Path) -> HashMap<String, String> {
    let mut env: HashMap<String, String> = PLAIN
        .iter()
        .map(|var| ((*var).to_owned(), format!("plain-{var}")))
        .collect();
    env.insert("GOOGLE_CLOUD_PROJECT".into(), PROJECT.into());
    for (var, _) in FILES {
        let path = files.join(var).to_str().expect("a UTF-8 path").to_owned();
        env.insert((*var).to_owned(), path);
    }
    for (var, _) in BERGLAS_OBJECTS {
        let reference = format!("berglas://{BUCKET}/{}", berglas_object(var));
        env.insert((*var).to_owned(), reference);
    }
    let (var, secret) = BERGLAS_SM;
    env.insert(var.to_owned(), format!("sm://{PROJECT}/{secret}"));
    env
}
