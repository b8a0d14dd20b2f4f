//! `#[env]`: plain configuration from the environment, and the env lookups every other
//! source kind makes (ciphertext, key names, bucket names).

use std::collections::HashMap;
use std::env::VarError;
use std::fmt;

use zeroize::Zeroizing;

use crate::backend::SecretBytes;
use crate::plan::NameRef;
use crate::{BackendError, ErrorKind};

/// Where env vars come from: the process, or a map given to
/// [`SourcesBuilder::env`](crate::SourcesBuilder::env).
#[derive(Clone, Default)]
pub(crate) enum Env {
    #[default]
    Process,
    Map(HashMap<String, Zeroizing<String>>),
}

impl Env {
    /// The value of `name`: `Ok(None)` when unset, an error when not UTF-8.
    pub(crate) fn get(&self, name: &str) -> Result<Option<Zeroizing<String>>, BackendError> {
        match self {
            Self::Process => match std::env::var(name) {
                Ok(value) => Ok(Some(Zeroizing::new(value))),
                Err(VarError::NotPresent) => Ok(None),
                Err(VarError::NotUnicode(_)) => Err(BackendError::new(
                    ErrorKind::Invalid,
                    format!("env {name} is not valid UTF-8"),
                )),
            },
            Self::Map(map) => Ok(map.get(name).cloned()),
        }
    }

    /// The value of `name`, which must be set and not empty.
    pub(crate) fn require(&self, name: &str) -> Result<Zeroizing<String>, BackendError> {
        match self.get(name)? {
            None => Err(BackendError::new(
                ErrorKind::Missing,
                format!("env {name} is not set"),
            )),
            Some(value) if value.trim().is_empty() => Err(BackendError::new(
                ErrorKind::Missing,
                format!("env {name} is empty"),
            )),
            Some(value) => Ok(value),
        }
    }

    /// A name given as a literal or read from an env var, checked by the same rule the derive
    /// applies to literals (`what` says which kind of name, for the message).
    pub(crate) fn resolve_name(
        &self,
        name: &NameRef,
        what: &str,
        check: fn(&str) -> Result<(), String>,
    ) -> Result<String, BackendError> {
        match *name {
            NameRef::Literal(literal) => Ok(literal.to_owned()),
            NameRef::Env(var) => {
                let value = self.require(var).map_err(|e| {
                    BackendError::new(e.kind(), format!("{} ({what})", e.message()))
                })?;
                let value = value.trim();
                check(value).map_err(|why| {
                    BackendError::new(ErrorKind::Invalid, format!("env {var}: {why}"))
                })?;
                Ok(value.to_owned())
            }
        }
    }
}

impl fmt::Debug for Env {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Process => f.write_str("Process"),
            // Names only: values may be ciphertext or configuration a user considers private.
            Self::Map(map) => {
                let mut names: Vec<&String> = map.keys().collect();
                names.sort();
                f.debug_tuple("Map").field(&names).finish()
            }
        }
    }
}

/// The outcome of an `#[env]` field: its bytes, or why there are none.
pub(crate) enum Lookup {
    Found(SecretBytes),
    Absent(BackendError),
    Failed(BackendError),
}

/// `#[env(name = "VAR", default = "...")]`: the value, else the default, else absent.
pub(crate) fn lookup(env: &Env, var: &str, default: Option<&str>) -> Lookup {
    match env.get(var) {
        Ok(Some(value)) => Lookup::Found(SecretBytes::new(value.as_bytes().to_vec())),
        Ok(None) => match default {
            Some(default) => Lookup::Found(SecretBytes::new(default.as_bytes().to_vec())),
            None => Lookup::Absent(BackendError::new(
                ErrorKind::Missing,
                format!("env {var} is not set"),
            )),
        },
        Err(e) => Lookup::Failed(e),
    }
}
