//! The secrets a [`SecretManagerServer`](crate::SecretManagerServer) holds, and how an access
//! resolves, in Secret Manager's order: permission, then the secret, then the version, then
//! its state.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::names::{SecretName, VersionRef, is_alias};

/// The state of a secret version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum VersionState {
    Enabled,
    Disabled,
    Destroyed,
}

impl VersionState {
    /// As Secret Manager spells it in its messages.
    fn as_str(self) -> &'static str {
        match self {
            VersionState::Enabled => "ENABLED",
            VersionState::Disabled => "DISABLED",
            VersionState::Destroyed => "DESTROYED",
        }
    }
}

struct Version {
    state: VersionState,
    /// Emptied when the version is destroyed, as Secret Manager discards the payload.
    data: Vec<u8>,
}

#[derive(Default)]
struct Secret {
    /// Version `n` is at index `n - 1`.
    versions: Vec<Version>,
    aliases: HashMap<String, u64>,
}

impl Secret {
    /// Where version `number` is in `versions`, if it exists.
    fn index(&self, number: u64) -> Option<usize> {
        let index = usize::try_from(number.checked_sub(1)?).ok()?;
        (index < self.versions.len()).then_some(index)
    }
}

#[derive(Default)]
struct Inner {
    /// Keyed by the secret's name with its project as the test gave it (an id, normally).
    secrets: HashMap<SecretName, Secret>,
    denied: HashSet<SecretName>,
    /// Project number → project id, from `set_project_number`.
    ids: HashMap<String, String>,
    /// Project id → project number, the other way round.
    numbers: HashMap<String, String>,
}

impl Inner {
    /// The name requests and test calls are keyed by: the project as an id.
    fn key(&self, mut name: SecretName) -> SecretName {
        if let Some(id) = self.ids.get(&name.project) {
            name.project.clone_from(id);
        }
        name
    }

    /// The name as replies and messages show it: the project as a number when it has one.
    fn shown(&self, mut key: SecretName) -> SecretName {
        if let Some(number) = self.numbers.get(&key.project) {
            key.project.clone_from(number);
        }
        key
    }
}

/// Why a request failed: what Secret Manager answers.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Refusal {
    /// 403 `PERMISSION_DENIED`.
    Denied,
    /// 404 `NOT_FOUND`, with its message.
    NotFound(String),
    /// 400 `FAILED_PRECONDITION`, with its message.
    NotEnabled(String),
    /// 409 `ALREADY_EXISTS`, with its message.
    AlreadyExists(String),
}

/// A successful access: the resolved version's full name and its payload.
pub(super) struct Accessed {
    pub(super) name: String,
    pub(super) data: Vec<u8>,
}

/// All secrets of one server.
#[derive(Default)]
pub(super) struct Store {
    inner: Mutex<Inner>,
}

impl Store {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Every update below completes or panics before changing anything, so a poisoned
        // store is still consistent.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds an enabled version holding `data`; returns its number.
    pub(super) fn add_version(&self, secret: &str, data: &[u8]) -> u64 {
        let mut inner = self.lock();
        let key = inner.key(parse_secret(secret));
        let secret = inner.secrets.entry(key).or_default();
        secret.versions.push(Version {
            state: VersionState::Enabled,
            data: data.to_vec(),
        });
        secret.versions.len() as u64
    }

    /// Points `alias` at `version`, replacing where it pointed before.
    pub(super) fn set_alias(&self, secret: &str, alias: &str, version: u64) {
        assert!(
            is_alias(alias),
            "SecretManagerServer: {alias:?} is not a valid version alias"
        );
        self.with_version(secret, version, |found, _| {
            found.aliases.insert(alias.to_owned(), version);
        });
    }

    /// Moves `version` to `state`. A destroyed version loses its payload and cannot come back.
    fn set_state(&self, secret: &str, version: u64, state: VersionState) {
        self.with_version(secret, version, |found, index| {
            let found = &mut found.versions[index];
            assert!(
                found.state != VersionState::Destroyed || state == VersionState::Destroyed,
                "SecretManagerServer: version {version} of {secret} is destroyed for good"
            );
            found.state = state;
            if state == VersionState::Destroyed {
                found.data = Vec::new();
            }
        });
    }

    pub(super) fn enable(&self, secret: &str, version: u64) {
        self.set_state(secret, version, VersionState::Enabled);
    }

    pub(super) fn disable(&self, secret: &str, version: u64) {
        self.set_state(secret, version, VersionState::Disabled);
    }

    pub(super) fn destroy(&self, secret: &str, version: u64) {
        self.set_state(secret, version, VersionState::Destroyed);
    }

    /// Runs `change` on an existing version of a secret the test names.
    ///
    /// # Panics
    /// If the name is malformed or the version does not exist: the test is wrong.
    fn with_version(&self, secret: &str, version: u64, change: impl FnOnce(&mut Secret, usize)) {
        let mut inner = self.lock();
        let key = inner.key(parse_secret(secret));
        let found = inner.secrets.get_mut(&key);
        match found.and_then(|found| Some((found.index(version)?, found))) {
            Some((index, found)) => change(found, index),
            None => panic!("SecretManagerServer: {secret} has no version {version}"),
        }
    }

    /// Makes every access to `secret` fail with `PERMISSION_DENIED` (`on`), or not.
    pub(super) fn set_denied(&self, secret: &str, on: bool) {
        let mut inner = self.lock();
        let key = inner.key(parse_secret(secret));
        if on {
            inner.denied.insert(key);
        } else {
            inner.denied.remove(&key);
        }
    }

    /// From now on, `number` and `id` name the same project, shown as `number`.
    pub(super) fn set_project_number(&self, id: &str, number: u64) {
        let mut inner = self.lock();
        inner.ids.insert(number.to_string(), id.to_owned());
        inner.numbers.insert(id.to_owned(), number.to_string());
    }

    /// `CreateSecret`: a secret with no versions yet; returns its name as replies show it.
    pub(super) fn create(&self, secret: SecretName) -> Result<String, Refusal> {
        let mut inner = self.lock();
        let key = inner.key(secret);
        if inner.denied.contains(&key) {
            return Err(Refusal::Denied);
        }
        let shown = inner.shown(key.clone()).to_string();
        if inner.secrets.contains_key(&key) {
            return Err(Refusal::AlreadyExists(format!(
                "Secret [{shown}] already exists."
            )));
        }
        inner.secrets.insert(key, Secret::default());
        Ok(shown)
    }

    /// `AddSecretVersion`: an enabled version holding `data` of a secret that exists; returns
    /// the new version's name as replies show it.
    pub(super) fn add(&self, secret: SecretName, data: Vec<u8>) -> Result<String, Refusal> {
        let mut inner = self.lock();
        let key = inner.key(secret);
        if inner.denied.contains(&key) {
            return Err(Refusal::Denied);
        }
        let shown = inner.shown(key.clone());
        let Some(found) = inner.secrets.get_mut(&key) else {
            return Err(Refusal::NotFound(format!("Secret [{shown}] not found.")));
        };
        found.versions.push(Version {
            state: VersionState::Enabled,
            data,
        });
        Ok(format!("{shown}/versions/{}", found.versions.len()))
    }

    /// Resolves an access to `version` of `secret`.
    pub(super) fn access(
        &self,
        secret: SecretName,
        version: &VersionRef,
    ) -> Result<Accessed, Refusal> {
        let inner = self.lock();
        let key = inner.key(secret);
        // Checked before existence: Secret Manager answers 403 "(or it may not exist)" either way.
        if inner.denied.contains(&key) {
            return Err(Refusal::Denied);
        }
        let shown = inner.shown(key.clone());
        let Some(found) = inner.secrets.get(&key).filter(|s| !s.versions.is_empty()) else {
            return Err(Refusal::NotFound(format!(
                "Secret [{shown}] not found or has no versions."
            )));
        };
        let index = match version {
            VersionRef::Latest => Some(found.versions.len() - 1),
            VersionRef::Number(n) => found.index(*n),
            VersionRef::Alias(alias) => found.aliases.get(alias).and_then(|&n| found.index(n)),
        };
        let Some(index) = index else {
            return Err(Refusal::NotFound(format!(
                "Secret Version [{shown}/versions/{version}] not found."
            )));
        };
        let resolved = &found.versions[index];
        let name = format!("{shown}/versions/{}", index + 1);
        match resolved.state {
            VersionState::Enabled => Ok(Accessed {
                name,
                data: resolved.data.clone(),
            }),
            state => Err(Refusal::NotEnabled(format!(
                "Secret Version [{name}] is in {} state.",
                state.as_str()
            ))),
        }
    }
}

/// A secret name from the test.
///
/// # Panics
/// If it is malformed: the test is wrong.
fn parse_secret(secret: &str) -> SecretName {
    SecretName::parse(secret).unwrap_or_else(|| {
        panic!(
            "SecretManagerServer: {secret:?} is not projects/P/secrets/S or \
             projects/P/locations/L/secrets/S"
        )
    })
}
