//! Rules across the fields of one struct. Each broken rule is recorded; nothing stops early.

use std::collections::HashMap;

use crate::ast::{EnvVar, Field, Input, NameRef, Source};
use crate::attr::Keys;
use crate::ctxt::Ctxt;

pub fn check(cx: &Ctxt, input: &Input) {
    for field in &input.fields {
        one_source(cx, field);
        no_default_on_option(cx, field);
    }
    env_vars_agree(cx, input);
}

/// Exactly one of `#[env]`, `#[kms]`, `#[gcs]` per field.
fn one_source(cx: &Ctxt, field: &Field) {
    let name = field.name();
    match field.attrs.as_slice() {
        [] => cx.error_spanned_by(
            field.ident,
            format!(
                "field `{name}` has no source; add `#[env]`, `#[kms]` or `#[gcs(object = \"...\")]`"
            ),
        ),
        [first, rest @ ..] => {
            let first_kind = kind_of(first.attr);
            for extra in rest {
                cx.error_spanned_by(
                    extra.attr,
                    format!(
                        "field `{name}` already reads from `#[{first_kind}]`; a field has exactly one source, remove `#[{}]`",
                        kind_of(extra.attr)
                    ),
                );
            }
        }
    }
}

fn kind_of(attr: &syn::Attribute) -> String {
    attr.path()
        .get_ident()
        .map(ToString::to_string)
        .unwrap_or_default()
}

/// An unset env var already loads as `None` into an `Option`: a default would contradict it.
/// Read from the attribute, not the resolved source, so it holds even when another key of
/// the attribute was misspelled.
fn no_default_on_option(cx: &Ctxt, field: &Field) {
    if let Some(Keys::Env {
        default: Some(default),
        ..
    }) = field.attrs.first().map(|first| &first.keys)
        && field.is_option()
    {
        cx.error_spanned_by(
            default,
            "`default` is not allowed on an `Option` field: an unset env var loads as `None`; drop `default` or the `Option`",
        );
    }
}

/// How one field uses one env var.
enum Use<'a> {
    Plain { default: Option<String> },
    Ciphertext { key: &'a NameRef },
    KmsKeyName,
    BucketName,
}

impl Use<'_> {
    fn describe(&self) -> &'static str {
        match self {
            Self::Plain { .. } => "plain text",
            Self::Ciphertext { .. } => "KMS ciphertext",
            Self::KmsKeyName => "a KMS key name",
            Self::BucketName => "a bucket name",
        }
    }
}

/// Why env `var` cannot be used `here` as well as it is used `first` (by the field `other`
/// names), or `None` when both can be right. Plain text, key names and bucket
/// names are all the var's text as is, so they may share a var.
fn conflict(var: &str, first: &Use, here: &Use, other: &str) -> Option<String> {
    match (first, here) {
        (Use::Ciphertext { key: a }, Use::Ciphertext { key: b }) => (!same_name(a, b)).then(|| {
            format!(
                "env `{var}` is decrypted here with another KMS key than for {other}; use the same key for both, or another env var"
            )
        }),
        (Use::Ciphertext { .. }, _) | (_, Use::Ciphertext { .. }) => Some(format!(
            "env `{var}` is read as {} here but as {} by {other}; read each from its own env var",
            here.describe(),
            first.describe()
        )),
        (Use::Plain { default: Some(a) }, Use::Plain { default: Some(b) }) if a != b => {
            Some(format!(
                "env `{var}` defaults to `{b}` here but to `{a}` for {other}; give both the same default, or a default to one only"
            ))
        }
        _ => None,
    }
}

fn same_name(a: &NameRef, b: &NameRef) -> bool {
    match (a, b) {
        (NameRef::Literal(a), NameRef::Literal(b)) => a == b,
        (NameRef::Env(a), NameRef::Env(b)) => a.name == b.name,
        _ => false,
    }
}

/// Every env var is read in one consistent way by all fields that read it.
fn env_vars_agree(cx: &Ctxt, input: &Input) {
    let mut first_use: HashMap<&str, (String, Use)> = HashMap::new();
    for field in &input.fields {
        let name = field.name();
        for (var, usage) in uses(field) {
            let Some((first_field, first)) = first_use.get(var.name.as_str()) else {
                first_use.insert(&var.name, (name.clone(), usage));
                continue;
            };
            // One field can use a var twice: `#[kms(env = "A", key_env = "A")]`.
            let other = if *first_field == name {
                "this same field".to_owned()
            } else {
                format!("field `{first_field}`")
            };
            if let Some(message) = conflict(&var.name, first, &usage, &other) {
                cx.syn_error(syn::Error::new(var.span, message));
            }
        }
    }
}

fn uses<'a>(field: &'a Field) -> Vec<(&'a EnvVar, Use<'a>)> {
    let from_env = |name: &'a NameRef, usage: Use<'a>| match name {
        NameRef::Env(var) => Some((var, usage)),
        NameRef::Literal(_) => None,
    };
    match &field.source {
        None => Vec::new(),
        Some(Source::Env { var, default }) => {
            vec![(
                var,
                Use::Plain {
                    default: default.as_ref().map(syn::LitStr::value),
                },
            )]
        }
        Some(Source::Kms { var, key }) => std::iter::once((var, Use::Ciphertext { key }))
            .chain(from_env(key, Use::KmsKeyName))
            .collect(),
        Some(Source::Gcs { bucket, .. }) => from_env(bucket, Use::BucketName).into_iter().collect(),
    }
}
