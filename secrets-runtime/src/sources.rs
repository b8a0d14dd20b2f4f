//! `Sources`: the bundle of backends and the environment a load reads from.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use zeroize::Zeroizing;

use crate::backend::{Kms, ObjectStore};
use crate::env::Env;
use crate::gcs::DEFAULT_MAX_OBJECT_BYTES;
use crate::local::{self, LocalKms, LocalStore};
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
}

/// A backend, or why there is none (said when a field needs it, not before).
enum Backend<T: ?Sized> {
    Ready(Arc<T>),
    Missing(&'static str),
}

impl<T: ?Sized> Backend<T> {
    fn get(&self, kind: &str) -> Result<&Arc<T>, BackendError> {
        match self {
            Self::Ready(backend) => Ok(backend),
            Self::Missing(hint) => Err(BackendError::new(
                ErrorKind::Unconfigured,
                format!("no {kind} backend is configured; {hint}"),
            )),
        }
    }

    fn describe(&self) -> &'static str {
        match self {
            Self::Ready(_) => "configured",
            Self::Missing(_) => "none",
        }
    }
}

const NO_BACKEND_IN_BUILDER: &str =
    "add one with Sources::builder().kms(..)/.gcs(..) or .local(dir)";
const NO_BACKEND_IN_ENV: &str = "set SECRETS_LOCAL_DIR to use the local backend (see secrets_runtime::local), or load with Sources that hold one";

impl Sources {
    /// A builder that starts from the process environment and no backends.
    pub fn builder() -> SourcesBuilder {
        SourcesBuilder {
            sources: Sources {
                env: Env::Process,
                kms: Backend::Missing(NO_BACKEND_IN_BUILDER),
                gcs: Backend::Missing(NO_BACKEND_IN_BUILDER),
                max_object_bytes: DEFAULT_MAX_OBJECT_BYTES,
            },
        }
    }

    /// The process environment, with the backends it selects: the local backend when
    /// `SECRETS_LOCAL_DIR` is set.
    #[must_use]
    pub fn from_env() -> Sources {
        match std::env::var_os(local::DIR_ENV) {
            Some(dir) => Self::builder().local(dir).build(),
            None => Sources {
                kms: Backend::Missing(NO_BACKEND_IN_ENV),
                gcs: Backend::Missing(NO_BACKEND_IN_ENV),
                ..Self::builder().build()
            },
        }
    }

    /// What [`Secrets::load`](crate::Secrets::load) uses: [`Sources::from_env`], built on
    /// first use and kept for the life of the process, so clients are made once.
    pub fn process() -> &'static Sources {
        static PROCESS: OnceLock<Sources> = OnceLock::new();
        PROCESS.get_or_init(Sources::from_env)
    }

    pub(crate) fn kms(&self) -> Result<&Arc<dyn Kms>, BackendError> {
        self.kms.get("KMS")
    }

    pub(crate) fn gcs(&self) -> Result<&Arc<dyn ObjectStore>, BackendError> {
        self.gcs.get("Cloud Storage")
    }
}

impl fmt::Debug for Sources {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sources")
            .field("env", &self.env)
            .field("kms", &self.kms.describe())
            .field("gcs", &self.gcs.describe())
            .field("max_object_bytes", &self.max_object_bytes)
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

    /// The finished [`Sources`].
    #[must_use]
    pub fn build(self) -> Sources {
        self.sources
    }
}
