//! Parsing of `#[env]`, `#[kms]`, `#[gcs]` and `#[secrets]`: syntax and the rules of each value
//! on its own. Rules across fields live in `check`.

use syn::parse::ParseStream;
use syn::{Attribute, LitStr, Meta, Token};

use crate::ctxt::Ctxt;
use crate::suggest;

/// The field attributes that name a source.
pub const SOURCE_KINDS: [&str; 3] = ["env", "kms", "gcs"];

/// `#[secrets(...)]` on the struct.
#[derive(Default)]
pub struct Container {
    pub prefix: Option<LitStr>,
    pub kms_key_env: Option<LitStr>,
    pub bucket_env: Option<LitStr>,
    pub krate: Option<syn::Path>,
}

/// A field's source attribute, as written.
pub enum SourceAttr<'a> {
    Env {
        attr: &'a Attribute,
        name: Option<LitStr>,
        default: Option<LitStr>,
    },
    Kms {
        attr: &'a Attribute,
        env: Option<LitStr>,
        key: Option<LitStr>,
        key_env: Option<LitStr>,
    },
    Gcs {
        attr: &'a Attribute,
        bucket: Option<LitStr>,
        bucket_env: Option<LitStr>,
        object: Option<LitStr>,
        key: Option<LitStr>,
    },
}

impl SourceAttr<'_> {
    pub fn attr(&self) -> &Attribute {
        match self {
            Self::Env { attr, .. } | Self::Kms { attr, .. } | Self::Gcs { attr, .. } => attr,
        }
    }
}

/// What a value must be, checked as soon as it is parsed so the error lands on the literal.
#[derive(Clone, Copy)]
enum Rule {
    EnvName,
    KmsKey,
    Bucket,
    Object,
    JsonKey,
    Prefix,
    CratePath,
    Any,
}

impl Rule {
    fn check(self, value: &str) -> Result<(), String> {
        match self {
            Self::EnvName => secrets_names::check_env_name(value),
            Self::KmsKey => secrets_names::check_kms_key_name(value),
            Self::Bucket => secrets_names::check_bucket_name(value),
            Self::Object => secrets_names::check_object_name(value),
            Self::JsonKey if value.is_empty() => Err("JSON key is empty".into()),
            Self::Prefix if value.is_empty() => {
                Err("prefix is empty; remove `prefix` instead".into())
            }
            // A prefix is the start of an env var name, so it obeys the same rule.
            Self::Prefix => secrets_names::check_env_name(value)
                .map_err(|why| why.replace("env var name", "prefix")),
            Self::CratePath => syn::parse_str::<syn::Path>(value)
                .map(drop)
                .map_err(|_| format!("`{value}` is not a path")),
            Self::JsonKey | Self::Any => Ok(()),
        }
    }
}

/// `#[secrets(prefix = "APP_", kms_key_env = "...", bucket_env = "...", crate = "...")]`.
pub fn container(cx: &Ctxt, attrs: &[Attribute]) -> Container {
    let mut container = Container::default();
    for attr in attrs {
        if let Some(kind) = SOURCE_KINDS.iter().find(|k| attr.path().is_ident(k)) {
            cx.error_spanned_by(
                attr,
                format!("`#[{kind}]` belongs on a field, not on the struct"),
            );
            continue;
        }
        if !attr.path().is_ident("secrets") {
            continue;
        }
        let [prefix, kms_key_env, bucket_env, krate] = options(
            cx,
            attr,
            [
                ("prefix", Rule::Prefix),
                ("kms_key_env", Rule::EnvName),
                ("bucket_env", Rule::EnvName),
                ("crate", Rule::CratePath),
            ],
        );
        container.prefix = container.prefix.take().or(prefix);
        container.kms_key_env = container.kms_key_env.take().or(kms_key_env);
        container.bucket_env = container.bucket_env.take().or(bucket_env);
        container.krate = container
            .krate
            .take()
            .or_else(|| krate.and_then(|lit| lit.parse().ok()));
    }
    container
}

/// The source attributes of one field, in order (the model wants exactly one).
pub fn sources<'a>(cx: &Ctxt, attrs: &'a [Attribute]) -> Vec<SourceAttr<'a>> {
    let mut found = Vec::new();
    for attr in attrs {
        if attr.path().is_ident("secrets") {
            cx.error_spanned_by(
                attr,
                "`#[secrets(...)]` belongs on the struct, not on a field",
            );
        } else if attr.path().is_ident("env") {
            // #[env] or #[env(name = "VAR", default = "...")]
            let [name, default] =
                options(cx, attr, [("name", Rule::EnvName), ("default", Rule::Any)]);
            found.push(SourceAttr::Env {
                attr,
                name,
                default,
            });
        } else if attr.path().is_ident("kms") {
            // #[kms] or #[kms(env = "VAR", key = "projects/.../cryptoKeys/k" | key_env = "VAR")]
            let [env, key, key_env] = options(
                cx,
                attr,
                [
                    ("env", Rule::EnvName),
                    ("key", Rule::KmsKey),
                    ("key_env", Rule::EnvName),
                ],
            );
            exclusive(cx, key.as_ref(), key_env.as_ref(), "the KMS key");
            found.push(SourceAttr::Kms {
                attr,
                env,
                key,
                key_env,
            });
        } else if attr.path().is_ident("gcs") {
            // #[gcs(object = "...", key = "...", bucket = "..." | bucket_env = "VAR")]
            let [bucket, bucket_env, object, key] = options(
                cx,
                attr,
                [
                    ("bucket", Rule::Bucket),
                    ("bucket_env", Rule::EnvName),
                    ("object", Rule::Object),
                    ("key", Rule::JsonKey),
                ],
            );
            exclusive(cx, bucket.as_ref(), bucket_env.as_ref(), "the bucket");
            if object.is_none() {
                cx.error_spanned_by(
                    attr,
                    "`#[gcs]` needs the object: `#[gcs(object = \"...\")]`",
                );
            }
            found.push(SourceAttr::Gcs {
                attr,
                bucket,
                bucket_env,
                object,
                key,
            });
        }
    }
    found
}

/// A literal name and an env var naming the same thing: only one may be given.
fn exclusive(cx: &Ctxt, literal: Option<&LitStr>, from_env: Option<&LitStr>, what: &str) {
    if let (Some(_), Some(from_env)) = (literal, from_env) {
        cx.error_spanned_by(
            from_env,
            format!("{what} is named twice; give either the name or the env var that holds it"),
        );
    }
}

/// Parses `#[kind]` or `#[kind(k = "v", ...)]` with the keys `spec` allows, in that order.
/// Every problem is recorded and parsing goes on, so one compile shows them all.
fn options<const N: usize>(
    cx: &Ctxt,
    attr: &Attribute,
    spec: [(&'static str, Rule); N],
) -> [Option<LitStr>; N] {
    let mut values: [Option<LitStr>; N] = std::array::from_fn(|_| None);
    let kind = attr
        .path()
        .get_ident()
        .map(ToString::to_string)
        .unwrap_or_default();
    let keys: Vec<&str> = spec.iter().map(|(key, _)| *key).collect();
    match &attr.meta {
        // #[kind]
        Meta::Path(_) => return values,
        // #[kind = ...]
        Meta::NameValue(meta) => {
            let example = keys
                .first()
                .map_or(String::new(), |k| format!("({k} = \"...\")"));
            cx.error_spanned_by(
                meta,
                format!("expected `#[{kind}]` or `#[{kind}{example}]`"),
            );
            return values;
        }
        // #[kind(...)]
        Meta::List(_) => {}
    }
    let parsed = attr.parse_nested_meta(|meta| {
        let key = meta
            .path
            .get_ident()
            .map(ToString::to_string)
            .unwrap_or_default();
        let Some(index) = keys.iter().position(|k| *k == key) else {
            let hint = suggest::nearest(&key, &keys)
                .map_or(String::new(), |k| format!("did you mean `{k}`? "));
            let shown = meta
                .path
                .get_ident()
                .map_or_else(|| "this".to_owned(), |i| format!("`{i}`"));
            cx.error_spanned_by(
                &meta.path,
                format!(
                    "unknown {kind} attribute {shown}; {hint}expected {}",
                    suggest::one_of(&keys)
                ),
            );
            return skip_value(meta.input);
        };
        if !meta.input.peek(Token![=]) {
            cx.error_spanned_by(
                &meta.path,
                format!("`{key}` takes a value: `{key} = \"...\"`"),
            );
            return skip_value(meta.input);
        }
        let value = meta.value()?;
        if !value.peek(LitStr) {
            let token: proc_macro2::TokenTree = value.parse()?;
            cx.error_spanned_by(
                token,
                format!("`{key}` takes a string literal: `{key} = \"...\"`"),
            );
            return skip_value(value);
        }
        let literal: LitStr = value.parse()?;
        if values[index].is_some() {
            cx.error_spanned_by(&meta.path, format!("duplicate {kind} attribute `{key}`"));
            return Ok(());
        }
        if let Err(why) = spec[index].1.check(&literal.value()) {
            cx.error_spanned_by(&literal, why);
        }
        // Kept even when invalid: the error is recorded, and a present-but-bad value must
        // not also be reported as missing.
        values[index] = Some(literal);
        Ok(())
    });
    if let Err(error) = parsed {
        cx.syn_error(error);
    }
    values
}

/// Consumes whatever follows an unusable key up to the next comma: `= value` or `(...)`.
fn skip_value(input: ParseStream) -> syn::Result<()> {
    while !input.is_empty() && !input.peek(Token![,]) {
        input.parse::<proc_macro2::TokenTree>()?;
    }
    Ok(())
}
