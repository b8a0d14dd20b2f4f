//! Where the names env vars hold are looked up for [`Manifest::gcloud`](super::Manifest::gcloud),
//! and how: only in an environment the caller gives, each name checked by the rule a load
//! applies to it (`secrets_names::blind`). A value that breaks it is never printed, only the
//! rule: a secret pasted into the wrong var must not land in a script.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::BuildHasher;

use secrets_names::blind;
use zeroize::Zeroizing;

use super::Name;
use crate::environment::NameRule;
use crate::kinds::secret_manager::{PROJECT, SECRET_NAME};

/// Where [`Manifest::gcloud`](crate::Manifest::gcloud) looks up the names env vars hold: the
/// process environment ([`ProcessEnv`]), or a given one (`[("KMS_CRYPTO_KEY_ID", "projects/..")]`,
/// a `HashMap`, a `Vec` of pairs). An empty value counts as unset, as it does in a load.
pub trait Lookup {
    /// The value of env var `name`, or `None` when it is unset.
    fn get(&self, name: &str) -> Option<String>;
}

/// The process environment, for [`Manifest::gcloud`](crate::Manifest::gcloud).
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessEnv;

impl Lookup for ProcessEnv {
    fn get(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

/// The last pair of a name given twice wins, as in a shell.
impl Lookup for [(&str, &str)] {
    fn get(&self, name: &str) -> Option<String> {
        let (_, value) = self.iter().rev().find(|(var, _)| *var == name)?;
        Some((*value).to_owned())
    }
}

impl<const N: usize> Lookup for [(&str, &str); N] {
    fn get(&self, name: &str) -> Option<String> {
        Lookup::get(self.as_slice(), name)
    }
}

/// The last pair of a name given twice wins, as in a shell.
impl Lookup for Vec<(String, String)> {
    fn get(&self, name: &str) -> Option<String> {
        let (_, value) = self.iter().rev().find(|(var, _)| var == name)?;
        Some(value.clone())
    }
}

impl<S: BuildHasher> Lookup for HashMap<String, String, S> {
    fn get(&self, name: &str) -> Option<String> {
        HashMap::get(self, name).cloned()
    }
}

impl<T: Lookup + ?Sized> Lookup for &T {
    fn get(&self, name: &str) -> Option<String> {
        (**self).get(name)
    }
}

/// A secret, its names resolved.
pub(super) struct Secret {
    /// The project, or the var that was to give it and is unset (the metadata server's).
    pub(super) project: Result<String, &'static str>,
    pub(super) location: Option<String>,
    pub(super) id: String,
}

/// Why a name is not known: never its value.
pub(super) enum Unknown {
    /// No environment was given, or the var is unset in it.
    Unset { var: String, what: &'static str },
    /// The value breaks the name's rule.
    Invalid { var: String, why: String },
}

impl std::fmt::Display for Unknown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unset { var, what } => write!(f, "set {var} ({what})"),
            Self::Invalid { var, why } => write!(f, "env {var}: {why}; fix it"),
        }
    }
}

/// The environment names are looked up in, if any.
pub(super) struct Names<'a> {
    pub(super) env: Option<&'a dyn Lookup>,
}

impl Names<'_> {
    /// The value of `var` (`what` it holds), `None` when it is unset or blank; unknown when
    /// no environment was given. Wiped when dropped: it may be a secret in the wrong var.
    pub(super) fn raw(
        &self,
        var: &str,
        what: &'static str,
    ) -> Result<Option<Zeroizing<String>>, Unknown> {
        let Some(env) = self.env else {
            return Err(Unknown::Unset {
                var: var.to_owned(),
                what,
            });
        };
        let value = env.get(var).map(Zeroizing::new);
        Ok(value.filter(|value| !value.trim().is_empty()))
    }

    /// The name `var` holds, trimmed and checked by `rule`; `None` when it is unset.
    fn lookup(&self, var: &str, rule: &NameRule) -> Result<Option<String>, Unknown> {
        let raw = self.raw(var, rule.what)?;
        let Some(value) = raw.as_deref().map(|value| value.trim()) else {
            return Ok(None);
        };
        match (rule.check)(value) {
            Ok(()) => Ok(Some(value.to_owned())),
            Err(why) => Err(Unknown::Invalid {
                var: var.to_owned(),
                why,
            }),
        }
    }

    /// A name written in the struct, or the one its var holds.
    pub(super) fn name(&self, name: Name, rule: &NameRule) -> Result<Cow<'static, str>, Unknown> {
        match name {
            Name::Literal(name) => Ok(Cow::Borrowed(name)),
            Name::Env(var) => self
                .lookup(var, rule)?
                .map(Cow::Owned)
                .ok_or(Unknown::Unset {
                    var: var.to_owned(),
                    what: rule.what,
                }),
        }
    }

    /// A secret's id, location and project: a full name read from env gives its own; a
    /// project var unset in the given environment leaves the project to the metadata server,
    /// as a load does.
    pub(super) fn secret(
        &self,
        project: Name,
        location: Option<&'static str>,
        secret: Name,
    ) -> Result<Secret, Vec<Unknown>> {
        let named = self.name(secret, &SECRET_NAME);
        // Checked by the rule already: a literal id at compile time, a name from env above.
        let parsed = named
            .as_deref()
            .ok()
            .and_then(|named| blind::parse_secret_name(named).ok());
        let project = match (parsed.and_then(|parsed| parsed.project), project) {
            (Some(project), _) | (None, Name::Literal(project)) => Ok(Ok(project.to_owned())),
            (None, Name::Env(var)) => self.lookup(var, &PROJECT).map(|known| known.ok_or(var)),
        };
        if let (Some(parsed), Ok(project)) = (parsed, &project) {
            return Ok(Secret {
                project: project.clone(),
                location: parsed.location.or(location).map(str::to_owned),
                id: parsed.secret.to_owned(),
            });
        }
        Err(named.err().into_iter().chain(project.err()).collect())
    }
}
