//! `#[env]`: plain configuration from the environment, and the env lookups every other
//! source kind makes (ciphertext, key names, bucket names).
//!
//! An env var set to the empty string counts as unset everywhere: deploy tools "remove" a
//! variable that way, and a default or `None` is what such a deploy means.

use std::collections::HashMap;
use std::env::VarError;
use std::fmt;
use std::sync::Arc;

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
    /// The value of `name`; an [`ErrorKind::Missing`] error when unset or empty, an
    /// [`ErrorKind::Invalid`] one when not UTF-8.
    pub(crate) fn get(&self, name: &str) -> Result<Zeroizing<String>, BackendError> {
        let value = match self {
            Self::Process => match std::env::var(name) {
                Ok(value) => Zeroizing::new(value),
                Err(VarError::NotPresent) => return Err(not_set(name)),
                Err(VarError::NotUnicode(_)) => {
                    return Err(BackendError::new(
                        ErrorKind::Invalid,
                        format!("env {name} is not valid UTF-8"),
                    ));
                }
            },
            Self::Map(map) => map.get(name).cloned().ok_or_else(|| not_set(name))?,
        };
        if value.is_empty() {
            return Err(BackendError::new(
                ErrorKind::Missing,
                format!("env {name} is empty"),
            ));
        }
        Ok(value)
    }
}

type Resolved = Result<Arc<str>, BackendError>;

/// Key and bucket names of one load, each read from the environment and checked once however
/// many fields name it: 64 fields under one `KMS_CRYPTO_KEY_ID` make one lookup, not 64.
pub(crate) struct Names<'e> {
    env: &'e Env,
    /// (literal or env var, whether read from the env, kind of name, outcome)
    known: Vec<(&'static str, bool, &'static str, Resolved)>,
}

impl<'e> Names<'e> {
    pub(crate) fn new(env: &'e Env) -> Self {
        Self {
            env,
            known: Vec::new(),
        }
    }

    /// A name given as a literal or read from an env var, trimmed and checked by the same
    /// rule the derive applies to literals (`what` says which kind of name, for the message).
    pub(crate) fn resolve(
        &mut self,
        name: &NameRef,
        what: &'static str,
        check: fn(&str) -> Result<(), String>,
    ) -> Result<Arc<str>, BackendError> {
        // A literal bucket `certs` and `bucket_env = "certs"` are different names.
        let (source, from_env) = match *name {
            NameRef::Literal(literal) => (literal, false),
            NameRef::Env(var) => (var, true),
        };
        if let Some((.., known)) = self
            .known
            .iter()
            .find(|(s, e, w, _)| (*s, *e, *w) == (source, from_env, what))
        {
            return known.clone();
        }
        let resolved = match *name {
            NameRef::Literal(literal) => Ok(Arc::from(literal)),
            NameRef::Env(var) => self.read(var, what, check),
        };
        self.known.push((source, from_env, what, resolved.clone()));
        resolved
    }

    fn read(
        &self,
        var: &str,
        what: &str,
        check: fn(&str) -> Result<(), String>,
    ) -> Result<Arc<str>, BackendError> {
        let value = self.env.get(var).and_then(|value| match value.trim() {
            "" => Err(BackendError::new(
                ErrorKind::Missing,
                format!("env {var} is blank"),
            )),
            trimmed => Ok(Arc::<str>::from(trimmed)),
        });
        let value =
            value.map_err(|e| BackendError::new(e.kind(), format!("{} ({what})", e.message())))?;
        check(&value)
            .map_err(|why| BackendError::new(ErrorKind::Invalid, format!("env {var}: {why}")))?;
        Ok(value)
    }
}

fn not_set(name: &str) -> BackendError {
    BackendError::new(ErrorKind::Missing, format!("env {name} is not set"))
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

/// `#[env(name = "VAR", default = "...")]`: the value, else the default, else why not.
/// Says whether the default was used, for the field's source description.
pub(crate) fn lookup(
    env: &Env,
    var: &str,
    default: Option<&str>,
) -> (Result<SecretBytes, BackendError>, bool) {
    match (env.get(var), default) {
        (Ok(value), _) => (Ok(SecretBytes::new(value.as_bytes().to_vec())), false),
        (Err(why), Some(default)) if why.kind() == ErrorKind::Missing => {
            (Ok(SecretBytes::new(default.as_bytes().to_vec())), true)
        }
        (Err(why), _) => (Err(why), false),
    }
}
