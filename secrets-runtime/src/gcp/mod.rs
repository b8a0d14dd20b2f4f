//! Google Cloud backends (feature `gcp`): Cloud KMS and Cloud Storage through Google's
//! official clients, over HTTP+JSON.
//!
//! Credentials are Application Default Credentials: the metadata server on Cloud Run and
//! Cloud Functions, `GOOGLE_APPLICATION_CREDENTIALS` or gcloud's login elsewhere. An endpoint
//! override (an emulator, a test server) switches to anonymous credentials, as emulators
//! expect. The clients' own retry loops are off: the loader retries, within its deadline.

mod kms;
mod status;
mod storage;

pub use kms::GcpKms;
pub use storage::GcpStore;

use google_cloud_auth::credentials::{Credentials, anonymous};

use crate::SourcesBuilder;

/// The env var that points the KMS client at another endpoint (a full URL).
pub const KMS_ENDPOINT_ENV: &str = "SECRETS_KMS_ENDPOINT";
/// The env var that points the Cloud Storage client at an emulator, by Google's convention:
/// `host:port` or a URL.
pub const STORAGE_EMULATOR_HOST_ENV: &str = "STORAGE_EMULATOR_HOST";

impl SourcesBuilder {
    /// Google's clients for `#[kms]` and `#[gcs]` fields, each built when a load first needs
    /// it, with endpoints from `SECRETS_KMS_ENDPOINT` and `STORAGE_EMULATOR_HOST` when set.
    pub fn gcp(self) -> Self {
        let kms = endpoint_from_env(KMS_ENDPOINT_ENV);
        let storage = endpoint_from_env(STORAGE_EMULATOR_HOST_ENV);
        self.gcp_kms(kms).gcp_storage(storage)
    }

    /// The Google KMS client at `endpoint` (a URL), with anonymous credentials.
    pub fn kms_endpoint(self, endpoint: impl Into<String>) -> Self {
        self.gcp_kms(Some(endpoint.into()))
    }

    /// The Google Cloud Storage client at `endpoint` (`host:port` or a URL), with anonymous
    /// credentials.
    pub fn storage_endpoint(self, endpoint: impl Into<String>) -> Self {
        self.gcp_storage(Some(endpoint.into()))
    }

    fn gcp_kms(self, endpoint: Option<String>) -> Self {
        self.kms_with(move || Box::pin(GcpKms::connect(endpoint.clone())))
    }

    fn gcp_storage(self, endpoint: Option<String>) -> Self {
        self.gcs_with(move || Box::pin(GcpStore::connect(endpoint.clone())))
    }
}

fn endpoint_from_env(var: &str) -> Option<String> {
    std::env::var(var)
        .ok()
        .filter(|value| !value.trim().is_empty())
}

/// `localhost:4443` → `http://localhost:4443`: emulators are given as `host:port` by
/// convention, and they speak plain HTTP.
fn with_scheme(endpoint: &str) -> String {
    let endpoint = endpoint.trim().trim_end_matches('/');
    if endpoint.contains("://") {
        endpoint.to_owned()
    } else {
        format!("http://{endpoint}")
    }
}

/// Anonymous credentials for an overridden endpoint: emulators and test servers take no
/// token, and a real token must not be sent to a server that is not Google.
fn credentials_for(endpoint: Option<&str>) -> Option<Credentials> {
    endpoint.map(|_| anonymous::Builder::new().build())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emulator_hosts_get_a_scheme() {
        assert_eq!(with_scheme("localhost:4443"), "http://localhost:4443");
        assert_eq!(
            with_scheme("http://127.0.0.1:9000/"),
            "http://127.0.0.1:9000"
        );
        assert_eq!(with_scheme("https://kms.example"), "https://kms.example");
    }
}
