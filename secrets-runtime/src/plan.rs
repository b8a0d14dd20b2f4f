//! The static description of a struct that `#[derive(Secrets)]` emits: which field reads
//! from where. Hidden from the docs: only generated code builds it.

/// One struct's fields and their sources.
#[derive(Debug)]
pub struct StructSpec {
    /// The struct's name, for the error header.
    pub name: &'static str,
    /// The fields, in declaration order.
    pub fields: &'static [FieldSpec],
}

/// One field and its source.
#[derive(Debug)]
pub struct FieldSpec {
    /// The Rust field name.
    pub name: &'static str,
    /// Where its value comes from.
    pub source: SourceSpec,
}

/// Where a field's value comes from, with every default already applied by the derive.
#[derive(Debug)]
pub enum SourceSpec {
    /// `#[env]`: env var `var`, else `default`.
    Env {
        /// The env var.
        var: &'static str,
        /// The value when the env var is unset.
        default: Option<&'static str>,
    },
    /// `#[kms]`: env var `var` holds base64 ciphertext for `key`.
    Kms {
        /// The env var holding the ciphertext.
        var: &'static str,
        /// The KMS key name.
        key: NameRef,
    },
    /// `#[gcs]`: object `object` of `bucket`, whole or one JSON key of it.
    Gcs {
        /// The bucket name.
        bucket: NameRef,
        /// The object name.
        object: &'static str,
        /// The JSON key to pick, or the whole object.
        key: Option<&'static str>,
    },
}

/// A name written in the struct, or the env var that holds it at run time.
#[derive(Debug, Clone, Copy)]
pub enum NameRef {
    /// The name itself, checked at compile time.
    Literal(&'static str),
    /// The env var that holds the name, checked at boot.
    Env(&'static str),
}
