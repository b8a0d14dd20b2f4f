//! Google Cloud backends (feature `gcp`): Cloud KMS, Cloud Storage and Secret Manager through
//! Google's official clients, over HTTP+JSON.
//!
//! Credentials are Application Default Credentials: the metadata server on Cloud Run and
//! Cloud Functions, `GOOGLE_APPLICATION_CREDENTIALS` or gcloud's login elsewhere. An endpoint
//! override (an emulator, a test server) gets anonymous credentials, as emulators expect,
//! unless ADC is asked for ([`GcpAuth::Adc`], `SECRETS_GCP_CREDENTIALS=adc`), as regional and
//! Private Service Connect endpoints need. A regional secret goes to its location's endpoint
//! (`secretmanager.L.rep.googleapis.com`), unless an override serves every location; a secret
//! named without a project reads the project from the metadata server, as Cloud Run sets no
//! project variable. The clients' own retry loops are off: the loader
//! retries, within its deadline (the metadata server's token requests keep the auth crate's
//! own short retries).
//!
//! The clients are built, and all their requests run, on a runtime this module keeps for the
//! life of the process, so `load()` works from any Tokio runtime, any number of times.

mod adc;
mod clients;
mod endpoint;
mod gzip;
mod kms;
mod runtime;
mod secret_manager;
mod status;
mod storage;

pub use clients::{secret_manager_client_from_env, storage_client_from_env};
pub use endpoint::{CREDENTIALS_ENV, GcpAuth};
pub use kms::GcpKms;
pub use secret_manager::GcpSecretManager;
pub use storage::GcpStore;

use std::future::Future;
use std::sync::Arc;

use endpoint::Endpoint;

use crate::backend::{Kms, ObjectStore, SecretStore};
use crate::family::{CloudKms, CloudStorage, Family, SecretManager};
use crate::{BackendError, SourcesBuilder};

/// The env var that points the KMS client at another endpoint: a URL, `https://`, or
/// `http://` to this machine only.
pub const KMS_ENDPOINT_ENV: &str = "SECRETS_KMS_ENDPOINT";
/// The env var that points the Secret Manager client at another endpoint, for every location:
/// a URL, `https://`, or `http://` to this machine only.
pub const SECRET_MANAGER_ENDPOINT_ENV: &str = "SECRETS_SECRET_MANAGER_ENDPOINT";
/// The env var that points the Cloud Storage client at an emulator, by Google's convention:
/// `host:port` or a URL. Always anonymous.
pub const STORAGE_EMULATOR_HOST_ENV: &str = "STORAGE_EMULATOR_HOST";

/// An endpoint override as given, or why it cannot be used (said when a field needs the
/// client, like any other build failure).
type Override = Option<Result<Endpoint, BackendError>>;

/// `SECRETS_KMS_ENDPOINT` with the credentials `SECRETS_GCP_CREDENTIALS` chooses for it.
fn kms_override_from_env() -> Override {
    override_from_env(KMS_ENDPOINT_ENV, Endpoint::kms)
}

/// `SECRETS_SECRET_MANAGER_ENDPOINT` with the credentials `SECRETS_GCP_CREDENTIALS` chooses.
fn secret_manager_override_from_env() -> Override {
    override_from_env(SECRET_MANAGER_ENDPOINT_ENV, Endpoint::secret_manager)
}

/// `STORAGE_EMULATOR_HOST`, always anonymous, by Google's convention for emulators.
fn storage_override_from_env() -> Override {
    endpoint_from_env(STORAGE_EMULATOR_HOST_ENV).map(|url| {
        Endpoint::storage(
            &url,
            GcpAuth::Anonymous,
            &format!("env {STORAGE_EMULATOR_HOST_ENV}"),
        )
    })
}

/// Env `var`, checked by `endpoint`, with the credentials `SECRETS_GCP_CREDENTIALS` chooses.
fn override_from_env(
    var: &str,
    endpoint: fn(&str, GcpAuth, &str) -> Result<Endpoint, BackendError>,
) -> Override {
    endpoint_from_env(var).map(|url| {
        let auth = GcpAuth::from_env()?;
        endpoint(&url, auth, &format!("env {var}"))
    })
}

#[cfg_attr(docsrs, doc(cfg(feature = "gcp")))]
impl SourcesBuilder {
    /// Google's clients for `#[kms]`, `#[gcs]` and `#[secret_manager]` fields, each built when
    /// a load first needs it, with endpoints from `SECRETS_KMS_ENDPOINT` and
    /// `SECRETS_SECRET_MANAGER_ENDPOINT` (credentials from `SECRETS_GCP_CREDENTIALS`:
    /// `anonymous`, the default, or `adc`) and `STORAGE_EMULATOR_HOST` (anonymous) when set.
    pub fn gcp(self) -> Self {
        let kms = kms_override_from_env();
        let secret_manager = secret_manager_override_from_env();
        let storage = storage_override_from_env();
        self.gcp_kms(kms)
            .gcp_storage(storage)
            .gcp_secret_manager(secret_manager)
    }

    /// The Google KMS client at `endpoint` (a URL: `https://`, or `http://` to this machine
    /// only), with anonymous credentials.
    pub fn kms_endpoint(self, endpoint: impl Into<String>) -> Self {
        self.kms_endpoint_as(&endpoint.into(), GcpAuth::Anonymous)
    }

    /// The Google KMS client at `endpoint` (a regional or Private Service Connect endpoint,
    /// `https://`), with Application Default Credentials.
    pub fn kms_endpoint_with_adc(self, endpoint: impl Into<String>) -> Self {
        self.kms_endpoint_as(&endpoint.into(), GcpAuth::Adc)
    }

    /// The Google Cloud Storage client at `endpoint` (`host:port` or a URL), with anonymous
    /// credentials.
    pub fn storage_endpoint(self, endpoint: impl Into<String>) -> Self {
        self.storage_endpoint_as(&endpoint.into(), GcpAuth::Anonymous)
    }

    /// The Google Cloud Storage client at `endpoint` (a regional or Private Service Connect
    /// endpoint, `https://`), with Application Default Credentials.
    pub fn storage_endpoint_with_adc(self, endpoint: impl Into<String>) -> Self {
        self.storage_endpoint_as(&endpoint.into(), GcpAuth::Adc)
    }

    /// The Google Secret Manager client at `endpoint` (a URL: `https://`, or `http://` to this
    /// machine only) for every location, with anonymous credentials.
    pub fn secret_manager_endpoint(self, endpoint: impl Into<String>) -> Self {
        self.secret_manager_endpoint_as(&endpoint.into(), GcpAuth::Anonymous)
    }

    /// The Google Secret Manager client at `endpoint` (a regional or Private Service Connect
    /// endpoint, `https://`) for every location, with Application Default Credentials.
    pub fn secret_manager_endpoint_with_adc(self, endpoint: impl Into<String>) -> Self {
        self.secret_manager_endpoint_as(&endpoint.into(), GcpAuth::Adc)
    }

    fn kms_endpoint_as(self, url: &str, auth: GcpAuth) -> Self {
        self.gcp_kms(Some(Endpoint::kms(url, auth, "the Cloud KMS endpoint")))
    }

    fn storage_endpoint_as(self, url: &str, auth: GcpAuth) -> Self {
        self.gcp_storage(Some(Endpoint::storage(
            url,
            auth,
            "the Cloud Storage endpoint",
        )))
    }

    fn secret_manager_endpoint_as(self, url: &str, auth: GcpAuth) -> Self {
        self.gcp_secret_manager(Some(Endpoint::secret_manager(
            url,
            auth,
            "the Secret Manager endpoint",
        )))
    }

    fn gcp_kms(self, endpoint: Override) -> Self {
        self.gcp_lazy::<CloudKms, _>(endpoint, |endpoint| async move {
            Ok(Arc::new(GcpKms::connect_to(endpoint).await?) as Arc<dyn Kms>)
        })
    }

    fn gcp_storage(self, endpoint: Override) -> Self {
        self.gcp_lazy::<CloudStorage, _>(endpoint, |endpoint| async move {
            Ok(Arc::new(GcpStore::connect_to(endpoint).await?) as Arc<dyn ObjectStore>)
        })
    }

    fn gcp_secret_manager(self, endpoint: Override) -> Self {
        self.gcp_lazy::<SecretManager, _>(endpoint, |endpoint| async move {
            Ok(Arc::new(GcpSecretManager::connect_to(endpoint).await?) as Arc<dyn SecretStore>)
        })
    }

    /// Family `F`'s backend, connected to `endpoint` when a load first needs it; an override
    /// that could not be used is said then, like any other build failure.
    fn gcp_lazy<F, Connect>(
        self,
        endpoint: Override,
        connect: fn(Option<Endpoint>) -> Connect,
    ) -> Self
    where
        F: Family,
        Connect: Future<Output = Result<Arc<F::Backend>, BackendError>> + Send + 'static,
    {
        self.backend_with::<F, _>(move || {
            let endpoint = endpoint.clone().transpose();
            Box::pin(async move { connect(endpoint?).await })
        })
    }
}

fn endpoint_from_env(var: &str) -> Option<String> {
    std::env::var(var)
        .ok()
        .filter(|value| !value.trim().is_empty())
}
