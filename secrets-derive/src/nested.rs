//! `#[secrets(nested)]` and `#[secrets(nested, prefix = "DB_")]` on a field: the field's type
//! derives `Secrets` and loads as part of this struct, its derived env var names prefixed.

use syn::Attribute;

use crate::attr::{self, Attr, Flag, Keys, Slot};
use crate::container;
use crate::ctxt::{Ctxt, Reported};
use crate::value::Prefix;

/// What a field's `#[secrets(...)]` says.
pub struct Nesting {
    /// How the fallback checks the field's type when there were errors.
    pub check: TypeCheck,
    /// `Some(prefix)` for a nested field (`""` without `prefix`), `None` without `#[secrets]`.
    pub prefix: Result<Option<String>, Reported>,
}

/// What a field's type must implement, as far as its attributes tell.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum TypeCheck {
    /// No `#[secrets]`: a value loaded from a source.
    Value,
    /// `nested` was written, even if something else in the attribute was wrong.
    Nested,
    /// A `#[secrets]` without `nested`, which is reported: the field may have meant to be
    /// nested, so neither check would be more than a guess.
    Neither,
}

#[derive(Default)]
struct FieldKeys {
    nested: Flag,
    prefix: Attr<Prefix>,
}

impl Keys for FieldKeys {
    fn names(&self) -> Vec<&'static str> {
        vec!["nested", "prefix"]
    }

    fn slot(&mut self, key: &str) -> Option<&mut dyn Slot> {
        match key {
            // #[secrets(nested)]
            "nested" => Some(&mut self.nested),
            // #[secrets(nested, prefix = "DB_")]
            "prefix" => Some(&mut self.prefix),
            _ => None,
        }
    }

    fn misplaced(&self, key: &str) -> Option<String> {
        container::key_names().contains(&key).then(|| {
            format!(
                "`{key}` belongs on the struct, not on a field; on a field, `#[secrets]` takes `nested` and `prefix`"
            )
        })
    }
}

/// Reads every `#[secrets]` of one field.
pub fn parse(cx: &Ctxt, attrs: &[Attribute]) -> Nesting {
    let mut keys = FieldKeys::default();
    let mut first = None;
    let mut unread = None;
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("secrets")) {
        first = first.or(Some(attr));
        if let Some(reported) = attr::read(cx, attr, &mut keys) {
            unread = Some(reported);
        }
    }
    let marked = keys.nested.is_set();
    let check = match (first, marked) {
        (None, _) => TypeCheck::Value,
        (Some(_), true) => TypeCheck::Nested,
        (Some(_), false) => TypeCheck::Neither,
    };
    let prefix = first.map_or(Ok(None), |first| {
        if let Some(reported) = unread {
            return Err(reported);
        }
        let prefix = keys.prefix.get()?;
        if !marked {
            let message = if prefix.is_some() {
                "`prefix` on a field is the prefix of a nested struct; add `nested`: `#[secrets(nested, prefix = \"...\")]`"
            } else {
                "`#[secrets]` on a field marks a nested struct: `#[secrets(nested)]`; the struct's own settings go on the struct"
            };
            return Err(cx.error_spanned_by(first, message));
        }
        Ok(Some(prefix.map_or_else(String::new, |p| p.value.0.clone())))
    });
    Nesting { check, prefix }
}
