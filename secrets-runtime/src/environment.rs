//! The environment a load reads: the process's or a given map, and the names (KMS keys,
//! buckets) read from it, each checked once per load.
//!
//! An env var set to the empty string counts as unset everywhere: deploy tools "remove" a
//! variable that way, and a default or `None` is what such a deploy means.

use std::env::VarError;
use std::fmt;
use std::sync::Arc;

use zeroize::Zeroizing;

use crate::backend::SecretBytes;
use crate::spec::NameRef;
use crate::{BackendError, ErrorKind};

/// Where env vars come from: the process, or a map given to
/// [`SourcesBuilder::env`](crate::SourcesBuilder::env).
#[derive(Clone, Default)]
pub(crate) enum Env {
    #[default]
    Process,
    /// Sorted by name, each name once: a handful of vars is found by bisection faster than
    /// by hashing.
    Map(Vec<(String, Zeroizing<String>)>),
}

impl Env {
    /// The vars of a map, the last value of a name given twice winning (as in a shell).
    pub(crate) fn map(vars: impl IntoIterator<Item = (String, Zeroizing<String>)>) -> Self {
        let mut map: Vec<(String, Zeroizing<String>)> = vars.into_iter().collect();
        // Stable: of equal names, the last given stays last, and is the one kept.
        map.sort_by(|(a, _), (b, _)| a.cmp(b));
        let mut kept: Vec<(String, Zeroizing<String>)> = Vec::with_capacity(map.len());
        for (name, value) in map {
            match kept.last_mut() {
                Some((last, held)) if *last == name => *held = value,
                _ => kept.push((name, value)),
            }
        }
        Self::Map(kept)
    }

    /// The value of `name`; an [`ErrorKind::Missing`] error when unset or empty, an
    /// [`ErrorKind::Invalid`] one when not UTF-8. A value from a map is lent, not copied.
    pub(crate) fn get(&self, name: &str) -> Result<Value<'_>, BackendError> {
        let value = match self {
            Self::Process => match std::env::var(name) {
                Ok(value) => Value::Owned(Zeroizing::new(value)),
                Err(VarError::NotPresent) => return Err(not_set(name)),
                Err(VarError::NotUnicode(_)) => {
                    return Err(BackendError::new(
                        ErrorKind::Invalid,
                        format!("env {name} is not valid UTF-8"),
                    ));
                }
            },
            Self::Map(map) => match map.binary_search_by(|(known, _)| known.as_str().cmp(name)) {
                Ok(at) => Value::Lent(&map[at].1),
                Err(_) => return Err(not_set(name)),
            },
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

/// An env var's value: the process's copy (wiped when dropped), or lent by the map.
pub(crate) enum Value<'e> {
    Owned(Zeroizing<String>),
    Lent(&'e str),
}

impl Value<'_> {
    /// The value as a field's bytes: the process's copy becomes them, a lent one is copied.
    pub(crate) fn into_bytes(self) -> SecretBytes {
        match self {
            Self::Owned(mut value) => SecretBytes::new(std::mem::take(&mut *value).into_bytes()),
            Self::Lent(value) => SecretBytes::new(value.as_bytes().to_vec()),
        }
    }
}

impl std::ops::Deref for Value<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        match self {
            Self::Owned(value) => value,
            Self::Lent(value) => value,
        }
    }
}

/// A kind of name read at boot, and the rule it obeys (the same rule the derive applies to
/// literals). One static per kind, so the cache below tells kinds apart by address.
pub(crate) struct NameRule {
    /// What the name is, for messages: "the KMS key name".
    pub(crate) what: &'static str,
    pub(crate) check: fn(&str) -> Result<(), String>,
}

type Resolved = Result<Arc<str>, BackendError>;

/// Key and bucket names of one load, each read from the environment and checked once however
/// many fields name it: 64 fields under one `KMS_CRYPTO_KEY_ID` make one lookup, not 64.
pub(crate) struct Names {
    known: Vec<(NameRef, &'static NameRule, Resolved)>,
}

impl Names {
    pub(crate) fn new() -> Self {
        Self { known: Vec::new() }
    }

    /// A name given as a literal or read from an env var, trimmed and checked by `rule`.
    pub(crate) fn resolve(
        &mut self,
        env: &Env,
        name: NameRef,
        rule: &'static NameRule,
    ) -> Result<Arc<str>, BackendError> {
        // A literal bucket `certs` and `bucket_env = "certs"` are different names.
        if let Some((.., known)) = self
            .known
            .iter()
            .find(|(n, r, _)| *n == name && std::ptr::eq(*r, rule))
        {
            return known.clone();
        }
        let resolved = match name {
            NameRef::Literal(literal) => Ok(Arc::from(literal)),
            NameRef::Env(var) => read(env, var, rule),
        };
        self.known.push((name, rule, resolved.clone()));
        resolved
    }
}

fn read(env: &Env, var: &str, rule: &NameRule) -> Result<Arc<str>, BackendError> {
    let what = rule.what;
    let value = env.get(var).and_then(|value| match value.trim() {
        "" => Err(BackendError::new(
            ErrorKind::Missing,
            format!("env {var} is blank"),
        )),
        trimmed => Ok(Arc::<str>::from(trimmed)),
    });
    let value =
        value.map_err(|e| BackendError::new(e.kind(), format!("{} ({what})", e.message())))?;
    (rule.check)(&value)
        .map_err(|why| BackendError::new(ErrorKind::Invalid, format!("env {var}: {why}")))?;
    Ok(value)
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
                let names: Vec<&String> = map.iter().map(|(name, _)| name).collect();
                f.debug_tuple("Map").field(&names).finish()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_map_keeps_the_last_value_of_a_name_given_twice() {
        let vars = [("B", "1"), ("A", "2"), ("B", "3"), ("C", "")];
        let env = Env::map(vars.map(|(k, v)| (k.to_owned(), Zeroizing::new(v.to_owned()))));
        assert_eq!(&*env.get("B").unwrap(), "3");
        assert_eq!(&*env.get("A").unwrap(), "2");
        assert_eq!(
            env.get("C").err().map(|e| e.kind()),
            Some(ErrorKind::Missing)
        );
        let unset = env.get("D").err().map(|e| e.message().to_owned());
        assert_eq!(unset.as_deref(), Some("env D is not set"));
        assert_eq!(format!("{env:?}"), r#"Map(["A", "B", "C"])"#);
    }
}
