//! What every kind resolves a field's attribute into: the env vars it reads and how (for the
//! checks across fields), and the spec it emits. The helpers here write the parts of a spec
//! that kinds share, so each kind's runtime vocabulary is spelled once.

use proc_macro2::{Span, TokenStream};
use quote::quote;

use crate::attr::Lit;
use crate::value::JsonKey;

/// An env var a field reads, with the span to blame for it.
#[derive(Clone)]
pub struct EnvVar {
    pub name: String,
    pub span: Span,
    /// Derived from the field's name, so a nested struct's prefix goes in front of it at run
    /// time; an explicit name is used as written.
    pub from_field: bool,
}

/// A name given in the struct, or the env var that holds it.
#[derive(Clone)]
pub enum NameRef {
    Literal(String),
    Env(EnvVar),
}

/// How a field uses one env var.
pub enum Use {
    /// The var's text as it is: a value with its default, if any, or a name such as a bucket's.
    Text {
        what: &'static str,
        default: Option<String>,
    },
    /// Ciphertext that `service` decrypts with `key`.
    Ciphertext { service: &'static str, key: NameRef },
}

impl Use {
    /// A value, read as plain text.
    pub fn plain(default: Option<String>) -> Self {
        Self::Text {
            what: "plain text",
            default,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Self::Text { what, .. } => (*what).to_owned(),
            Self::Ciphertext { service, .. } => format!("{service} ciphertext"),
        }
    }
}

/// A field's source, resolved: defaults filled in, every name checked.
pub struct Resolved {
    pub uses: Vec<(EnvVar, Use)>,
    /// `&#private::<kind>::Spec { .. }`.
    pub spec: TokenStream,
}

impl NameRef {
    /// The var this name is read from, if any, with how it is used.
    pub fn used_as(&self, what: &'static str) -> Option<(EnvVar, Use)> {
        match self {
            Self::Env(var) => Some((
                var.clone(),
                Use::Text {
                    what,
                    default: None,
                },
            )),
            Self::Literal(_) => None,
        }
    }

    /// `#private::NameRef::Literal("...")` or `#private::NameRef::Env("VAR")`.
    pub fn tokens(&self, private: &TokenStream) -> TokenStream {
        match self {
            Self::Literal(literal) => quote!(#private::NameRef::Literal(#literal)),
            Self::Env(var) => {
                let name = &var.name;
                quote!(#private::NameRef::Env(#name))
            }
        }
    }
}

impl EnvVar {
    /// `#private::Var::Field("APP_PORT")` or `#private::Var::Named("PORT")`.
    pub fn tokens(&self, private: &TokenStream) -> TokenStream {
        let name = &self.name;
        if self.from_field {
            quote!(#private::Var::Field(#name))
        } else {
            quote!(#private::Var::Named(#name))
        }
    }
}

/// `#private::Pick::JsonKey("...")`, or `#private::Pick::Whole` without a key.
pub fn pick(private: &TokenStream, key: Option<&Lit<JsonKey>>) -> TokenStream {
    key.map_or_else(
        || quote!(#private::Pick::Whole),
        |key| {
            let key = &key.value.0;
            quote!(#private::Pick::JsonKey(#key))
        },
    )
}

/// `::core::option::Option::Some("...")` or `::core::option::Option::None`.
pub fn option_str(value: Option<&str>) -> TokenStream {
    value.map_or_else(
        || quote!(::core::option::Option::None),
        |value| quote!(::core::option::Option::Some(#value)),
    )
}
