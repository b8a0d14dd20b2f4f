//! `#[kms]` and `#[kms(env = "VAR", key = ".." | key_env = "VAR", json_key = "..")]`: an env
//! var's text is ciphertext, which Cloud KMS decrypts; the plaintext is used whole, or one key
//! of the JSON object it holds.

use quote::quote;
use syn::LitStr;

use super::{ContainerKey, FieldCx, Kind};
use crate::attr::{self, Attr, Exclusive, FromLit, Key, Spec};
use crate::ctxt::{Ctxt, Reported};
use crate::source::{self, Resolved, Use};
use crate::value::{self, EnvName, JsonKey};

pub struct Kms;

/// `projects/P/locations/L/keyRings/R/cryptoKeys/K`.
struct KmsKey(String);

impl FromLit for KmsKey {
    fn from_lit(_: &str, lit: &LitStr) -> Result<Self, String> {
        value::checked(lit, secrets_names::check_kms_key_name).map(Self)
    }
}

/// The env var that names the key of a field that gives none.
pub(super) const KEY_ENV: ContainerKey = ContainerKey {
    key: "kms_key_env",
    default: "KMS_CRYPTO_KEY_ID",
};

#[derive(Default)]
struct Keys {
    env: Attr<EnvName>,
    key: Attr<KmsKey>,
    key_env: Attr<EnvName>,
    json_key: Attr<JsonKey>,
}

const SPEC: Spec<Keys> = Spec {
    keys: &[
        // #[kms(env = "VAR")]: the ciphertext's var, in place of the field's
        Key::new("env", |keys| &mut keys.env),
        // #[kms(key = "projects/.../cryptoKeys/k")]
        Key::new("key", |keys| &mut keys.key),
        // #[kms(key_env = "VAR")]: the var that holds the key name
        Key::new("key_env", |keys| &mut keys.key_env),
        // #[kms(json_key = "user")]: one key of the JSON object in the plaintext
        Key::new("json_key", |keys| &mut keys.json_key),
    ],
    exclusive: &[Exclusive {
        first: "key",
        second: "key_env",
        what: "the KMS key",
    }],
};

impl Kind for Kms {
    fn name(&self) -> &'static str {
        "kms"
    }

    fn example(&self) -> &'static str {
        "#[kms]"
    }

    fn container_keys(&self) -> &'static [ContainerKey] {
        &[KEY_ENV]
    }

    fn resolve(&self, cx: &Ctxt, field: &FieldCx) -> Result<Resolved, Reported> {
        let keys = attr::parse(cx, field.attr, &SPEC).read()?;
        let var = field.var(cx, keys.env.get()?, "#[kms(env = \"...\")]")?;
        let literal = keys.key.get()?.map(|key| key.value.0.clone());
        let key = field.name_ref(literal, keys.key_env.get()?, &KEY_ENV);
        let private = field.private;
        let pick = source::pick(private, keys.json_key.get()?);
        let (spec_var, spec_key) = (var.tokens(private), key.tokens(private));
        let key_name = key.used_as("a KMS key name");
        let ciphertext = Use::Ciphertext {
            service: "KMS",
            key,
        };
        Ok(Resolved {
            spec: quote!(#private::kms::Spec { var: #spec_var, key: #spec_key, pick: #pick }),
            uses: std::iter::once((var, ciphertext)).chain(key_name).collect(),
        })
    }
}
