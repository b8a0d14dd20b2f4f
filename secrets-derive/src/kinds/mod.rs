//! The registry of source kinds. A kind is one module here: its attribute keys and their
//! rules, its container-level defaults, the env vars it reads and how, and the spec it emits.
//! Everything else in the derive (the attributes it knows, the container keys, the hint for a
//! field without a source) is read from `KINDS`.
//!
//! A new kind is a new module, one line in `registry!` below, and its name in the
//! `attributes(...)` of `lib.rs` (a unit test keeps that list and `KINDS` in step).

use proc_macro2::{Span, TokenStream};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Attribute, Ident, Type};

use crate::attr::Lit;
use crate::container::Container;
use crate::ctxt::{Ctxt, Reported};
use crate::list::List;
use crate::source::{EnvVar, NameRef, Resolved};
use crate::value::EnvName;

/// One source kind: `#[env]`, `#[kms]`, `#[gcs]`.
pub trait Kind: Sync {
    /// The attribute's name, also the runtime module its spec lives in.
    fn name(&self) -> &'static str;
    /// The attribute as the hint for a field without a source shows it: `#[gcs(object = "...")]`.
    fn example(&self) -> &'static str;
    /// The `#[secrets(...)]` keys on the struct that name the env var a field reads a name
    /// from when it gives none.
    fn container_keys(&self) -> &'static [ContainerKey] {
        &[]
    }
    /// Parses `field.attr` and resolves it against the field and the container.
    fn resolve(&self, cx: &Ctxt, field: &FieldCx) -> Result<Resolved, Reported>;
}

/// `#[secrets(kms_key_env = "VAR")]` on the struct, and the env var used without it.
pub struct ContainerKey {
    pub key: &'static str,
    pub default: &'static str,
}

/// Declares each kind's module and lists it in `KINDS`: one line per kind.
macro_rules! registry {
    ($($module:ident::$kind:ident),* $(,)?) => {
        $(mod $module;)*
        /// Every source kind, in the order hints list them.
        pub static KINDS: &[&dyn Kind] = &[$(&$module::$kind),*];
    };
}

registry! {
    env::Env,
    kms::Kms,
    gcs::Gcs,
    secret_manager::SecretManager,
    file::File,
    berglas::Berglas,
    bundle::Bundle,
    aws_kms::AwsKms,
    s3::S3,
    aws_secret::AwsSecret,
    ssm::Ssm,
}

mod object;

/// The kind whose attribute `attr` is, if any.
pub fn of(attr: &Attribute) -> Option<&'static dyn Kind> {
    KINDS
        .iter()
        .copied()
        .find(|kind| attr.path().is_ident(kind.name()))
}

/// What a kind resolves a field's attribute against.
pub struct FieldCx<'a> {
    pub ident: &'a Ident,
    pub ty: &'a Type,
    /// `split = "..."`, read before the kind sees the attribute.
    pub list: Option<&'a List<'a>>,
    /// The field's source attribute.
    pub attr: &'a Attribute,
    pub container: &'a Container,
    /// The path generated code names the runtime's hidden module by.
    pub private: &'a TokenStream,
}

impl FieldCx<'_> {
    /// `Option<T>` as written. A type alias of `Option` is not seen here; at run time it still
    /// loads as `None` when absent, through `FromSecret::when_absent`.
    pub fn is_option(&self) -> bool {
        crate::typed::argument_of(self.ty, "Option").is_some()
    }

    /// The env var `explicit` names, else the field's name upper-cased after the prefix.
    /// `fix` is the attribute that names it, for a field name that makes no env var name.
    pub fn var(
        &self,
        cx: &Ctxt,
        explicit: Option<&Lit<EnvName>>,
        fix: &str,
    ) -> Result<EnvVar, Reported> {
        if let Some(lit) = explicit {
            return Ok(EnvVar {
                name: lit.value.0.clone(),
                span: lit.span,
                from_field: false,
            });
        }
        let name = format!(
            "{}{}",
            self.container.prefix(),
            self.ident.unraw().to_string().to_uppercase()
        );
        if let Err(why) = secrets_names::check_env_name(&name) {
            return Err(
                cx.error_spanned_by(self.ident, format!("{why}; name the env var with `{fix}`"))
            );
        }
        Ok(EnvVar {
            name,
            span: self.ident.span(),
            from_field: true,
        })
    }

    /// A name given as a literal, else the env var `env` names, else the one the container
    /// key names (or its default), blamed on this field's use of it.
    pub fn name_ref(
        &self,
        literal: Option<String>,
        env: Option<&Lit<EnvName>>,
        container: &ContainerKey,
    ) -> NameRef {
        given_name_ref(literal, env)
            .unwrap_or_else(|| env_ref(self.container.var(container), self.attr.path().span()))
    }

    /// A name the field must give, as a literal or by the env var `env` names; when it gives
    /// neither, the error `needs` (which shows the syntax) is reported on the attribute.
    pub fn required_name_ref(
        &self,
        cx: &Ctxt,
        literal: Option<String>,
        env: Option<&Lit<EnvName>>,
        needs: &str,
    ) -> Result<NameRef, Reported> {
        given_name_ref(literal, env).ok_or_else(|| cx.error_spanned_by(self.attr, needs))
    }
}

/// A name given as a literal, else the env var `env` names; `None` when the field gives
/// neither (a kind without a container default then says what is missing).
fn given_name_ref(literal: Option<String>, env: Option<&Lit<EnvName>>) -> Option<NameRef> {
    match (literal, env) {
        (Some(literal), _) => Some(NameRef::Literal(literal)),
        (None, Some(env)) => Some(env_ref(&env.value.0, env.span)),
        (None, None) => None,
    }
}

/// The name read from env `name`.
fn env_ref(name: &str, span: Span) -> NameRef {
    NameRef::Env(EnvVar {
        name: name.to_owned(),
        span,
        from_field: false,
    })
}
