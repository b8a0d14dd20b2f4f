//! Implementation detail of `secrets-runtime`: `#[derive(Secrets)]`.
//!
//! Depend on `secrets-runtime`, which re-exports this macro and holds what it expands to.
//! The pipeline, one file per stage: `attr` parses attributes, `ast` builds the model,
//! `check` applies the rules across fields (every error collected in `ctxt`), `expand`
//! generates the impl, and `fallback` stands in for it when there were errors.

#![forbid(unsafe_code)]

mod ast;
mod attr;
mod check;
mod ctxt;
mod expand;
mod fallback;
mod suggest;
#[cfg(test)]
mod tests;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// Derives `secrets_runtime::Secrets`; documented in `secrets-runtime`.
#[proc_macro_derive(Secrets, attributes(env, kms, gcs, secrets))]
pub fn derive_secrets(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive(&input).into()
}
