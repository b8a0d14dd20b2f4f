//! `#[env]`, `#[env("VAR")]` and `#[env(name = "VAR", default = "...")]`: an env var's text,
//! as it is.

use quote::quote;

use super::{FieldCx, Kind};
use crate::attr::{self, Attr, Key, Spec};
use crate::ctxt::{Ctxt, Reported};
use crate::source::{self, Resolved, Use};
use crate::typed;
use crate::value::{EnvName, Text};

pub struct Env;

#[derive(Default)]
struct Keys {
    name: Attr<EnvName>,
    default: Attr<Text>,
}

const SPEC: Spec<Keys> = Spec {
    keys: &[
        // #[env(name = "VAR")] or #[env("VAR")]: in place of the name derived from the
        // field's. The only kind with a short form: every other has two keys a lone string
        // could mean (a name and a JSON `key`).
        Key::positional("name", |keys| &mut keys.name),
        // #[env(default = "...")]: the text when the var is unset
        Key::new("default", |keys| &mut keys.default),
    ],
    exclusive: &[],
};

impl Kind for Env {
    fn name(&self) -> &'static str {
        "env"
    }

    fn example(&self) -> &'static str {
        "#[env]"
    }

    fn resolve(&self, cx: &Ctxt, field: &FieldCx) -> Result<Resolved, Reported> {
        let parsed = attr::parse(cx, field.attr, &SPEC);
        // An unset env var already loads as `None` into an `Option`: a default would
        // contradict it. Checked before the keys must all be read, so it holds even when
        // another key was misspelled.
        if let Some(default) = parsed.keys.default.given()
            && field.is_option()
        {
            cx.error_at(
                default,
                "`default` is not allowed on an `Option` field: an unset env var loads as `None`; drop `default` or the `Option`",
            );
        }
        let keys = parsed.read()?;
        let var = field.var(cx, keys.name.get()?, "#[env(name = \"...\")]")?;
        let default = keys.default.get()?;
        if let Some(default) = default
            && let Err(why) = check_default(field, &default.value.0)
        {
            // Would fail at run time only when the var is unset: fail now, at the literal.
            return Err(cx.error_at(default.span, why));
        }
        let default = default.map(|default| default.value.0.clone());
        let private = field.private;
        let spec_var = var.tokens(private);
        let spec_default = source::option_str(default.as_deref());
        Ok(Resolved {
            spec: quote!(#private::env::Spec { var: #spec_var, default: #spec_default }),
            uses: vec![(var, Use::plain(default))],
        })
    }
}

/// Whether `default` loads as the field would: as its type when the derive knows it; for a
/// list, split and trimmed as the runtime splits one (`convert/list.rs`), each item checked
/// the same way and none empty, whatever the type.
fn check_default(field: &FieldCx, default: &str) -> Result<(), String> {
    let Some(list) = field.list else {
        return typed::check_default(field.ty, default);
    };
    let items = secrets_names::list_items(default, &list.separator)
        .map_err(|why| format!("the default: {why}"))?;
    let count = items.len();
    for (index, item) in items.into_iter().enumerate() {
        let position = index + 1;
        let item = item.map_err(|why| format!("the default: {why}"))?;
        typed::check_default(list.item, item)
            .map_err(|why| format!("item {position} of {count}: {why}"))?;
    }
    Ok(())
}
