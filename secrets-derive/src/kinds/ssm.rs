//! `#[ssm(name = ".." | name_env = "VAR", key = "..")]`: an AWS Systems Manager Parameter
//! Store parameter (a `SecureString` decrypted), used whole or one key of the JSON object it
//! holds.

use quote::quote;

use super::{FieldCx, Kind};
use crate::attr::{self, Attr, Exclusive, Key, Spec};
use crate::ctxt::{Ctxt, Reported};
use crate::source::{self, Resolved};
use crate::value::{EnvName, JsonKey, checked_string};

pub struct Ssm;

checked_string!(
    /// A parameter's name (with `:VERSION` or `:LABEL`) or ARN.
    ParameterName,
    secrets_names::aws::check_ssm_parameter_name
);

#[derive(Default)]
struct Keys {
    name: Attr<ParameterName>,
    name_env: Attr<EnvName>,
    key: Attr<JsonKey>,
}

const SPEC: Spec<Keys> = Spec {
    keys: &[
        // #[ssm(name = "/prod/api/token")], with `:VERSION` or `:LABEL`, or an ARN
        Key::new("name", |keys| &mut keys.name),
        // #[ssm(name_env = "VAR")]: the var that holds the parameter's name
        Key::new("name_env", |keys| &mut keys.name_env),
        // #[ssm(key = "password")]: one key of the JSON value
        Key::new("key", |keys| &mut keys.key),
    ],
    exclusive: &[Exclusive {
        first: "name",
        second: "name_env",
        what: "the parameter",
    }],
};

impl Kind for Ssm {
    fn name(&self) -> &'static str {
        "ssm"
    }

    fn example(&self) -> &'static str {
        "#[ssm(name = \"...\")]"
    }

    fn resolve(&self, cx: &Ctxt, field: &FieldCx) -> Result<Resolved, Reported> {
        let keys = attr::parse(cx, field.attr, &SPEC).read()?;
        let literal = keys.name.get()?.map(|name| name.value.0.clone());
        let name = field.required_name_ref(
            cx,
            literal,
            keys.name_env.get()?,
            "`#[ssm]` needs the parameter: `#[ssm(name = \"...\")]` or `#[ssm(name_env = \"VAR\")]`",
        )?;
        let private = field.private;
        let pick = source::pick(private, keys.key.get()?);
        let spec_name = name.tokens(private);
        Ok(Resolved {
            spec: quote!(#private::ssm::Spec { name: #spec_name, pick: #pick }),
            uses: name.used_as("a parameter name").into_iter().collect(),
        })
    }
}
