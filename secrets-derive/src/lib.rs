//! Implementation detail of `secrets-runtime`: `#[derive(Secrets)]`.
//!
//! Depend on `secrets-runtime`, which re-exports this macro and holds what it expands to.
//! The pipeline: `attr` reads attributes into typed values (`value`), `container` and
//! `nested` read `#[secrets]`, each module of `kinds` parses and resolves one source kind,
//! `ast` builds the model, `check` applies the rules across fields (every error collected in
//! `ctxt`), `expand` generates the impl, and `fallback` stands in for it when there were
//! errors.

#![forbid(unsafe_code)]

mod ast;
mod attr;
mod check;
mod container;
mod ctxt;
mod expand;
mod fallback;
mod kinds;
mod nested;
mod source;
mod suggest;
#[cfg(test)]
mod tests;
mod value;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// Derives `secrets_runtime::Secrets`; documented in `secrets-runtime`.
// `attributes(...)` lists every kind of `kinds::KINDS`, and `secrets`: a unit test compares them.
#[proc_macro_derive(
    Secrets,
    attributes(
        env,
        kms,
        gcs,
        secret_manager,
        file,
        berglas,
        bundle,
        aws_kms,
        s3,
        aws_secret,
        ssm,
        secrets
    )
)]
pub fn derive_secrets(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive(&input).into()
}
