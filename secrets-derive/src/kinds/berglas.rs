//! `#[berglas]` and `#[berglas(env = "VAR", key = "..")]`: the env var holds a berglas
//! reference (`berglas://bucket/object` or `sm://project/secret#version`), resolved as berglas
//! resolves it; the secret is used whole or one key of the JSON object it holds.

use quote::quote;

use super::{FieldCx, Kind};
use crate::attr::{self, Attr, Key, Spec};
use crate::ctxt::{Ctxt, Reported};
use crate::source::{self, Resolved, Use};
use crate::value::{EnvName, JsonKey};

pub struct Berglas;

#[derive(Default)]
struct Keys {
    env: Attr<EnvName>,
    key: Attr<JsonKey>,
}

const SPEC: Spec<Keys> = Spec {
    keys: &[
        // #[berglas(env = "VAR")]: the reference's var, in place of the field's
        Key::new("env", |keys| &mut keys.env),
        // #[berglas(key = "password")]: one key of the JSON secret
        Key::new("key", |keys| &mut keys.key),
    ],
    exclusive: &[],
};

impl Kind for Berglas {
    fn name(&self) -> &'static str {
        "berglas"
    }

    fn example(&self) -> &'static str {
        "#[berglas]"
    }

    fn resolve(&self, cx: &Ctxt, field: &FieldCx) -> Result<Resolved, Reported> {
        let keys = attr::parse(cx, field.attr, &SPEC).read()?;
        let var = field.var(cx, keys.env.get()?, "#[berglas(env = \"...\")]")?;
        let private = field.private;
        let pick = source::pick(private, keys.key.get()?);
        let spec_var = var.tokens(private);
        let reference = Use::Text {
            what: "a berglas reference",
            default: None,
        };
        Ok(Resolved {
            spec: quote!(#private::berglas::Spec { var: #spec_var, pick: #pick }),
            uses: vec![(var, reference)],
        })
    }
}
