//! Secret Manager secrets as files, for `#[secret_manager]` fields and berglas `sm://`
//! references on the local backend. A version is the file named by its resource name:
//!
//! ```text
//! $SECRETS_LOCAL_DIR/secretmanager/projects/p/secrets/db-pass/versions/1
//! $SECRETS_LOCAL_DIR/secretmanager/projects/p/secrets/db-pass/versions/prod   (an alias)
//! ```
//!
//! `latest` is the highest-numbered version, as in Secret Manager: a file named by a version
//! number without leading zeros (`7`, not `07`). Any other file name is an alias.

use std::fs;
use std::io;
use std::path::PathBuf;
use std::sync::Arc;

use super::files::read_file;
use super::{io_error, write_private};
use crate::backend::{BoxFuture, SecretBytes, SecretStore, ready};
use crate::{BackendError, ErrorKind};

/// Secret versions stored as files under `<dir>/secretmanager/`.
#[derive(Debug, Clone)]
pub struct LocalSecretManager {
    root: PathBuf,
    project: Option<Arc<str>>,
}

impl LocalSecretManager {
    /// The secrets under `<dir>/secretmanager/`; nothing is read until a version is.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self {
            root: dir.into().join("secretmanager"),
            project: None,
        }
    }

    /// The project of secrets named without one when `GOOGLE_CLOUD_PROJECT` is unset.
    #[must_use]
    pub fn with_default_project(mut self, project: &str) -> Self {
        self.project = Some(project.into());
        self
    }

    /// Adds a version to `secret` (`projects/P/secrets/S`, or with `/locations/L`) and
    /// returns its number.
    pub fn add_version(&self, secret: &str, bytes: &[u8]) -> Result<u64, BackendError> {
        let versions = self.versions_dir(secret)?;
        fs::create_dir_all(&versions).map_err(|e| io_error(&versions, &e))?;
        let next = highest(&versions)?.map_or(1, |n| n + 1);
        let path = versions.join(next.to_string());
        write_private(&path, bytes, true).map_err(|e| io_error(&path, &e))?;
        Ok(next)
    }

    fn versions_dir(&self, secret: &str) -> Result<PathBuf, BackendError> {
        let parsed = secrets_names::parse_secret_name(secret)
            .map_err(|why| BackendError::new(ErrorKind::Invalid, why))?;
        if parsed.project.is_none() || parsed.version.is_some() {
            return Err(BackendError::new(
                ErrorKind::Invalid,
                format!("`{secret}` is not of the form projects/P/secrets/S"),
            ));
        }
        // Every part was checked by the name's rules: plain ids, never `..`.
        Ok(self.root.join(secret).join("versions"))
    }

    fn access_now(
        &self,
        name: &str,
        max_bytes: usize,
    ) -> Result<Option<SecretBytes>, BackendError> {
        let Some((secret, version)) = name.rsplit_once("/versions/") else {
            return Err(BackendError::new(
                ErrorKind::Invalid,
                format!("{name} is not a secret version name"),
            ));
        };
        let versions = self.versions_dir(secret)?;
        let file = match version {
            "latest" => match highest(&versions)? {
                Some(n) => versions.join(n.to_string()),
                None => return Ok(None),
            },
            version => {
                secrets_names::check_secret_version(version)
                    .map_err(|why| BackendError::new(ErrorKind::Invalid, why))?;
                versions.join(version)
            }
        };
        read_file(&file, &file, max_bytes)
    }
}

/// The highest version number in `versions`, if it holds any: files named by a number as
/// Secret Manager writes it (`7`, not `07`), which is also the name `latest` reads.
fn highest(versions: &std::path::Path) -> Result<Option<u64>, BackendError> {
    let entries = match fs::read_dir(versions) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_error(versions, &e)),
    };
    Ok(entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name();
            let number = name.to_str()?.parse::<u64>().ok()?;
            (name.to_str()? == number.to_string()).then_some(number)
        })
        .max())
}

impl SecretStore for LocalSecretManager {
    fn access<'a>(
        &'a self,
        name: &'a str,
        max_bytes: usize,
    ) -> BoxFuture<'a, Result<Option<SecretBytes>, BackendError>> {
        ready(self.access_now(name, max_bytes))
    }

    fn default_project(&self) -> BoxFuture<'_, Result<Arc<str>, BackendError>> {
        match &self.project {
            Some(project) => ready(Ok(project.clone())),
            None => ready(Err(crate::backend::no_project())),
        }
    }
}
