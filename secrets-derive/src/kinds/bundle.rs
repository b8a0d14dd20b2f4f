//! `#[bundle]` and `#[bundle(key = "..", env = "VAR")]`: one key of a sealed bundle, a JSON
//! object of secrets that Cloud KMS decrypts once for every field that reads it.

use quote::quote;
use syn::ext::IdentExt;
use syn::spanned::Spanned;

use super::kms::KEY_ENV;
use super::{ContainerKey, FieldCx, Kind};
use crate::attr::{self, Attr, Key, Spec};
use crate::ctxt::{Ctxt, Reported};
use crate::source::{EnvVar, Resolved, Use};
use crate::value::{EnvName, JsonKey};

pub struct Bundle;

/// The env var that holds the bundle of a field that names none.
const BUNDLE_ENV: ContainerKey = ContainerKey {
    key: "bundle_env",
    default: "SECRETS_BUNDLE",
};

#[derive(Default)]
struct Keys {
    key: Attr<JsonKey>,
    env: Attr<EnvName>,
}

const SPEC: Spec<Keys> = Spec {
    keys: &[
        // #[bundle(key = "DB_PASS")]: the JSON key, in place of the field's name
        Key::new("key", |keys| &mut keys.key),
        // #[bundle(env = "VAR")]: the bundle's var, in place of the struct's
        Key::new("env", |keys| &mut keys.env),
    ],
    exclusive: &[],
};

impl Kind for Bundle {
    fn name(&self) -> &'static str {
        "bundle"
    }

    fn example(&self) -> &'static str {
        "#[bundle]"
    }

    fn container_keys(&self) -> &'static [ContainerKey] {
        &[BUNDLE_ENV]
    }

    fn resolve(&self, cx: &Ctxt, field: &FieldCx) -> Result<Resolved, Reported> {
        let keys = attr::parse(cx, field.attr, &SPEC).read()?;
        let json_key = keys.key.get()?.map_or_else(
            || field.ident.unraw().to_string(),
            |key| key.value.0.clone(),
        );
        // The bundle's var is named, never derived from the field: every field shares it.
        let var = match keys.env.get()? {
            Some(env) => EnvVar {
                name: env.value.0.clone(),
                span: env.span,
                from_field: false,
            },
            None => EnvVar {
                name: field.container.var(&BUNDLE_ENV).to_owned(),
                span: field.attr.path().span(),
                from_field: false,
            },
        };
        let key = field.name_ref(None, None, &KEY_ENV);
        let private = field.private;
        let (spec_var, spec_key) = (var.tokens(private), key.tokens(private));
        let key_name = key.used_as("a KMS key name");
        let ciphertext = Use::Ciphertext {
            service: "KMS",
            key,
        };
        Ok(Resolved {
            spec: quote!(#private::bundle::Spec { var: #spec_var, key: #spec_key, json_key: #json_key }),
            uses: std::iter::once((var, ciphertext)).chain(key_name).collect(),
        })
    }
}
