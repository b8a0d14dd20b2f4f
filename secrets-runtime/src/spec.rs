//! The static description of a struct that `#[derive(Secrets)]` emits: which field reads
//! from where. Hidden from the docs: only generated code builds it.
//!
//! A field's source is a `&'static dyn FieldSource`: each source kind (`kinds/*.rs`) defines
//! its own spec type and how it plans a field, so the loader has no list of kinds to keep in
//! step with the derive.

use crate::load::{Planned, Planner};
use crate::manifest::ManifestCx;

/// One struct's fields and their sources.
pub struct StructSpec {
    /// The struct's name, for the error header.
    pub name: &'static str,
    /// The fields, in declaration order.
    pub fields: &'static [FieldSpec],
}

/// One field and how it loads.
pub struct FieldSpec {
    /// The Rust field name.
    pub name: &'static str,
    /// Where its value comes from.
    pub load: Load,
}

/// How a field loads: from one source, or as a nested struct whose fields join the same load.
pub enum Load {
    /// A source attribute (`#[env]`, `#[kms]`, `#[gcs]`, ...).
    Source(&'static dyn FieldSource),
    /// `#[secrets(nested, prefix = "..")]`: the fields of another `Secrets` struct.
    Nested {
        /// Prepended to the env vars the nested struct derives from its field names.
        prefix: &'static str,
        /// The nested struct's own spec.
        spec: &'static StructSpec,
    },
}

/// An env var a field reads.
#[derive(Debug, Clone, Copy)]
pub enum Var {
    /// Derived from the field name: a nested struct's prefix applies to it.
    Field(&'static str),
    /// Named explicitly (`name = ".."`, `env = ".."`): used as written.
    Named(&'static str),
}

/// A name written in the struct, or the env var that holds it at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameRef {
    /// The name itself, checked at compile time.
    Literal(&'static str),
    /// The env var that holds the name, checked at boot.
    Env(&'static str),
}

/// What a field takes of the bytes its source produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    /// All of them.
    Whole,
    /// One key of the JSON object they hold: parsed once per load, however many fields pick.
    JsonKey(&'static str),
}

/// `#key` after a field's origin, or nothing for the whole value.
impl std::fmt::Display for Pick {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::JsonKey(key) => write!(f, "#{key}"),
            Self::Whole => Ok(()),
        }
    }
}

/// A source kind's part of the load: turns a field's spec into its outcome already, or a
/// request for the loader to make.
pub trait FieldSource: Sync + 'static {
    /// Reads what the field needs from the environment and names the request it depends on.
    fn plan(&'static self, cx: &mut Planner<'_>) -> Planned;

    /// Says what the field reads, for [`Secrets::manifest`](crate::Secrets::manifest): its env
    /// vars and what they hold, and the resources it needs. From the spec alone: no env var
    /// is read, and a name an env var holds stays that var.
    fn needs(&self, cx: &mut ManifestCx);

    /// Writes where the field comes from (`kms <key> via env DB_PASS`), from the parts
    /// `plan` recorded: only ever called for a field that failed.
    fn describe(
        &self,
        origin: &crate::origin::Origin,
        f: &mut std::fmt::Formatter<'_>,
    ) -> std::fmt::Result;
}
