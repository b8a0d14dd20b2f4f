//! `Sources`: the bundle of backends and the environment a load reads from.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use tokio::sync::OnceCell;
use zeroize::Zeroizing;

use crate::backend::{BoxFuture, Kms, ObjectStore};
use crate::env::Env;
use crate::gcs::DEFAULT_MAX_OBJECT_BYTES;
use crate::local::{self, LocalKms, LocalStore};
use crate::retry::RetryPolicy;
use crate::{BackendError, ErrorKind};

/// The environment and the backends a load reads from.
///
/// [`Secrets::load`](crate::Secrets::load) uses [`Sources::process`]; tests and programs with
/// their own clients build one with [`Sources::builder`] and call
/// [`Secrets::load_from`](crate::Secrets::load_from).
pub struct Sources {
    pub(crate) env: Env,
    kms: Backend<dyn Kms>,
    gcs: Backend<dyn ObjectStore>,
    pub(crate) max_object_bytes: usize,
    pub(crate) retry: RetryPolicy,
}

/// Makes a backend when a load first needs it.
type Build<T> = Box<dyn Fn() -> BoxFuture<'static, Result<Arc<T>, BackendError>> + Send + Sync>;

/// A backend, one to build on first use, or why there is none (said when a field needs it,
/// not before).
enum Backend<T: ?Sized> {
    Ready(Arc<T>),
    /// Built once, by the first load that needs it, so a struct that reads no `#[kms]` field
    /// never builds a KMS client. A failed build is not kept: the next load tries again.
    Lazy(OnceCell<Arc<T>>, Build<T>),
    Missing(&'static str),
}

impl<T: ?Sized> Backend<T> {
    async fn get(&self, kind: &str) -> Result<Arc<T>, BackendError> {
        match self {
            Self::Ready(backend) => Ok(backend.clone()),
            Self::Lazy(cell, build) => cell.get_or_try_init(build).await.cloned(),
            Self::Missing(hint) => Err(BackendError::new(
                ErrorKind::Unconfigured,
                format!("no {kind} backend is configured; {hint}"),
            )),
        }
    }

    fn describe(&self) -> &'static str {
        match self {
            Self::Ready(_) => "ready",
            Self::Lazy(cell, _) if cell.initialized() => "built",
            Self::Lazy(..) => "built on first use",
            Self::Missing(_) => "none",
        }
    }
}

const NO_BACKEND_IN_BUILDER: &str =
    "add one with Sources::builder().kms(..)/.gcs(..), .local(dir) or .gcp()";
#[cfg(not(feature = "gcp"))]
const NO_GCP_FEATURE: &str = "secrets-runtime was built without its `gcp` feature: enable it for Cloud KMS and Cloud Storage, or set SECRETS_LOCAL_DIR to use the local backend";

impl Sources {
    /// A builder that starts from the process environment and no backends.
    pub fn builder() -> SourcesBuilder {
        SourcesBuilder {
            sources: Sources {
                env: Env::Process,
                kms: Backend::Missing(NO_BACKEND_IN_BUILDER),
                gcs: Backend::Missing(NO_BACKEND_IN_BUILDER),
                max_object_bytes: DEFAULT_MAX_OBJECT_BYTES,
                retry: RetryPolicy::default(),
            },
        }
    }

    /// The process environment, with the backends it selects: the local backend when
    /// `SECRETS_LOCAL_DIR` is set (and not empty), else Google's clients (feature `gcp`).
    #[must_use]
    pub fn from_env() -> Sources {
        match std::env::var_os(local::DIR_ENV) {
            Some(dir) if !dir.is_empty() => Self::builder().local(dir).build(),
            #[cfg(feature = "gcp")]
            _ => Self::builder().gcp().build(),
            #[cfg(not(feature = "gcp"))]
            _ => Sources {
                kms: Backend::Missing(NO_GCP_FEATURE),
                gcs: Backend::Missing(NO_GCP_FEATURE),
                ..Self::builder().build()
            },
        }
    }

    /// What [`Secrets::load`](crate::Secrets::load) uses: [`Sources::from_env`], made on first
    /// use and kept for the life of the process, so each client is built at most once.
    pub fn process() -> &'static Sources {
        static PROCESS: OnceLock<Sources> = OnceLock::new();
        PROCESS.get_or_init(Sources::from_env)
    }

    pub(crate) async fn kms(&self) -> Result<Arc<dyn Kms>, BackendError> {
        self.kms.get("KMS").await
    }

    pub(crate) async fn gcs(&self) -> Result<Arc<dyn ObjectStore>, BackendError> {
        self.gcs.get("Cloud Storage").await
    }
}

impl fmt::Debug for Sources {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sources")
            .field("env", &self.env)
            .field("kms", &self.kms.describe())
            .field("gcs", &self.gcs.describe())
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
        let map: HashMap<String, Zeroizing<String>> = vars
            .into_iter()
            .map(|(k, v)| (k.into(), Zeroizing::new(v.into())))
            .collect();
        self.sources.env = Env::Map(map);
        self
    }

    /// The key service for `#[kms]` fields.
    pub fn kms(mut self, kms: impl Kms) -> Self {
        self.sources.kms = Backend::Ready(Arc::new(kms));
        self
    }

    /// The object store for `#[gcs]` fields.
    pub fn gcs(mut self, gcs: impl ObjectStore) -> Self {
        self.sources.gcs = Backend::Ready(Arc::new(gcs));
        self
    }

    /// A key service built by `build` when a load first needs one; a failed build is retried
    /// by the next load.
    pub fn kms_with<K, F>(mut self, build: F) -> Self
    where
        K: Kms,
        F: Fn() -> BoxFuture<'static, Result<K, BackendError>> + Send + Sync + 'static,
    {
        self.sources.kms = Backend::Lazy(
            OnceCell::new(),
            Box::new(move || {
                let made = build();
                Box::pin(async move { made.await.map(|kms| Arc::new(kms) as Arc<dyn Kms>) })
            }),
        );
        self
    }

    /// An object store built by `build` when a load first needs one; a failed build is retried
    /// by the next load.
    pub fn gcs_with<S, F>(mut self, build: F) -> Self
    where
        S: ObjectStore,
        F: Fn() -> BoxFuture<'static, Result<S, BackendError>> + Send + Sync + 'static,
    {
        self.sources.gcs = Backend::Lazy(
            OnceCell::new(),
            Box::new(move || {
                let made = build();
                Box::pin(async move { made.await.map(|gcs| Arc::new(gcs) as Arc<dyn ObjectStore>) })
            }),
        );
        self
    }

    /// The local backend in `dir` for both `#[kms]` and `#[gcs]` fields
    /// (see [`local`](crate::local)).
    pub fn local(self, dir: impl Into<PathBuf>) -> Self {
        let dir = dir.into();
        self.kms(LocalKms::new(&dir)).gcs(LocalStore::new(dir))
    }

    /// The largest object a `#[gcs]` field may read; default
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
