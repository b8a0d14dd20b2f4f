//! Secrets Manager in memory: versions, staging labels and secrets marked for deletion, read
//! 20 a call as `BatchGetSecretValue` reads them, every call recorded.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use super::{Calls, lock, sorted_names};
use crate::backend::{BoxFuture, SecretBytes, ready};
use crate::backend_aws::{AwsSecretStore, BatchReply, SecretVersion};
use crate::family::{Family, SecretsManager, check_size};
use crate::{BackendError, ErrorKind};

/// The staging label of the version a read without one gets.
const CURRENT: &str = "AWSCURRENT";
/// The label the version that was current before the last [`put`](MemoryAwsSecrets::put)
/// gets.
const PREVIOUS: &str = "AWSPREVIOUS";

/// Secrets in memory, by the id the field gives (a name, or an ARN kept as such).
///
/// Each [`put`](Self::put) adds a version and moves `AWSCURRENT` to it and `AWSPREVIOUS` to
/// the version before, as a rotation does; [`put_version`](Self::put_version) gives a
/// version its id and labels by hand.
///
/// ```
/// use secrets_runtime::memory::MemoryAwsSecrets;
/// let sm = MemoryAwsSecrets::new()
///     .with_string("prod/db", r#"{"password":"s3cr3t"}"#)
///     .with_secret("prod/tls-key", vec![0x30, 0x82]);
/// assert_eq!(sm.put("prod/db", "n3w"), "v2");
/// ```
#[derive(Clone, Default)]
pub struct MemoryAwsSecrets {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    secrets: Mutex<HashMap<String, Secret>>,
    calls: Calls,
}

#[derive(Default)]
struct Secret {
    /// Version ids and values, oldest first.
    versions: Vec<(String, Arc<[u8]>)>,
    /// Staging label to version id.
    stages: HashMap<String, String>,
    deleted: bool,
}

impl MemoryAwsSecrets {
    /// No secrets.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a version of `id` holding `bytes` (a `SecretBinary`) and makes it current; returns
    /// the store, for building one in an expression.
    #[must_use]
    pub fn with_secret(self, id: &str, bytes: impl Into<Vec<u8>>) -> Self {
        self.put(id, bytes);
        self
    }

    /// Adds a version of `id` holding `text` (a `SecretString`) and makes it current.
    #[must_use]
    pub fn with_string(self, id: &str, text: &str) -> Self {
        self.with_secret(id, text)
    }

    /// Adds a version of `id` and makes it `AWSCURRENT`, the one it replaces `AWSPREVIOUS`;
    /// returns the new version's id, `vN` for the `N`th version of the secret.
    pub fn put(&self, id: &str, bytes: impl Into<Vec<u8>>) -> String {
        let mut secrets = lock(&self.inner.secrets);
        let secret = secrets.entry(id.to_owned()).or_default();
        let version_id = format!("v{}", secret.versions.len() + 1);
        if let Some(current) = secret.stages.get(CURRENT).cloned() {
            secret.stages.insert(PREVIOUS.to_owned(), current);
        }
        secret.add(&version_id, bytes.into(), &[CURRENT]);
        version_id
    }

    /// Adds version `version_id` of `id` with the staging labels `stages` (which leave the
    /// versions that had them); with none, the version is read by its id only.
    pub fn put_version(
        &self,
        id: &str,
        version_id: &str,
        bytes: impl Into<Vec<u8>>,
        stages: &[&str],
    ) {
        let mut secrets = lock(&self.inner.secrets);
        let secret = secrets.entry(id.to_owned()).or_default();
        secret.add(version_id, bytes.into(), stages);
    }

    /// Marks `id` for deletion: reading it fails, as in Secrets Manager, until it is put
    /// again.
    pub fn delete(&self, id: &str) {
        if let Some(secret) = lock(&self.inner.secrets).get_mut(id) {
            secret.deleted = true;
        }
    }

    /// How many `BatchGetSecretValue` calls this store (and its clones) has answered.
    #[must_use]
    pub fn call_count(&self) -> usize {
        self.inner.calls.count()
    }

    /// The secret ids each call carried, in the order the calls came.
    #[must_use]
    pub fn calls(&self) -> Vec<Vec<String>> {
        self.inner.calls.all()
    }

    fn get_now(
        &self,
        requests: &[SecretVersion<'_>],
        max_bytes: usize,
    ) -> Result<Vec<BatchReply>, BackendError> {
        let ids = requests.iter().map(|request| request.id);
        let max = SecretsManager::BATCH;
        self.inner.calls.record("BatchGetSecretValue", max, ids)?;
        let secrets = lock(&self.inner.secrets);
        let reply = |request: &SecretVersion<'_>| {
            let Some(secret) = secrets.get(request.id) else {
                return Ok(None);
            };
            secret.read(request, max_bytes)
        };
        Ok(requests.iter().map(reply).collect())
    }
}

impl Secret {
    fn add(&mut self, version_id: &str, bytes: Vec<u8>, stages: &[&str]) {
        self.versions.retain(|(known, _)| known != version_id);
        self.versions.push((version_id.to_owned(), bytes.into()));
        for stage in stages {
            self.stages
                .insert((*stage).to_owned(), version_id.to_owned());
        }
        self.deleted = false;
    }

    /// The version `request` names: by its id, else by its label (`AWSCURRENT` by default).
    fn read(&self, request: &SecretVersion<'_>, max_bytes: usize) -> BatchReply {
        let id = request.id;
        if self.deleted {
            return Err(BackendError::new(
                ErrorKind::Other,
                format!("secret {id} is marked for deletion; restore it, or name another secret"),
            ));
        }
        let version_id = match (request.version_id, request.version_stage) {
            (Some(version_id), _) => version_id,
            (None, stage) => match self.stages.get(stage.unwrap_or(CURRENT)) {
                Some(version_id) => version_id.as_str(),
                None => return Ok(None),
            },
        };
        let Some((_, bytes)) = self.versions.iter().find(|(known, _)| known == version_id) else {
            return Ok(None);
        };
        check_size(&format_args!("secret {id}"), bytes.len() as u64, max_bytes)?;
        Ok(Some(SecretBytes::new(bytes.to_vec())))
    }
}

impl AwsSecretStore for MemoryAwsSecrets {
    fn get_many<'a>(
        &'a self,
        secrets: &'a [SecretVersion<'a>],
        max_bytes: usize,
    ) -> BoxFuture<'a, Result<Vec<BatchReply>, BackendError>> {
        ready(self.get_now(secrets, max_bytes))
    }
}

/// Secret ids only; never a value.
impl fmt::Debug for MemoryAwsSecrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secrets = lock(&self.inner.secrets);
        f.debug_struct("MemoryAwsSecrets")
            .field("secrets", &sorted_names(&secrets))
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(sm: &MemoryAwsSecrets, request: SecretVersion<'_>) -> Option<Vec<u8>> {
        let mut replies = sm.get_now(&[request], 1 << 20).unwrap();
        replies.pop().unwrap().unwrap().map(|bytes| bytes.to_vec())
    }

    fn version<'a>(
        id: &'a str,
        version_stage: Option<&'a str>,
        version_id: Option<&'a str>,
    ) -> SecretVersion<'a> {
        SecretVersion {
            id,
            version_stage,
            version_id,
        }
    }

    #[test]
    fn versions_and_labels_move_as_a_rotation_moves_them() {
        let sm = MemoryAwsSecrets::new().with_string("db", "one");
        assert_eq!(sm.put("db", "two"), "v2");
        sm.put_version("db", "pinned-1", "three", &["staged"]);
        let read_db = |stage, id| read(&sm, version("db", stage, id));
        assert_eq!(read_db(None, None).as_deref(), Some(&b"two"[..]));
        assert_eq!(read_db(Some(CURRENT), None).as_deref(), Some(&b"two"[..]));
        assert_eq!(read_db(Some(PREVIOUS), None).as_deref(), Some(&b"one"[..]));
        assert_eq!(
            read_db(Some("staged"), None).as_deref(),
            Some(&b"three"[..])
        );
        assert_eq!(read_db(None, Some("v1")).as_deref(), Some(&b"one"[..]));
        assert_eq!(read_db(Some("nope"), None), None);
        assert_eq!(read_db(None, Some("v9")), None);
        assert_eq!(read(&sm, version("other", None, None)), None);
    }

    #[test]
    fn a_deleted_secret_fails_its_reply_only() {
        let sm = MemoryAwsSecrets::new()
            .with_string("a", "s3cr3t-Zq")
            .with_string("b", "s3cr3t-Zq");
        sm.delete("a");
        let replies = sm
            .get_now(
                &[version("a", None, None), version("b", None, None)],
                1 << 20,
            )
            .unwrap();
        let why = replies[0].as_ref().unwrap_err();
        assert_eq!(
            why.message(),
            "secret a is marked for deletion; restore it, or name another secret"
        );
        assert!(replies[1].is_ok());
        assert_eq!(sm.calls(), [["a", "b"]]);
        assert_eq!(
            format!("{sm:?}"),
            "MemoryAwsSecrets { secrets: [\"a\", \"b\"], .. }"
        );
    }
}
