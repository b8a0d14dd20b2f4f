//! The model of a `#[derive(Secrets)]` input: each field with its source resolved (container
//! defaults applied), borrowing from syn so errors can point at the original tokens.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, GenericArgument, Ident, LitStr, PathArguments, Type};

use crate::attr::{self, Keys, SourceAttr};
use crate::ctxt::Ctxt;

/// The env var that names the KMS key when a field gives no `key`.
pub const DEFAULT_KMS_KEY_ENV: &str = "KMS_CRYPTO_KEY_ID";
/// The env var that names the bucket when a field gives no `bucket`.
pub const DEFAULT_BUCKET_ENV: &str = "STORAGE_BUCKET";

pub struct Input<'a> {
    pub ident: &'a Ident,
    /// The path generated code names the runtime by: `::secrets_runtime` unless overridden.
    pub krate: TokenStream,
    pub fields: Vec<Field<'a>>,
}

pub struct Field<'a> {
    pub ident: &'a Ident,
    pub ty: &'a Type,
    /// The source attributes as written; the first one is the field's source.
    pub attrs: Vec<SourceAttr<'a>>,
    /// `None` when the field has no source attribute, or when its attribute had a key that
    /// could not be read: that is reported already, and filling in defaults for what the
    /// attribute seems to leave out would report guesses (see `SourceAttr::complete`).
    pub source: Option<Source>,
}

/// An env var a field reads, with the span to blame for it.
#[derive(Clone)]
pub struct EnvVar {
    pub name: String,
    pub span: Span,
}

/// A name given in the struct, or the env var that holds it.
#[derive(Clone)]
pub enum NameRef {
    Literal(String),
    Env(EnvVar),
}

pub enum Source {
    Env {
        var: EnvVar,
        default: Option<LitStr>,
    },
    Kms {
        var: EnvVar,
        key: NameRef,
    },
    Gcs {
        bucket: NameRef,
        object: String,
        key: Option<String>,
    },
}

impl<'a> Input<'a> {
    /// The model, or `None` (with the reason recorded) for inputs that cannot have one.
    pub fn from_syn(cx: &Ctxt, node: &'a DeriveInput) -> Option<Self> {
        let named = match &node.data {
            Data::Struct(data) => match &data.fields {
                Fields::Named(named) => named,
                other => {
                    let what = if matches!(other, Fields::Unit) {
                        "unit structs"
                    } else {
                        "tuple structs"
                    };
                    cx.error_spanned_by(
                        &node.ident,
                        format!("`#[derive(Secrets)]` needs named fields, not {what}: a field's name gives its env var"),
                    );
                    return None;
                }
            },
            Data::Enum(data) => {
                cx.error_spanned_by(
                    data.enum_token,
                    "`#[derive(Secrets)]` works on structs with named fields, not enums",
                );
                return None;
            }
            Data::Union(data) => {
                cx.error_spanned_by(
                    data.union_token,
                    "`#[derive(Secrets)]` works on structs with named fields, not unions",
                );
                return None;
            }
        };
        if !node.generics.params.is_empty() {
            cx.error_spanned_by(
                &node.generics,
                "`#[derive(Secrets)]` does not support generic parameters; give each field a concrete type",
            );
        }
        let container = attr::container(cx, &node.attrs);
        let defaults = Defaults::new(&container);
        let fields = named
            .named
            .iter()
            .filter_map(|field| {
                let ident = field.ident.as_ref()?;
                let attrs = attr::sources(cx, &field.attrs);
                let source = attrs
                    .first()
                    .filter(|first| first.complete)
                    .map(|first| defaults.resolve(cx, ident, first));
                Some(Field {
                    ident,
                    ty: &field.ty,
                    attrs,
                    source,
                })
            })
            .collect();
        let krate = container
            .krate
            .map_or_else(|| quote!(::secrets_runtime), |path| quote!(#path));
        Some(Input {
            ident: &node.ident,
            krate,
            fields,
        })
    }
}

impl Field<'_> {
    /// The field name as written, without `r#`.
    pub fn name(&self) -> String {
        self.ident.unraw().to_string()
    }

    /// `Option<T>` as written. A type alias of `Option` is not seen here; at run time it still
    /// loads as `None` when absent, through `FromSecret::when_absent`.
    pub fn is_option(&self) -> bool {
        let mut ty = self.ty;
        while let Type::Group(group) = ty {
            ty = &group.elem;
        }
        let Type::Path(path) = ty else { return false };
        let Some(last) = path.path.segments.last() else {
            return false;
        };
        path.qself.is_none()
            && last.ident == "Option"
            && matches!(&last.arguments, PathArguments::AngleBracketed(args)
                if args.args.len() == 1 && matches!(args.args[0], GenericArgument::Type(_)))
    }
}

/// Container settings that fill in what a field attribute leaves out.
struct Defaults {
    prefix: String,
    kms_key_env: String,
    bucket_env: String,
}

impl Defaults {
    fn new(container: &attr::Container) -> Self {
        let var = |lit: Option<&LitStr>, default: &str| {
            lit.map_or_else(|| default.to_owned(), LitStr::value)
        };
        Self {
            // A bad prefix is reported on itself; leaving it out keeps it from being reported
            // again on every field name it would have prefixed.
            prefix: container
                .prefix
                .as_ref()
                .map(LitStr::value)
                .filter(|prefix| secrets_names::check_env_name(prefix).is_ok())
                .unwrap_or_default(),
            kms_key_env: var(container.kms_key_env.as_ref(), DEFAULT_KMS_KEY_ENV),
            bucket_env: var(container.bucket_env.as_ref(), DEFAULT_BUCKET_ENV),
        }
    }

    fn resolve(&self, cx: &Ctxt, ident: &Ident, attr: &SourceAttr) -> Source {
        // The container-wide var of a field that names none, blamed on this field's use of it.
        let container_var = |name: &str| {
            NameRef::Env(EnvVar {
                name: name.to_owned(),
                span: attr.attr.path().span(),
            })
        };
        match &attr.keys {
            Keys::Env { name, default } => Source::Env {
                var: self.env_var(cx, ident, name.as_ref(), "#[env(name = \"...\")]"),
                default: default.clone(),
            },
            Keys::Kms { env, key, key_env } => Source::Kms {
                var: self.env_var(cx, ident, env.as_ref(), "#[kms(env = \"...\")]"),
                key: match (key, key_env) {
                    (Some(key), _) => NameRef::Literal(key.value()),
                    (None, Some(var)) => NameRef::Env(EnvVar {
                        name: var.value(),
                        span: var.span(),
                    }),
                    (None, None) => container_var(&self.kms_key_env),
                },
            },
            Keys::Gcs {
                object,
                key,
                bucket,
                bucket_env,
            } => Source::Gcs {
                bucket: match (bucket, bucket_env) {
                    (Some(bucket), _) => NameRef::Literal(bucket.value()),
                    (None, Some(var)) => NameRef::Env(EnvVar {
                        name: var.value(),
                        span: var.span(),
                    }),
                    (None, None) => container_var(&self.bucket_env),
                },
                object: object.as_ref().map(LitStr::value).unwrap_or_default(),
                key: key.as_ref().map(LitStr::value),
            },
        }
    }

    /// The env var named by `explicit`, else the field name upper-cased after the prefix.
    fn env_var(&self, cx: &Ctxt, ident: &Ident, explicit: Option<&LitStr>, fix: &str) -> EnvVar {
        if let Some(lit) = explicit {
            return EnvVar {
                name: lit.value(),
                span: lit.span(),
            };
        }
        let name = format!(
            "{}{}",
            self.prefix,
            ident.unraw().to_string().to_uppercase()
        );
        if let Err(why) = secrets_names::check_env_name(&name) {
            cx.error_spanned_by(ident, format!("{why}; name the env var with `{fix}`"));
        }
        EnvVar {
            name,
            span: ident.span(),
        }
    }
}
