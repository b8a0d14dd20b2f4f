//! Parsing of `#[env]`, `#[kms]`, `#[gcs]` and `#[secrets]`: syntax and the rules of each value
//! on its own. Rules across fields live in `check`.

use quote::ToTokens;
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
pub struct SourceAttr<'a> {
    pub attr: &'a Attribute,
    /// False when a key could not be read (unknown, misspelled, without a value). That is
    /// reported already, and a key the attribute seems to leave out may only be misspelled:
    /// rules about what is missing, or about the defaults that fill it in, would only guess.
    pub complete: bool,
    pub keys: Keys,
}

/// The keys of a source attribute that were read.
pub enum Keys {
    Env {
        name: Option<LitStr>,
        default: Option<LitStr>,
    },
    Kms {
        env: Option<LitStr>,
        key: Option<LitStr>,
        key_env: Option<LitStr>,
    },
    Gcs {
        object: Option<LitStr>,
        key: Option<LitStr>,
        bucket: Option<LitStr>,
        bucket_env: Option<LitStr>,
    },
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
            Self::JsonKey if value.is_empty() => {
                Err("JSON key is empty; remove `key` to read the whole object".into())
            }
            Self::Prefix if value.is_empty() => {
                Err("prefix is empty; remove `prefix` instead".into())
            }
            // A prefix is the start of an env var name, so it obeys the same rule.
            Self::Prefix => secrets_names::check_env_name(value)
                .map_err(|why| why.replace("env var name", "prefix")),
            Self::CratePath => syn::parse_str::<syn::Path>(value).map(drop).map_err(|_| {
                format!("`{value}` is not a path; write `crate = \"::path::to::secrets_runtime\"`")
            }),
            Self::JsonKey | Self::Any => Ok(()),
        }
    }
}

/// `#[secrets(prefix = "APP_", kms_key_env = "...", bucket_env = "...", crate = "...")]`.
pub fn container(cx: &Ctxt, attrs: &[Attribute]) -> Container {
    let mut container = Container::default();
    let mut krate = None;
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
        // #[secrets(prefix = "...", kms_key_env = "VAR", bucket_env = "VAR", crate = "path")]
        let ([prefix, kms_key_env, bucket_env, crate_path], _) = options(
            cx,
            attr,
            [
                ("prefix", Rule::Prefix),
                ("kms_key_env", Rule::EnvName),
                ("bucket_env", Rule::EnvName),
                ("crate", Rule::CratePath),
            ],
        );
        // The settings may be split over several `#[secrets]`, but each is given once.
        merge(cx, &mut container.prefix, prefix, "prefix");
        merge(cx, &mut container.kms_key_env, kms_key_env, "kms_key_env");
        merge(cx, &mut container.bucket_env, bucket_env, "bucket_env");
        merge(cx, &mut krate, crate_path, "crate");
    }
    // A path that does not parse is reported by its rule; the default stands in for it.
    container.krate = krate.and_then(|lit| lit.parse().ok());
    container
}

/// Keeps the first value of a `#[secrets]` key; a second one is reported on its literal.
fn merge(cx: &Ctxt, slot: &mut Option<LitStr>, value: Option<LitStr>, key: &str) {
    match (slot.as_ref(), value) {
        (Some(_), Some(again)) => {
            cx.error_spanned_by(
                again,
                format!("duplicate secrets attribute `{key}`; keep one"),
            );
        }
        (None, value) => *slot = value,
        (Some(_), None) => {}
    }
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
            continue;
        }
        let (keys, complete) = if attr.path().is_ident("env") {
            // #[env] or #[env(name = "VAR", default = "...")]
            let ([name, default], complete) =
                options(cx, attr, [("name", Rule::EnvName), ("default", Rule::Any)]);
            (Keys::Env { name, default }, complete)
        } else if attr.path().is_ident("kms") {
            // #[kms] or #[kms(env = "VAR", key = "projects/.../cryptoKeys/k" | key_env = "VAR")]
            let ([env, key, key_env], complete) = options(
                cx,
                attr,
                [
                    ("env", Rule::EnvName),
                    ("key", Rule::KmsKey),
                    ("key_env", Rule::EnvName),
                ],
            );
            exclusive(
                cx,
                [("key", key.as_ref()), ("key_env", key_env.as_ref())],
                "the KMS key",
            );
            (Keys::Kms { env, key, key_env }, complete)
        } else if attr.path().is_ident("gcs") {
            // #[gcs(object = "...", key = "...", bucket = "..." | bucket_env = "VAR")]
            let ([object, key, bucket, bucket_env], complete) = options(
                cx,
                attr,
                [
                    ("object", Rule::Object),
                    ("key", Rule::JsonKey),
                    ("bucket", Rule::Bucket),
                    ("bucket_env", Rule::EnvName),
                ],
            );
            exclusive(
                cx,
                [
                    ("bucket", bucket.as_ref()),
                    ("bucket_env", bucket_env.as_ref()),
                ],
                "the bucket",
            );
            if object.is_none() && complete {
                cx.error_spanned_by(
                    attr,
                    "`#[gcs]` needs the object: `#[gcs(object = \"...\")]`",
                );
            }
            let keys = Keys::Gcs {
                object,
                key,
                bucket,
                bucket_env,
            };
            (keys, complete)
        } else {
            // Not ours: doc comments, lints, other derives' attributes.
            continue;
        };
        found.push(SourceAttr {
            attr,
            complete,
            keys,
        });
    }
    found
}

/// A literal name and an env var naming the same thing: only one may be given.
fn exclusive(
    cx: &Ctxt,
    [(literal, given), (from_env, also)]: [(&str, Option<&LitStr>); 2],
    what: &str,
) {
    if let (Some(_), Some(also)) = (given, also) {
        cx.error_spanned_by(
            also,
            format!("`{literal}` and `{from_env}` both name {what}; keep one of them"),
        );
    }
}

/// Parses `#[kind]` or `#[kind(k = "v", ...)]` with the keys `spec` allows, in that order,
/// and says whether every key could be read (see `SourceAttr::complete`). Every problem is
/// recorded and parsing goes on, so one compile shows them all.
fn options<const N: usize>(
    cx: &Ctxt,
    attr: &Attribute,
    spec: [(&'static str, Rule); N],
) -> ([Option<LitStr>; N], bool) {
    let mut values: [Option<LitStr>; N] = std::array::from_fn(|_| None);
    let mut complete = true;
    let kind = attr
        .path()
        .get_ident()
        .map(ToString::to_string)
        .unwrap_or_default();
    let keys: Vec<&str> = spec.iter().map(|(key, _)| *key).collect();
    match &attr.meta {
        // #[kind]
        Meta::Path(_) => return (values, true),
        // #[kind = ...]
        Meta::NameValue(meta) => {
            let example = keys
                .first()
                .map_or(String::new(), |k| format!("({k} = \"...\")"));
            cx.error_spanned_by(
                meta,
                format!("expected `#[{kind}]` or `#[{kind}{example}]`"),
            );
            return (values, false);
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
            complete = false;
            let hint = suggest::nearest(&key, &keys)
                .map_or(String::new(), |k| format!("did you mean `{k}`? "));
            // A key is one identifier; anything longer is shown as written, without the
            // spaces token printing puts between `::` and names.
            let shown = meta.path.to_token_stream().to_string().replace(' ', "");
            cx.error_spanned_by(
                &meta.path,
                format!(
                    "unknown {kind} attribute `{shown}`; {hint}expected {}",
                    suggest::one_of(&keys)
                ),
            );
            return skip_value(meta.input);
        };
        if !meta.input.peek(Token![=]) {
            complete = false;
            cx.error_spanned_by(
                &meta.path,
                format!("`{key}` takes a value: `{key} = \"...\"`"),
            );
            return skip_value(meta.input);
        }
        let value = meta.value()?;
        if !value.peek(LitStr) {
            complete = false;
            let message = format!("`{key}` takes a string literal: `{key} = \"...\"`");
            if value.is_empty() || value.peek(Token![,]) {
                // `key = ` with nothing after it: no token to point at but the key.
                cx.error_spanned_by(&meta.path, message);
            } else {
                let token: proc_macro2::TokenTree = value.parse()?;
                cx.error_spanned_by(token, message);
            }
            return skip_value(value);
        }
        let literal: LitStr = value.parse()?;
        if values[index].is_some() {
            cx.error_spanned_by(
                &meta.path,
                format!("duplicate {kind} attribute `{key}`; keep one"),
            );
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
        // Syntax the parser could not get past: the keys after it were never read.
        complete = false;
        cx.syn_error(error);
    }
    (values, complete)
}

/// Consumes whatever follows an unusable key up to the next comma: `= value` or `(...)`.
fn skip_value(input: ParseStream) -> syn::Result<()> {
    while !input.is_empty() && !input.peek(Token![,]) {
        input.parse::<proc_macro2::TokenTree>()?;
    }
    Ok(())
}
