//! `Sources`: the environment a load reads from and a backend per provider family.

use std::any::TypeId;
use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use tokio::sync::OnceCell;
use zeroize::Zeroizing;

use crate::BackendError;
use crate::backend::{BoxFuture, FileStore, Kms, ObjectStore, SecretStore};
use crate::backend_aws::{AwsKeyService, AwsParameterStore, AwsSecretStore};
use crate::environment::Env;
use crate::family::{
    self, AwsKms, Backend, CloudKms, CloudStorage, Family, Files, ParameterStore, S3,
    SecretManager, SecretsManager, Slot,
};
use crate::kinds::gcs::DEFAULT_MAX_OBJECT_BYTES;
use crate::local::{self, LocalFiles, LocalKms, LocalSecretManager, LocalStore};
use crate::retry::RetryPolicy;

/// The environment and the backends a load reads from.
///
/// [`Secrets::load`](crate::Secrets::load) uses [`Sources::process`]; tests and programs with
/// their own clients build one with [`Sources::builder`] and call
/// [`Secrets::load_from`](crate::Secrets::load_from). Backends are kept per provider family
/// (see [`family`](crate::family)), so one struct may read from any number of them.
pub struct Sources {
    pub(crate) env: Env,
    backends: Vec<Slot>,
    /// Why a family has no backend when none was set: the builder's hint, or the missing
    /// `gcp` feature's for [`Sources::from_env`].
    unset: Option<&'static str>,
    pub(crate) max_object_bytes: usize,
    pub(crate) retry: RetryPolicy,
}

/// Why a family has no backend in [`Sources::from_env`]: its provider's feature is off. Only
/// the families of the missing provider can lack one, so the message names that feature.
#[cfg(all(not(feature = "gcp"), feature = "aws"))]
const NO_CLOUD_FEATURE: Option<&str> = Some(
    "secrets-runtime was built without its `gcp` feature: enable it for Cloud KMS, Cloud Storage and Secret Manager, or set SECRETS_LOCAL_DIR to use the local backend",
);
#[cfg(all(not(feature = "gcp"), not(feature = "aws")))]
const NO_CLOUD_FEATURE: Option<&str> = Some(
    "secrets-runtime was built without its `gcp` feature: enable it for Cloud KMS, Cloud Storage and Secret Manager (and `aws` for AWS KMS, S3, Secrets Manager and Parameter Store), or set SECRETS_LOCAL_DIR to use the local backend",
);
#[cfg(all(feature = "gcp", not(feature = "aws")))]
const NO_CLOUD_FEATURE: Option<&str> = Some(
    "secrets-runtime was built without its `aws` feature: enable it for AWS KMS, S3, Secrets Manager and Parameter Store, or set SECRETS_LOCAL_DIR to use the local backend",
);
#[cfg(all(feature = "gcp", feature = "aws"))]
const NO_CLOUD_FEATURE: Option<&str> = None;

impl Sources {
    /// A builder that starts from the process environment and no backends.
    pub fn builder() -> SourcesBuilder {
        SourcesBuilder {
            sources: Sources {
                env: Env::Process,
                backends: Vec::new(),
                unset: None,
                max_object_bytes: DEFAULT_MAX_OBJECT_BYTES,
                retry: RetryPolicy::default(),
            },
        }
    }

    /// The process environment, with the backends it selects: the local backend when
    /// `SECRETS_LOCAL_DIR` is set (and not empty), else the cloud clients the crate was built
    /// with: Google's (feature `gcp`) and AWS's (feature `aws`), each built on first use.
    /// [`Sources::builder_from_env`] finished as is.
    #[must_use]
    pub fn from_env() -> Sources {
        Self::builder_from_env().build()
    }

    /// A builder that starts from what [`Sources::from_env`] (and so
    /// [`Secrets::load`](crate::Secrets::load)) chooses, the process environment and its
    /// backends, so that a program keeps that choice and changes the rest: the deadline and
    /// retries, the object size cap, or one family's backend.
    ///
    /// ```
    /// use std::time::Duration;
    /// use secrets_runtime::{RetryPolicy, Sources};
    /// let sources = Sources::builder_from_env()
    ///     .retry(RetryPolicy::default().with_deadline(Duration::from_secs(3)))
    ///     .build();
    /// # let _ = sources;
    /// ```
    pub fn builder_from_env() -> SourcesBuilder {
        match std::env::var_os(local::DIR_ENV) {
            Some(dir) if !dir.is_empty() => Self::builder().local(dir),
            _ => {
                let builder = Self::builder();
                #[cfg(feature = "gcp")]
                let builder = builder.gcp();
                #[cfg(feature = "aws")]
                let builder = builder.aws();
                let mut builder = builder;
                builder.sources.unset = NO_CLOUD_FEATURE;
                builder
            }
        }
    }

    /// What [`Secrets::load`](crate::Secrets::load) uses: [`Sources::from_env`], made on first
    /// use and kept for the life of the process, so each client is built at most once.
    pub fn process() -> &'static Sources {
        static PROCESS: OnceLock<Sources> = OnceLock::new();
        PROCESS.get_or_init(Sources::from_env)
    }

    /// The backend of family `F`, built now if it is built on first use.
    pub(crate) async fn backend<F: Family>(&self) -> Result<Arc<F::Backend>, BackendError> {
        let slot = self
            .backends
            .iter()
            .find(|slot| slot.family == TypeId::of::<F>());
        match slot.and_then(|slot| slot.backend.downcast_ref::<Backend<F::Backend>>()) {
            Some(backend) => backend.get().await,
            None => F::default_backend()
                .ok_or_else(|| family::unconfigured(F::NAME, self.unset.unwrap_or(F::HINT))),
        }
    }
}

impl fmt::Debug for Sources {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let backends: Vec<(&str, &str)> = self
            .backends
            .iter()
            .map(|slot| (slot.name, (slot.describe)(slot.backend.as_ref())))
            .collect();
        f.debug_struct("Sources")
            .field("env", &self.env)
            .field("backends", &backends)
            .field("unset", &self.unset)
            .field("max_object_bytes", &self.max_object_bytes)
            .field("retry", &self.retry)
            .finish()
    }
}

/// Builds [`Sources`].
#[derive(Debug)]
#[must_use]
pub struct SourcesBuilder {
    sources: Sources,
}

impl SourcesBuilder {
    /// Reads env vars from this list instead of the process environment.
    pub fn env<K, V>(mut self, vars: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<String>,
        V: Into<String>,
    {
        let vars = vars
            .into_iter()
            .map(|(k, v)| (k.into(), Zeroizing::new(v.into())));
        self.sources.env = Env::map(vars);
        self
    }

    /// The backend of family `F` (replacing any set before).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use secrets_runtime::{Kms, Sources, family::CloudKms, memory::MemoryKms};
    /// let kms: Arc<dyn Kms> = Arc::new(MemoryKms::new());
    /// let sources = Sources::builder().backend::<CloudKms>(kms).build();
    /// ```
    pub fn backend<F: Family>(self, backend: Arc<F::Backend>) -> Self {
        self.set::<F>(Backend::Ready(backend))
    }

    /// The backend of family `F`, built by `build` when a load first needs it; a failed build
    /// is retried by the next load.
    pub fn backend_with<F, B>(self, build: B) -> Self
    where
        F: Family,
        B: Fn() -> BoxFuture<'static, Result<Arc<F::Backend>, BackendError>>
            + Send
            + Sync
            + 'static,
    {
        self.set::<F>(Backend::Lazy(OnceCell::new(), Box::new(build)))
    }

    fn set<F: Family>(mut self, backend: Backend<F::Backend>) -> Self {
        let backends = &mut self.sources.backends;
        backends.retain(|slot| slot.family != TypeId::of::<F>());
        backends.push(Slot::new::<F>(backend));
        self
    }

    /// The key service for `#[kms]` fields: short for `.backend::<CloudKms>(..)`.
    pub fn kms(self, kms: impl Kms) -> Self {
        self.backend::<CloudKms>(Arc::new(kms))
    }

    /// The object store for `#[gcs]` fields: short for `.backend::<CloudStorage>(..)`.
    pub fn gcs(self, gcs: impl ObjectStore) -> Self {
        self.backend::<CloudStorage>(Arc::new(gcs))
    }

    /// The secret store for `#[secret_manager]` fields and berglas `sm://` references: short
    /// for `.backend::<SecretManager>(..)`.
    pub fn secret_manager(self, store: impl SecretStore) -> Self {
        self.backend::<SecretManager>(Arc::new(store))
    }

    /// Where `#[file]` fields read (the process's file system unless this is given): short
    /// for `.backend::<Files>(..)`.
    pub fn files(self, files: impl FileStore) -> Self {
        self.backend::<Files>(Arc::new(files))
    }

    /// The key service for `#[aws_kms]` fields: short for `.backend::<AwsKms>(..)`.
    pub fn aws_kms(self, kms: impl AwsKeyService) -> Self {
        self.backend::<AwsKms>(Arc::new(kms))
    }

    /// The object store for `#[s3]` fields: short for `.backend::<S3>(..)`.
    pub fn s3(self, s3: impl ObjectStore) -> Self {
        self.backend::<S3>(Arc::new(s3))
    }

    /// The secret store for `#[aws_secret]` fields: short for
    /// `.backend::<SecretsManager>(..)`.
    pub fn aws_secrets(self, store: impl AwsSecretStore) -> Self {
        self.backend::<SecretsManager>(Arc::new(store))
    }

    /// The parameter store for `#[ssm]` fields: short for `.backend::<ParameterStore>(..)`.
    pub fn parameters(self, store: impl AwsParameterStore) -> Self {
        self.backend::<ParameterStore>(Arc::new(store))
    }

    /// A key service built by `build` when a load first needs one; a failed build is retried
    /// by the next load.
    pub fn kms_with<K, F>(self, build: F) -> Self
    where
        K: Kms,
        F: Fn() -> BoxFuture<'static, Result<K, BackendError>> + Send + Sync + 'static,
    {
        self.backend_with::<CloudKms, _>(move || {
            let made = build();
            Box::pin(async move { made.await.map(|kms| Arc::new(kms) as Arc<dyn Kms>) })
        })
    }

    /// An object store built by `build` when a load first needs one; a failed build is retried
    /// by the next load.
    pub fn gcs_with<S, F>(self, build: F) -> Self
    where
        S: ObjectStore,
        F: Fn() -> BoxFuture<'static, Result<S, BackendError>> + Send + Sync + 'static,
    {
        self.backend_with::<CloudStorage, _>(move || {
            let made = build();
            Box::pin(async move { made.await.map(|gcs| Arc::new(gcs) as Arc<dyn ObjectStore>) })
        })
    }

    /// The local backend in `dir` for every source but env vars: `#[kms]`, `#[gcs]`,
    /// `#[secret_manager]`, `#[file]` and `#[berglas]` fields, and `#[aws_kms]`, `#[s3]`,
    /// `#[aws_secret]` and `#[ssm]` fields (see [`local`](crate::local)).
    pub fn local(self, dir: impl Into<PathBuf>) -> Self {
        let dir = dir.into();
        self.kms(LocalKms::new(&dir))
            .gcs(LocalStore::new(&dir))
            .secret_manager(LocalSecretManager::new(&dir))
            .aws_kms(local::LocalAwsKms::new(&dir))
            .s3(LocalStore::s3(&dir))
            .aws_secrets(local::LocalAwsSecrets::new(&dir))
            .parameters(local::LocalParameters::new(&dir))
            .files(LocalFiles::new(dir))
    }

    /// The largest object a fetch source may read; default
    /// [`DEFAULT_MAX_OBJECT_BYTES`](crate::DEFAULT_MAX_OBJECT_BYTES) (1 MiB).
    pub fn max_object_bytes(mut self, max: usize) -> Self {
        self.sources.max_object_bytes = max;
        self
    }

    /// The deadline of a whole load and how transient failures are retried within it; see
    /// [`RetryPolicy`](crate::RetryPolicy) for the defaults.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.sources.retry = policy;
        self
    }

    /// The finished [`Sources`].
    #[must_use]
    pub fn build(self) -> Sources {
        self.sources
    }
}
