//! Google's clients as `load()` configures them, for tools that write where the runtime reads
//! (the `secrets` CLI): the endpoint overrides and credentials the environment selects, so a
//! secret written with them is read back by `load()` from the same place, with the same
//! identity rules. The loader itself never writes, so it keeps these clients to itself.

use google_cloud_secretmanager_v1::client::SecretManagerService;
use google_cloud_storage::client::Storage;

use super::endpoint::Endpoint;
use super::runtime::on_gcp_runtime;
use super::secret_manager::{self, DEFAULT_ENDPOINT, regional_endpoint};
use super::status::build_error;
use crate::{BackendError, ErrorKind};

/// Google's Cloud Storage client at `STORAGE_EMULATOR_HOST` (anonymous) when it is set, else
/// at Cloud Storage with Application Default Credentials, as `load()` reads objects. It keeps
/// the client's own retry policy (a write with a precondition is safe to retry).
pub async fn storage_client_from_env() -> Result<Storage, BackendError> {
    let endpoint = super::storage_override_from_env().transpose()?;
    // Built on the clients' runtime: the token refresh task must outlive the caller's.
    on_gcp_runtime(async move {
        let credentials = Endpoint::credentials_for(endpoint.as_ref(), "Cloud Storage")?;
        let mut builder = Storage::builder().with_credentials(credentials);
        if let Some(endpoint) = endpoint {
            builder = builder.with_endpoint(endpoint.url);
        }
        builder
            .build()
            .await
            .map_err(|e| build_error("Cloud Storage", &e))
    })
    .await
}

/// Google's Secret Manager client at `SECRETS_SECRET_MANAGER_ENDPOINT` (with the credentials
/// `SECRETS_GCP_CREDENTIALS` chooses) when it is set, else with Application Default
/// Credentials at the endpoint of `location` (a regional secret's,
/// `secretmanager.L.rep.googleapis.com`) or the global one, as `load()` accesses versions.
/// Retries are off, as for `load()`: adding a version is not idempotent.
pub async fn secret_manager_client_from_env(
    location: Option<&str>,
) -> Result<SecretManagerService, BackendError> {
    let endpoint = super::secret_manager_override_from_env().transpose()?;
    if let Some(location) = location {
        // It becomes part of a host name.
        secrets_names::check_location_id(location)
            .map_err(|why| BackendError::new(ErrorKind::Invalid, why))?;
    }
    let location = location.map(str::to_owned);
    on_gcp_runtime(async move {
        let credentials = Endpoint::credentials_for(endpoint.as_ref(), "Secret Manager")?;
        let url = match (endpoint, location) {
            (Some(endpoint), _) => endpoint.url,
            (None, Some(location)) => regional_endpoint(&location),
            (None, None) => DEFAULT_ENDPOINT.to_owned(),
        };
        secret_manager::client(url, credentials).await
    })
    .await
}
