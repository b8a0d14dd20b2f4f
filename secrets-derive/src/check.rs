//! Rules across the fields of one struct. Each broken rule is recorded; nothing stops early.
//! Across structs (a nested struct's vars with its parent's) the runtime checks at load time:
//! the prefix a nested struct gets is only known there.

use std::collections::HashMap;

use crate::ast::{Input, Load};
use crate::ctxt::Ctxt;
use crate::source::{NameRef, Use};

pub fn check(cx: &Ctxt, input: &Input) {
    env_vars_agree(cx, input);
}

/// Every env var is read in one consistent way by all fields that read it: each use is
/// checked against every earlier one (a reader without a default agrees with two readers
/// whose defaults do not agree with each other).
fn env_vars_agree(cx: &Ctxt, input: &Input) {
    let mut earlier: HashMap<&str, Vec<(String, &Use)>> = HashMap::new();
    for field in &input.fields {
        let Load::Source(source) = &field.load else {
            continue;
        };
        let name = field.name();
        for (var, usage) in &source.uses {
            let uses = earlier.entry(var.name.as_str()).or_default();
            let clash = uses.iter().find_map(|(first_field, first)| {
                // One field can use a var twice: `#[kms(env = "A", key_env = "A")]`.
                let other = if *first_field == name {
                    "this same field".to_owned()
                } else {
                    format!("field `{first_field}`")
                };
                conflict(&var.name, first, usage, &other)
            });
            if let Some(message) = clash {
                cx.error_at(var.span, message);
            }
            uses.push((name.clone(), usage));
        }
    }
}

/// Why env `var` cannot be used `here` as well as it is used `first` (by the field `other`
/// names), or `None` when both can be right. Plain text and names (of a key, a bucket) are all
/// the var's text as is, so they may share a var.
fn conflict(var: &str, first: &Use, here: &Use, other: &str) -> Option<String> {
    match (first, here) {
        (
            Use::Ciphertext { service: a, key: ka },
            Use::Ciphertext { service: b, key: kb },
        ) if a == b => (!same_name(ka, kb)).then(|| {
            format!(
                "env `{var}` is decrypted here with another {b} key than for {other}; use the same key for both, or another env var"
            )
        }),
        (Use::Ciphertext { .. }, _) | (_, Use::Ciphertext { .. }) => Some(format!(
            "env `{var}` is read as {} here but as {} by {other}; read each from its own env var",
            here.describe(),
            first.describe()
        )),
        (
            Use::Text {
                default: Some(a), ..
            },
            Use::Text {
                default: Some(b), ..
            },
        ) if a != b => Some(format!(
            "env `{var}` defaults to `{b}` here but to `{a}` for {other}; give both the same default, or a default to one only"
        )),
        (Use::Text { .. }, Use::Text { .. }) => None,
    }
}

fn same_name(a: &NameRef, b: &NameRef) -> bool {
    match (a, b) {
        (NameRef::Literal(a), NameRef::Literal(b)) => a == b,
        (NameRef::Env(a), NameRef::Env(b)) => a.name == b.name,
        _ => false,
    }
}
