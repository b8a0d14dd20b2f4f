//! Secret Manager in memory: versions, aliases, and disabled or destroyed versions, answered
//! as Secret Manager answers them.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use super::lock;
use crate::backend::{BoxFuture, SecretBytes, SecretStore, ready};
use crate::family::check_size;
use crate::{BackendError, ErrorKind};

/// Secrets in memory, by resource name (`projects/P/secrets/S`, or with `/locations/L`).
///
/// ```
/// use secrets_runtime::memory::MemorySecretManager;
/// let sm = MemorySecretManager::new().with_default_project("my-project");
/// assert_eq!(sm.add_version("projects/my-project/secrets/db-pass", "s3cr3t"), 1);
/// ```
#[derive(Clone, Default)]
pub struct MemorySecretManager {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    secrets: Mutex<HashMap<String, Secret>>,
    project: Mutex<Option<Arc<str>>>,
    accesses: AtomicUsize,
}

#[derive(Default)]
struct Secret {
    /// Version `n` is at `n - 1`.
    versions: Vec<Version>,
    aliases: HashMap<String, usize>,
}

enum Version {
    Enabled(Arc<[u8]>),
    Disabled(Arc<[u8]>),
    Destroyed,
}

impl MemorySecretManager {
    /// No secrets, and no default project.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The project of secrets named without one when `GOOGLE_CLOUD_PROJECT` is unset, as the
    /// metadata server gives it on Cloud Run.
    #[must_use]
    pub fn with_default_project(self, project: &str) -> Self {
        *lock(&self.inner.project) = Some(project.into());
        self
    }

    /// Adds a version to `secret` and returns its number (from 1).
    ///
    /// # Panics
    /// If `secret` is not a full name (`projects/P/secrets/S`, or with `/locations/L`), which
    /// no access could ever name.
    pub fn add_version(&self, secret: &str, bytes: impl Into<Vec<u8>>) -> usize {
        let parsed = secrets_names::parse_secret_name(secret);
        assert!(
            parsed.is_ok_and(|name| name.project.is_some() && name.version.is_none()),
            "MemorySecretManager::add_version takes `projects/P/secrets/S`, not `{secret}`"
        );
        let mut secrets = lock(&self.inner.secrets);
        let versions = &mut secrets.entry(secret.to_owned()).or_default().versions;
        versions.push(Version::Enabled(bytes.into().into()));
        versions.len()
    }

    /// Points `alias` of `secret` at `version`.
    pub fn set_alias(&self, secret: &str, alias: &str, version: usize) {
        let mut secrets = lock(&self.inner.secrets);
        let known = secrets.entry(secret.to_owned()).or_default();
        known.aliases.insert(alias.to_owned(), version);
    }

    /// Disables `version` of `secret`: accessing it fails, as in Secret Manager.
    pub fn disable(&self, secret: &str, version: usize) {
        self.update(secret, version, |old| match old {
            Version::Enabled(bytes) | Version::Disabled(bytes) => Version::Disabled(bytes),
            Version::Destroyed => Version::Destroyed,
        });
    }

    /// Destroys `version` of `secret`: its payload is gone for good.
    pub fn destroy(&self, secret: &str, version: usize) {
        self.update(secret, version, |_| Version::Destroyed);
    }

    fn update(&self, secret: &str, version: usize, change: impl FnOnce(Version) -> Version) {
        let mut secrets = lock(&self.inner.secrets);
        let slot = secrets
            .get_mut(secret)
            .and_then(|known| known.versions.get_mut(version.wrapping_sub(1)));
        if let Some(slot) = slot {
            let old = std::mem::replace(slot, Version::Destroyed);
            *slot = change(old);
        }
    }

    /// How many accesses this store (and its clones) has answered.
    #[must_use]
    pub fn access_count(&self) -> usize {
        self.inner.accesses.load(Ordering::SeqCst)
    }

    fn access_now(
        &self,
        name: &str,
        max_bytes: usize,
    ) -> Result<Option<SecretBytes>, BackendError> {
        self.inner.accesses.fetch_add(1, Ordering::SeqCst);
        let Some((secret, version)) = name.rsplit_once("/versions/") else {
            return Err(BackendError::new(
                ErrorKind::Invalid,
                format!("{name} is not a secret version name"),
            ));
        };
        let secrets = lock(&self.inner.secrets);
        let Some(known) = secrets.get(secret) else {
            return Ok(None);
        };
        let number = match version {
            // The highest-numbered version, whatever its state: Secret Manager does not fall
            // back to an older enabled one.
            "latest" => known.versions.len(),
            version => match version.parse::<usize>() {
                Ok(number) => number,
                Err(_) => match known.aliases.get(version) {
                    Some(number) => *number,
                    None => return Ok(None),
                },
            },
        };
        let resolved = format!("{secret}/versions/{number}");
        match known.versions.get(number.wrapping_sub(1)) {
            None => Ok(None),
            Some(Version::Enabled(bytes)) => {
                check_size(
                    &format_args!("secret {resolved}"),
                    bytes.len() as u64,
                    max_bytes,
                )?;
                Ok(Some(SecretBytes::new(bytes.to_vec())))
            }
            Some(Version::Disabled(_)) => Err(unusable(&resolved, "disabled")),
            Some(Version::Destroyed) => Err(unusable(&resolved, "destroyed")),
        }
    }
}

/// A version that exists but cannot be read: never absence, which would quietly turn an
/// `Option` field into `None` after a rotation went wrong.
pub(crate) fn unusable(version: &str, state: &str) -> BackendError {
    let fix = if state == "destroyed" {
        "pin another version (a destroyed version cannot be restored)"
    } else {
        "enable it or pin another version"
    };
    BackendError::new(
        ErrorKind::Other,
        format!("secret version {version} is {state}; {fix}"),
    )
}

impl SecretStore for MemorySecretManager {
    fn access<'a>(
        &'a self,
        name: &'a str,
        max_bytes: usize,
    ) -> BoxFuture<'a, Result<Option<SecretBytes>, BackendError>> {
        ready(self.access_now(name, max_bytes))
    }

    fn default_project(&self) -> BoxFuture<'_, Result<Arc<str>, BackendError>> {
        ready(
            lock(&self.inner.project)
                .clone()
                .ok_or_else(crate::backend::no_project),
        )
    }
}

impl fmt::Debug for MemorySecretManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secrets = lock(&self.inner.secrets);
        let mut names: Vec<&String> = secrets.keys().collect();
        names.sort();
        f.debug_struct("MemorySecretManager")
            .field("secrets", &names)
            .finish_non_exhaustive()
    }
}
