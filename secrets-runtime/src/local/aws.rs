//! The AWS sources on the local backend: AWS KMS keys, Secrets Manager secrets and Parameter
//! Store parameters as files (S3 buckets are [`LocalStore::s3`](super::LocalStore::s3)):
//!
//! ```text
//! $SECRETS_LOCAL_DIR/
//!   aws-kms/1234abcd-12ab-34cd-56ef-1234567890ab.key    32 raw bytes, as kms/ keys are
//!   aws-kms/alias/app                                   text: the key id alias/app points at
//!   aws-secrets/prod/db                                 secret prod/db, its AWSCURRENT version
//!   aws-secret-versions/AWSPREVIOUS/prod/db             the version a label or version id names
//!   ssm/prod/api/token                                  parameter /prod/api/token (or token)
//!   ssm-versions/3/prod/api/token                       /prod/api/token:3 (a version or label)
//! ```
//!
//! An ARN is read as the name it ends with: `…:secret:prod/db-AbCdEf` from
//! `aws-secrets/prod/db-AbCdEf`, `…:parameter/prod/db` from `ssm/prod/db`. Ciphertext is the
//! in-memory AWS KMS's blob: AWS KMS cannot decrypt it, nor these keys AWS KMS's.

use std::fs;
use std::io;
use std::path::PathBuf;

use base64::Engine;
use base64::prelude::BASE64_STANDARD;

use super::files::read_file;
use super::{create_key_file, io_error, plain_path, read_key_file, write_creating};
use crate::aead::KeyBytes;
use crate::backend::{BoxFuture, SecretBytes, ready};
use crate::backend_aws::{
    AwsKeyService, AwsParameterStore, AwsSecretStore, BatchReply, SecretVersion,
};
use crate::memory::aws_blob::{self, KeyRing};
use crate::{BackendError, ErrorKind};

/// AWS KMS keys stored as files under `<dir>/aws-kms/`, aliases beside them.
#[derive(Debug, Clone)]
pub struct LocalAwsKms {
    root: PathBuf,
}

impl LocalAwsKms {
    /// The keys under `<dir>/aws-kms/`; nothing is read until a key is used.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self {
            root: dir.into().join("aws-kms"),
        }
    }

    /// Creates the key `key_id` (`1234abcd-…`) with a random value, unless it exists already.
    pub fn create_key(&self, key_id: &str) -> Result<(), BackendError> {
        create_key_file(&self.key_path(key_id)?)
    }

    /// Points `alias` (`alias/NAME`) at the key `key_id`, replacing what it pointed at.
    pub fn create_alias(&self, alias: &str, key_id: &str) -> Result<(), BackendError> {
        self.key_path(key_id)?;
        write_creating(&self.alias_path(alias)?, key_id.as_bytes())
    }

    /// Encrypts `plaintext` under the existing key that `key` (a key id, an alias or the
    /// ARN of either) names, bound to `context`, in any order.
    pub fn encrypt(
        &self,
        key: &str,
        context: &[(&str, &str)],
        plaintext: &[u8],
    ) -> Result<Vec<u8>, BackendError> {
        let key_id = self.key_id(key)?;
        let key_bytes = self.key(&key_id)?;
        Ok(aws_blob::seal(&key_id, &key_bytes, context, plaintext))
    }

    /// [`encrypt`](Self::encrypt), in base64: what the env var of an `#[aws_kms]` field holds.
    pub fn encrypt_base64(
        &self,
        key: &str,
        context: &[(&str, &str)],
        plaintext: &[u8],
    ) -> Result<String, BackendError> {
        Ok(BASE64_STANDARD.encode(self.encrypt(key, context, plaintext)?))
    }

    fn key_path(&self, key_id: &str) -> Result<PathBuf, BackendError> {
        // A key id holds letters, digits and `-` only: a plain file name.
        let is_id = secrets_names::aws::check_aws_kms_key(key_id).is_ok()
            && !key_id.starts_with("alias/")
            && !key_id.starts_with("arn:");
        if !is_id {
            return Err(BackendError::new(
                ErrorKind::Invalid,
                format!("`{key_id}` is not an AWS KMS key id (`1234abcd-…`)"),
            ));
        }
        Ok(self.root.join(format!("{key_id}.key")))
    }

    fn alias_path(&self, alias: &str) -> Result<PathBuf, BackendError> {
        let name = alias
            .strip_prefix("alias/")
            .filter(|_| secrets_names::aws::check_aws_kms_key(alias).is_ok())
            .ok_or_else(|| {
                BackendError::new(
                    ErrorKind::Invalid,
                    format!("`{alias}` is not an AWS KMS alias (`alias/NAME`)"),
                )
            })?;
        Ok(self.root.join("alias").join(plain_path("alias", name)?))
    }
}

impl KeyRing for LocalAwsKms {
    type Key = KeyBytes;

    fn key(&self, key_id: &str) -> Result<KeyBytes, BackendError> {
        read_key_file(&self.key_path(key_id)?, key_id)
    }

    fn alias(&self, alias: &str) -> Result<String, BackendError> {
        let path = self.alias_path(alias)?;
        match fs::read_to_string(&path) {
            Ok(key_id) => Ok(key_id.trim().to_owned()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Err(aws_blob::not_found(alias)),
            Err(e) => Err(io_error(&path, &e)),
        }
    }
}

impl AwsKeyService for LocalAwsKms {
    fn decrypt<'a>(
        &'a self,
        ciphertext: &'a [u8],
        key: Option<&'a str>,
        context: &'a [(&'a str, &'a str)],
    ) -> BoxFuture<'a, Result<SecretBytes, BackendError>> {
        ready(self.decrypt_blob(ciphertext, key, context))
    }
}

/// Secrets Manager secrets as files under `<dir>/aws-secrets/` (the current version) and
/// `<dir>/aws-secret-versions/<LABEL or VERSION_ID>/`.
#[derive(Debug, Clone)]
pub struct LocalAwsSecrets {
    dir: PathBuf,
}

impl LocalAwsSecrets {
    /// The secrets under `<dir>`; nothing is read until a secret is.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// Writes (or replaces) the current version of secret `id`.
    pub fn put(&self, id: &str, bytes: &[u8]) -> Result<(), BackendError> {
        write_creating(&self.path(id, None)?, bytes)
    }

    /// Writes (or replaces) the version of secret `id` that the staging label or version id
    /// `version` names.
    pub fn put_version(&self, id: &str, version: &str, bytes: &[u8]) -> Result<(), BackendError> {
        write_creating(&self.path(id, Some(version))?, bytes)
    }

    fn path(&self, id: &str, version: Option<&str>) -> Result<PathBuf, BackendError> {
        let invalid = |why| BackendError::new(ErrorKind::Invalid, why);
        secrets_names::aws::check_aws_secret_id(id).map_err(invalid)?;
        let name = match id.strip_prefix("arn:") {
            Some(arn) => arn.split_once(":secret:").map_or(id, |(_, name)| name),
            None => id,
        };
        let name = plain_path("secret name", name)?;
        match version {
            None | Some("AWSCURRENT") => Ok(self.dir.join("aws-secrets").join(name)),
            Some(version) => {
                secrets_names::aws::check_aws_secret_version("version", version)
                    .map_err(invalid)?;
                let version = plain_path("version", version)?;
                Ok(self
                    .dir
                    .join("aws-secret-versions")
                    .join(version)
                    .join(name))
            }
        }
    }

    fn read(&self, request: &SecretVersion<'_>, max_bytes: usize) -> BatchReply {
        let path = self.path(request.id, request.version_id.or(request.version_stage))?;
        read_file(&path, &path, max_bytes)
    }
}

impl AwsSecretStore for LocalAwsSecrets {
    fn get_many<'a>(
        &'a self,
        secrets: &'a [SecretVersion<'a>],
        max_bytes: usize,
    ) -> BoxFuture<'a, Result<Vec<BatchReply>, BackendError>> {
        ready(Ok(secrets
            .iter()
            .map(|s| self.read(s, max_bytes))
            .collect()))
    }
}

/// Parameter Store parameters as files under `<dir>/ssm/` (a version or label under
/// `<dir>/ssm-versions/<SELECTOR>/`).
#[derive(Debug, Clone)]
pub struct LocalParameters {
    dir: PathBuf,
}

impl LocalParameters {
    /// The parameters under `<dir>`; nothing is read until a parameter is.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// Writes (or replaces) parameter `name` (`/prod/db`, or `/prod/db:3` for a version).
    pub fn put(&self, name: &str, value: &[u8]) -> Result<(), BackendError> {
        write_creating(&self.path(name)?, value)
    }

    fn path(&self, name: &str) -> Result<PathBuf, BackendError> {
        secrets_names::aws::check_ssm_parameter_name(name)
            .map_err(|why| BackendError::new(ErrorKind::Invalid, why))?;
        // `arn:…:parameter/prod/db` names `/prod/db`, `arn:…:parameter/token` names `token`.
        let name = match name.strip_prefix("arn:") {
            Some(arn) => arn.split_once(":parameter").map_or(name, |(_, name)| name),
            None => name,
        };
        let (path, selector) = match name.split_once(':') {
            Some((path, selector)) => (path, Some(selector)),
            None => (name, None),
        };
        let path = plain_path("parameter name", path.trim_start_matches('/'))?;
        Ok(match selector {
            None => self.dir.join("ssm").join(path),
            Some(selector) => {
                let selector = plain_path("parameter selector", selector)?;
                self.dir.join("ssm-versions").join(selector).join(path)
            }
        })
    }

    fn read(&self, name: &str, max_bytes: usize) -> BatchReply {
        let path = self.path(name)?;
        read_file(&path, &path, max_bytes)
    }
}

impl AwsParameterStore for LocalParameters {
    fn get_many<'a>(
        &'a self,
        names: &'a [&'a str],
        max_bytes: usize,
    ) -> BoxFuture<'a, Result<Vec<BatchReply>, BackendError>> {
        ready(Ok(names.iter().map(|n| self.read(n, max_bytes)).collect()))
    }
}

/// Where each name lands, so the layout in the module's docs stays true.
#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn names_land_where_the_layout_says() {
        let dir = Path::new("/d");
        let sm = LocalAwsSecrets::new(dir);
        let path = |id, version| sm.path(id, version).unwrap();
        assert_eq!(path("prod/db", None), dir.join("aws-secrets/prod/db"));
        assert_eq!(
            path("prod/db", Some("AWSCURRENT")),
            dir.join("aws-secrets/prod/db")
        );
        assert_eq!(
            path("prod/db", Some("AWSPREVIOUS")),
            dir.join("aws-secret-versions/AWSPREVIOUS/prod/db")
        );
        let arn = "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf";
        assert_eq!(path(arn, None), dir.join("aws-secrets/prod/db-AbCdEf"));
        for bad in ["prod/../db", "prod//db", "./db"] {
            assert!(sm.path(bad, None).is_err(), "{bad}");
        }
        assert!(sm.path("db", Some("..")).is_err());

        let ssm = LocalParameters::new(dir);
        let path = |name| ssm.path(name).unwrap();
        assert_eq!(path("/prod/api/token"), dir.join("ssm/prod/api/token"));
        assert_eq!(path("token"), dir.join("ssm/token"));
        assert_eq!(path("/prod/db:3"), dir.join("ssm-versions/3/prod/db"));
        assert_eq!(
            path("/prod/db:parameter1"),
            dir.join("ssm-versions/parameter1/prod/db")
        );
        let arn = "arn:aws:ssm:us-east-1:111122223333:parameter/prod/db";
        assert_eq!(path(arn), dir.join("ssm/prod/db"));
        assert!(ssm.path("/prod/../db").is_err());
        assert!(ssm.path("/prod/db:..").is_err());

        let kms = LocalAwsKms::new(dir);
        assert_eq!(kms.key_path("k-1").unwrap(), dir.join("aws-kms/k-1.key"));
        assert_eq!(
            kms.alias_path("alias/a/b").unwrap(),
            dir.join("aws-kms/alias/a/b")
        );
        assert!(kms.key_path("alias/app").is_err());
        assert!(kms.alias_path("alias/a//b").is_err());
    }
}
