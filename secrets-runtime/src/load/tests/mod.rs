//! The loader through hand-written specs (what the derive emits), so these hold whatever the
//! derive does: two key-service families in one load, nested structs, absence from a user's
//! own backend.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use secrecy::{ExposeSecret, SecretString};

use crate::__private::{
    FieldSource, FieldSpec, Load, Loaded, NameRef, Origin, Pick, Planned, Planner, StructSpec, Var,
    env, gcs, kms,
};
use crate::backend::{BoxFuture, Kms, ObjectStore, SecretBytes};
use crate::environment::NameRule;
use crate::family::Family;
use crate::load::Decrypt;
use crate::memory::{MemoryKms, MemoryStore};
use crate::{BackendError, ErrorKind, Secrets, Sources};

const KEY: &str = "projects/p/locations/global/keyRings/r/cryptoKeys/k";

fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A struct of one field, `value`, loaded by `$load`.
macro_rules! one_field_struct {
    ($ty:ident, $load:expr, $field:ty) => {
        #[allow(dead_code)]
        struct $ty {
            value: $field,
        }
        impl Secrets for $ty {
            const __SPEC: &'static StructSpec = &StructSpec {
                name: stringify!($ty),
                fields: &[FieldSpec {
                    name: "value",
                    load: $load,
                }],
            };
            fn __assemble(loaded: &mut Loaded) -> Option<Self> {
                Some(Self {
                    value: loaded.take::<$field, _>()?,
                })
            }
        }
    };
}

mod families;
mod nested;
