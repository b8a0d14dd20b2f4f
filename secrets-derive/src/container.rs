//! `#[secrets(...)]` on the struct: the prefix, the crate path, and the container keys of
//! every kind (`kms_key_env`, `bucket_env`, ...), which come from the registry.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::Attribute;

use crate::attr::{self, Attr, Keys, Slot};
use crate::ctxt::Ctxt;
use crate::kinds::{self, ContainerKey, KINDS};
use crate::value::{CratePath, EnvName, Prefix};

/// The container settings, as given.
pub struct Container {
    prefix: Attr<Prefix>,
    krate: Attr<CratePath>,
    vars: Vec<(&'static ContainerKey, Attr<EnvName>)>,
}

/// Every key `#[secrets(...)]` takes on the struct, in the order messages list them.
pub fn key_names() -> Vec<&'static str> {
    let kinds = KINDS.iter().flat_map(|kind| kind.container_keys());
    std::iter::once("prefix")
        .chain(kinds.map(|key| key.key))
        .chain(std::iter::once("crate"))
        .collect()
}

impl Container {
    pub fn from_attrs(cx: &Ctxt, attrs: &[Attribute]) -> Self {
        let vars = KINDS
            .iter()
            .flat_map(|kind| kind.container_keys())
            .map(|key| (key, Attr::default()))
            .collect();
        let mut container = Self {
            prefix: Attr::default(),
            krate: Attr::default(),
            vars,
        };
        for attr in attrs {
            if let Some(kind) = kinds::of(attr) {
                cx.error_spanned_by(
                    attr,
                    format!("`#[{}]` belongs on a field, not on the struct", kind.name()),
                );
            } else if attr.path().is_ident("secrets") {
                // #[secrets(prefix = "APP_", kms_key_env = "VAR", crate = "path", ...)]
                // The settings may be split over several `#[secrets]`, each given once.
                attr::read(cx, attr, &mut container);
            }
            // Any other attribute is not ours: doc comments, lints, other derives'.
        }
        container
    }

    /// The prefix of env var names derived from field names. A bad prefix is reported on
    /// itself; leaving it out keeps it from being reported again on every name it would start.
    pub fn prefix(&self) -> &str {
        match self.prefix.get() {
            Ok(Some(prefix)) => &prefix.value.0,
            Ok(None) | Err(_) => "",
        }
    }

    /// The env var the container key names, or the key's default.
    pub fn var(&self, key: &ContainerKey) -> &str {
        let given = self.vars.iter().find(|(known, _)| known.key == key.key);
        match given.map(|(_, var)| var.get()) {
            Some(Ok(Some(var))) => &var.value.0,
            // A bad name is reported on itself; the default stands in for it.
            _ => key.default,
        }
    }

    /// The path generated code names the runtime by: `::secrets_runtime` unless overridden.
    pub fn krate(&self) -> TokenStream {
        // A path that does not parse is reported; the default stands in for it.
        let path = self.krate.get().ok().flatten();
        path.map_or_else(
            || quote!(::secrets_runtime),
            |path| path.value.0.to_token_stream(),
        )
    }
}

impl Keys for Container {
    fn names(&self) -> Vec<&'static str> {
        key_names()
    }

    fn slot(&mut self, key: &str) -> Option<&mut dyn Slot> {
        match key {
            // #[secrets(prefix = "APP_")]
            "prefix" => Some(&mut self.prefix),
            // #[secrets(crate = "::path::to::secrets_runtime")]
            "crate" => Some(&mut self.krate),
            // #[secrets(kms_key_env = "VAR")], one per container key of a kind
            _ => self
                .vars
                .iter_mut()
                .find(|(known, _)| known.key == key)
                .map(|(_, var)| var as &mut dyn Slot),
        }
    }

    fn misplaced(&self, key: &str) -> Option<String> {
        (key == "nested").then(|| {
            "`nested` belongs on a field whose type derives `Secrets`: `#[secrets(nested)]`".into()
        })
    }
}
