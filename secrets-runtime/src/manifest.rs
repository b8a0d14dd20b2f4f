//! What a struct needs: every env var it reads and every resource its service account must be
//! allowed to read, known from the struct's declaration alone.
//!
//! [`Secrets::manifest`](crate::Secrets::manifest) builds a [`Manifest`] from the description
//! the derive emits: no request, no env var read, nothing that costs at boot. It renders as a
//! table (`Display`), as JSON (`serde::Serialize`) and as the `gcloud` commands that grant a
//! service account exactly what the struct reads ([`Manifest::gcloud`]).
//!
//! A name the struct reads from an env var (`KMS_CRYPTO_KEY_ID`, `STORAGE_BUCKET`, ...) is
//! shown as that var, `$KMS_CRYPTO_KEY_ID`: only [`Manifest::gcloud`] given an environment
//! looks its value up.
//!
//! ```
//! use secrets_runtime::{SecretString, Secrets};
//!
//! #[derive(Secrets)]
//! struct Config {
//!     #[kms]
//!     db_pass: SecretString,
//!     #[gcs(bucket = "my-bucket", object = "app1", key = "password")]
//!     password: SecretString,
//! }
//!
//! let manifest = Config::manifest();
//! assert_eq!(manifest.to_string(), "\
//! Config reads 2 env vars and 2 resources
//!
//! ENV VAR            HOLDS                                      READ BY
//! DB_PASS            KMS ciphertext for key $KMS_CRYPTO_KEY_ID  db_pass
//! KMS_CRYPTO_KEY_ID  a KMS key name                             db_pass
//!
//! RESOURCE                    PERMISSION                               ROLE                               READ BY
//! KMS key $KMS_CRYPTO_KEY_ID  cloudkms.cryptoKeyVersions.useToDecrypt  roles/cloudkms.cryptoKeyDecrypter  db_pass
//! object gs://my-bucket/app1  storage.objects.get                      roles/storage.objectViewer         password
//! ");
//! ```

mod aws_policy;
mod collect;
mod gcloud;
mod lookup;
mod render;
#[cfg(test)]
mod tests;

use std::fmt;

pub use aws_policy::AwsScope;
pub(crate) use collect::ManifestCx;
pub(crate) use gcloud::Referenced;
pub use lookup::{Lookup, ProcessEnv};

use crate::family::{
    AwsKms, CloudKms, CloudStorage, Family, ParameterStore, S3, SecretManager, SecretsManager,
};

/// Every env var a struct reads and every resource it needs, with the fields that read them;
/// from [`Secrets::manifest`](crate::Secrets::manifest).
///
/// Both lists are in the order the struct's fields (nested structs' too, depth first) first
/// read each; a var or resource several fields read is listed once, with all of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    name: &'static str,
    env: Vec<EnvVar>,
    resources: Vec<Need>,
}

impl Manifest {
    /// The struct's name.
    #[must_use]
    pub fn name(&self) -> &str {
        self.name
    }

    /// Every env var the struct reads.
    #[must_use]
    pub fn env_vars(&self) -> &[EnvVar] {
        &self.env
    }

    /// Every resource the struct reads, with the permission and the role it takes.
    #[must_use]
    pub fn resources(&self) -> &[Need] {
        &self.resources
    }

    /// The `gcloud` commands that grant `service_account` (an email, or a member such as
    /// `serviceAccount:..`) read access to each resource and nothing more: the predefined role
    /// on the KMS key, on the Secret Manager secret, and on the bucket with an IAM condition
    /// that holds it to the one object.
    ///
    /// Without `env`, a resource whose name an env var holds is a comment saying which var to
    /// set. With it, such names are looked up there and checked by the rules a load applies;
    /// a value that breaks them is never printed, only the rule it breaks. Every argument is
    /// shell-quoted where it needs to be; the output is a shell script, one command a line.
    #[must_use]
    pub fn gcloud(&self, service_account: &str, env: Option<&dyn Lookup>) -> String {
        gcloud::script(self, service_account, env)
    }

    /// The AWS IAM policy (JSON) that lets a function's role read each AWS resource the
    /// struct reads and nothing more: `kms:Decrypt` on the key (an alias and an encryption
    /// context held by conditions), `s3:GetObject` on each object,
    /// `secretsmanager:GetSecretValue` on each secret (and `BatchGetSecretValue`, which takes
    /// no resource), `ssm:GetParameters` on each parameter. `scope` places the ARNs.
    ///
    /// Names env vars hold are looked up in `env` as [`gcloud`](Manifest::gcloud) does; one
    /// not known there stays `$VAR` in its ARN, for a deploy script to substitute. A
    /// `SecureString` under a customer managed key also needs `kms:Decrypt` on that key,
    /// which the struct does not name.
    #[must_use]
    pub fn aws_policy(&self, scope: AwsScope<'_>, env: Option<&dyn Lookup>) -> serde_json::Value {
        aws_policy::policy(self, scope, env)
    }
}

/// An env var the struct reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvVar {
    name: String,
    holds: Holds,
    fields: Vec<String>,
}

impl EnvVar {
    /// The var's name, with the prefixes of the nested structs it is read in.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What its value is.
    #[must_use]
    pub fn holds(&self) -> &Holds {
        &self.holds
    }

    /// The fields that read it, nested ones by their path (`db.password`).
    #[must_use]
    pub fn fields(&self) -> &[String] {
        &self.fields
    }
}

/// What an env var holds.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Holds {
    /// Plain text (`#[env]`), and the value used when it is unset.
    Text {
        /// The field's `default`.
        default: Option<&'static str>,
    },
    /// Base64 Cloud KMS ciphertext (`#[kms]`), decrypted with this key.
    KmsCiphertext {
        /// The key.
        key: Name,
    },
    /// A sealed bundle (`#[bundle]`): KMS ciphertext of a JSON object, or berglas's envelope
    /// of one, opened with this key.
    Bundle {
        /// The key.
        key: Name,
    },
    /// A berglas reference, `berglas://BUCKET/OBJECT` or `sm://PROJECT/SECRET`.
    BerglasReference,
    /// The name of a KMS key.
    KmsKeyName,
    /// The name of a Cloud Storage bucket.
    BucketName,
    /// A Secret Manager secret: its id, or its full resource name (whose project wins).
    SecretName,
    /// The project of Secret Manager secrets named by their id; unset, the metadata server's.
    ProjectId,
    /// The absolute path of a file.
    FilePath,
    /// Base64 AWS KMS ciphertext (`#[aws_kms]`), for this key if the field pins one.
    AwsKmsCiphertext {
        /// The pinned key: id, ARN or alias.
        key: Option<&'static str>,
    },
    /// The name of an S3 bucket.
    S3BucketName,
    /// The name or ARN of a Secrets Manager secret.
    AwsSecretId,
    /// The name or ARN of a Parameter Store parameter.
    ParameterName,
}

/// A resource the struct reads, and the fields that read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Need {
    resource: Resource,
    fields: Vec<String>,
}

impl Need {
    /// What is read.
    #[must_use]
    pub fn resource(&self) -> &Resource {
        &self.resource
    }

    /// The IAM permission the read takes (`cloudkms.cryptoKeyVersions.useToDecrypt`), or
    /// `file read` for a file, which no IAM role grants.
    #[must_use]
    pub fn permission(&self) -> &'static str {
        match self.resource {
            Resource::KmsKey { .. } | Resource::BerglasKey { .. } => {
                "cloudkms.cryptoKeyVersions.useToDecrypt"
            }
            Resource::Object { .. } | Resource::BerglasObject { .. } => "storage.objects.get",
            Resource::Secret { .. } | Resource::BerglasSecret { .. } => {
                "secretmanager.versions.access"
            }
            Resource::File { .. } => "file read",
            Resource::AwsKmsKey { .. } => AwsKms::PERMISSION,
            Resource::S3Object { .. } => S3::PERMISSION,
            Resource::AwsSecret { .. } => SecretsManager::PERMISSION,
            Resource::Parameter { .. } => ParameterStore::PERMISSION,
        }
    }

    /// The predefined role that grants the permission on the resource alone; `None` for a
    /// file: the process's user needs read permission on it.
    #[must_use]
    pub fn role(&self) -> Option<&'static str> {
        match self.resource {
            Resource::KmsKey { .. } | Resource::BerglasKey { .. } => Some(CloudKms::PERMISSION),
            Resource::Object { .. } | Resource::BerglasObject { .. } => {
                Some(CloudStorage::PERMISSION)
            }
            Resource::Secret { .. } | Resource::BerglasSecret { .. } => {
                Some(SecretManager::PERMISSION)
            }
            // AWS has no predefined role per action: the policy grants the action itself.
            Resource::File { .. }
            | Resource::AwsKmsKey { .. }
            | Resource::S3Object { .. }
            | Resource::AwsSecret { .. }
            | Resource::Parameter { .. } => None,
        }
    }

    /// The fields that read it, nested ones by their path (`db.password`).
    #[must_use]
    pub fn fields(&self) -> &[String] {
        &self.fields
    }
}

/// A resource a field reads.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Resource {
    /// A Cloud KMS key that decrypts (`#[kms]`, `#[bundle]`).
    KmsKey {
        /// `projects/P/locations/L/keyRings/R/cryptoKeys/K`, or the var that holds it.
        key: Name,
    },
    /// A Cloud Storage object (`#[gcs]`).
    Object {
        /// The bucket.
        bucket: Name,
        /// The object.
        object: &'static str,
    },
    /// A Secret Manager secret (`#[secret_manager]`).
    Secret {
        /// Its project: written in the struct (the field's `project`, or the project of a full
        /// secret name), or the var that holds it. With that var unset, the backend's default
        /// project: Google's asks the metadata server (on Cloud Run, the service's own).
        project: Name,
        /// The location of a regional secret.
        location: Option<&'static str>,
        /// The secret's id, or the var that holds its id or full name.
        secret: Name,
        /// The versions read (`latest`, a number or an alias).
        versions: Vec<&'static str>,
    },
    /// A file (`#[file]`).
    File {
        /// Its path, or the var that holds it.
        path: Name,
    },
    /// The object a `berglas://` reference names (`#[berglas]`).
    BerglasObject {
        /// The env var holding the reference.
        reference: String,
    },
    /// The KMS key that opens that object: named in its `berglas-kms-key` metadata, so known
    /// only once the object is read.
    BerglasKey {
        /// The env var holding the reference.
        reference: String,
    },
    /// The secret an `sm://` reference names (`#[berglas]`).
    BerglasSecret {
        /// The env var holding the reference.
        reference: String,
    },
    /// The AWS KMS key that decrypts an `#[aws_kms]` field: the pinned one, or (`None`) the
    /// one its ciphertext names.
    AwsKmsKey {
        /// The key id, ARN or alias.
        key: Option<&'static str>,
        /// The encryption context, which a policy may require with `kms:EncryptionContext:`.
        context: &'static [(&'static str, &'static str)],
    },
    /// An S3 object (`#[s3]`).
    S3Object {
        /// The bucket.
        bucket: Name,
        /// The object's key.
        object: &'static str,
    },
    /// A Secrets Manager secret (`#[aws_secret]`).
    AwsSecret {
        /// Its name or ARN, or the var that holds it.
        secret: Name,
    },
    /// A Parameter Store parameter (`#[ssm]`).
    Parameter {
        /// Its name or ARN, or the var that holds it.
        name: Name,
    },
}

impl Resource {
    /// Whether one grant covers both (versions of a secret share one), merging `other`'s
    /// versions into `self` when it does.
    fn absorb(&mut self, other: &Self) -> bool {
        match (self, other) {
            (
                Self::Secret {
                    project,
                    location,
                    secret,
                    versions,
                },
                Self::Secret {
                    project: p,
                    location: l,
                    secret: s,
                    versions: more,
                },
            ) if (&*project, &*location, &*secret) == (p, l, s) => {
                for version in more {
                    if !versions.contains(version) {
                        versions.push(version);
                    }
                }
                true
            }
            (this, other) => this == other,
        }
    }
}

/// A name given in the struct, or the env var that holds it at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Name {
    /// Written in the struct, checked at compile time.
    Literal(&'static str),
    /// Held by this env var, read at boot.
    Env(&'static str),
}

/// `$VAR` for a name an env var holds: no literal name starts with `$`.
impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Literal(name) => f.write_str(name),
            Self::Env(var) => write!(f, "${var}"),
        }
    }
}

impl From<crate::spec::NameRef> for Name {
    fn from(name: crate::spec::NameRef) -> Self {
        match name {
            crate::spec::NameRef::Literal(name) => Self::Literal(name),
            crate::spec::NameRef::Env(var) => Self::Env(var),
        }
    }
}
