//! Google Cloud backends (feature `gcp`): Cloud KMS and Cloud Storage through Google's
//! official clients, over HTTP+JSON.
//!
//! Credentials are Application Default Credentials: the metadata server on Cloud Run and
//! Cloud Functions, `GOOGLE_APPLICATION_CREDENTIALS` or gcloud's login elsewhere. An endpoint
//! override (an emulator, a test server) gets anonymous credentials, as emulators expect,
//! unless ADC is asked for ([`GcpAuth::Adc`], `SECRETS_GCP_CREDENTIALS=adc`), as regional and
//! Private Service Connect endpoints need. The clients' own retry loops are off: the loader
//! retries, within its deadline (the metadata server's token requests keep the auth crate's
//! own short retries).
//!
//! The clients are built, and all their requests run, on a runtime this module keeps for the
//! life of the process, so `load()` works from any Tokio runtime, any number of times.

mod endpoint;
mod gzip;
mod kms;
mod runtime;
mod status;
mod storage;

pub use endpoint::{CREDENTIALS_ENV, GcpAuth};
pub use kms::GcpKms;
pub use storage::GcpStore;

use endpoint::Endpoint;

use crate::{BackendError, SourcesBuilder};

/// The env var that points the KMS client at another endpoint: a URL, `https://`, or
/// `http://` to this machine only.
pub const KMS_ENDPOINT_ENV: &str = "SECRETS_KMS_ENDPOINT";
/// The env var that points the Cloud Storage client at an emulator, by Google's convention:
/// `host:port` or a URL. Always anonymous.
pub const STORAGE_EMULATOR_HOST_ENV: &str = "STORAGE_EMULATOR_HOST";

/// An endpoint override as given, or why it cannot be used (said when a field needs the
/// client, like any other build failure).
type Override = Option<Result<Endpoint, BackendError>>;

/// `SECRETS_KMS_ENDPOINT` with the credentials `SECRETS_GCP_CREDENTIALS` chooses for it.
fn kms_override_from_env() -> Override {
    endpoint_from_env(KMS_ENDPOINT_ENV).map(|url| {
        let auth = GcpAuth::from_env()?;
        Endpoint::kms(&url, auth, &format!("env {KMS_ENDPOINT_ENV}"))
    })
}

impl SourcesBuilder {
    /// Google's clients for `#[kms]` and `#[gcs]` fields, each built when a load first needs
    /// it, with endpoints from `SECRETS_KMS_ENDPOINT` (credentials from
    /// `SECRETS_GCP_CREDENTIALS`: `anonymous`, the default, or `adc`) and
    /// `STORAGE_EMULATOR_HOST` (anonymous) when set.
    pub fn gcp(self) -> Self {
        let kms = kms_override_from_env();
        let storage = endpoint_from_env(STORAGE_EMULATOR_HOST_ENV).map(|url| {
            Endpoint::storage(
                &url,
                GcpAuth::Anonymous,
                &format!("env {STORAGE_EMULATOR_HOST_ENV}"),
            )
        });
        self.gcp_kms(kms).gcp_storage(storage)
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

    fn gcp_kms(self, endpoint: Override) -> Self {
        self.kms_with(move || {
            let endpoint = endpoint.clone().transpose();
            Box::pin(async move { GcpKms::connect_to(endpoint?).await })
        })
    }

    fn gcp_storage(self, endpoint: Override) -> Self {
        self.gcs_with(move || {
            let endpoint = endpoint.clone().transpose();
            Box::pin(async move { GcpStore::connect_to(endpoint?).await })
        })
    }
}

fn endpoint_from_env(var: &str) -> Option<String> {
    std::env::var(var)
        .ok()
        .filter(|value| !value.trim().is_empty())
}
