//! `#[aws_kms]` and `#[aws_kms(env = "VAR", key = "..", context = "k=v,..", json_key = "..")]`:
//! an env var's text is an AWS KMS ciphertext blob, which AWS KMS decrypts, optionally pinned
//! to a key and bound to an encryption context; the plaintext is used whole, or one key of the
//! JSON object it holds.

use quote::quote;
use syn::LitStr;

use super::{FieldCx, Kind};
use crate::attr::{self, Attr, FromLit, Key, Spec};
use crate::ctxt::{Ctxt, Reported};
use crate::source::{self, NameRef, Resolved, Use};
use crate::value::{EnvName, JsonKey, checked_string};

pub struct AwsKms;

checked_string!(
    /// A key id, key ARN, alias or alias ARN.
    KeyId,
    secrets_names::aws::check_aws_kms_key
);

/// An encryption context: `k=v` pairs, sorted by key as KMS compares them.
struct Context(Vec<(String, String)>);

impl FromLit for Context {
    fn from_lit(_: &str, lit: &LitStr) -> Result<Self, String> {
        secrets_names::aws::parse_encryption_context(&lit.value()).map(Self)
    }
}

#[derive(Default)]
struct Keys {
    env: Attr<EnvName>,
    key: Attr<KeyId>,
    context: Attr<Context>,
    json_key: Attr<JsonKey>,
}

const SPEC: Spec<Keys> = Spec {
    keys: &[
        // #[aws_kms(env = "VAR")]: the ciphertext's var, in place of the field's
        Key::new("env", |keys| &mut keys.env),
        // #[aws_kms(key = "alias/app")]: a key id, key ARN, alias or alias ARN
        Key::new("key", |keys| &mut keys.key),
        // #[aws_kms(context = "app=billing,stage=prod")]: the encryption context
        Key::new("context", |keys| &mut keys.context),
        // #[aws_kms(json_key = "user")]: one key of the JSON object in the plaintext
        Key::new("json_key", |keys| &mut keys.json_key),
    ],
    exclusive: &[],
};

impl Kind for AwsKms {
    fn name(&self) -> &'static str {
        "aws_kms"
    }

    fn example(&self) -> &'static str {
        "#[aws_kms]"
    }

    fn resolve(&self, cx: &Ctxt, field: &FieldCx) -> Result<Resolved, Reported> {
        let keys = attr::parse(cx, field.attr, &SPEC).read()?;
        let var = field.var(cx, keys.env.get()?, "#[aws_kms(env = \"...\")]")?;
        // No key: the blob names its own, and any key this identity may use decrypts it.
        let key = keys.key.get()?.map_or("", |key| key.value.0.as_str());
        let context = keys
            .context
            .get()?
            .map_or(&[][..], |c| c.value.0.as_slice());
        let (names, values): (Vec<&str>, Vec<&str>) = context
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
            .unzip();
        let private = field.private;
        let pick = source::pick(private, keys.json_key.get()?);
        let spec_var = var.tokens(private);
        let ciphertext = Use::Ciphertext {
            service: "AWS KMS",
            key: NameRef::Literal(key.to_owned()),
        };
        Ok(Resolved {
            spec: quote!(#private::aws_kms::Spec {
                var: #spec_var,
                key: #key,
                context: &[#((#names, #values)),*],
                pick: #pick,
            }),
            uses: vec![(var, ciphertext)],
        })
    }
}
