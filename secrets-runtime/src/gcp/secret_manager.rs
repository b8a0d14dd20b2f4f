//! Secret Manager through `google-cloud-secretmanager-v1`, with the CRC32C check the client
//! leaves to us, regional secrets at their location's endpoint, and the default project from
//! the metadata server. Built and called on the module's own runtime (see `runtime`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use google_cloud_auth::credentials::Credentials;
use google_cloud_gax::error::Error;
use google_cloud_gax::error::rpc::Code;
use google_cloud_gax::retry_policy::NeverRetry;
use google_cloud_secretmanager_v1::client::SecretManagerService;
use tokio::sync::OnceCell;

use super::adc::{METADATA_HOST, METADATA_HOST_ENV};
use super::endpoint::{Endpoint, GcpAuth};
use super::kms::wipe;
use super::runtime::on_gcp_runtime;
use super::status::{Resource, backend_error, build_error, integrity, root_cause};
use crate::backend::{BoxFuture, SecretBytes, SecretStore, no_project};
use crate::family::{Family, SecretManager, check_size};
use crate::memory::secrets::unusable;
use crate::{BackendError, ErrorKind};

/// Where the client goes for global secrets when no endpoint is given.
pub(super) const DEFAULT_ENDPOINT: &str = "https://secretmanager.googleapis.com";
/// The metadata server answers on the instance within milliseconds; off Google Cloud the name
/// may not resolve at all, and that should not hold a boot for the whole load deadline.
const METADATA_TIMEOUT: Duration = Duration::from_secs(3);

/// Secret Manager: accesses secret versions with the function's own identity.
#[derive(Debug, Clone)]
pub struct GcpSecretManager {
    clients: Arc<Clients>,
    project: Arc<DefaultProject>,
}

#[derive(Debug)]
struct Clients {
    /// Global secrets; every secret when `regional` is `None`.
    global: SecretManagerService,
    /// Regional secrets live behind their location's own endpoint
    /// (`secretmanager.L.rep.googleapis.com`): `None` when one endpoint was chosen for all.
    regional: Option<Regional>,
}

/// One client per location, built when a secret there is first accessed, all sharing the
/// global client's credentials (and so its cached token).
#[derive(Debug)]
struct Regional {
    credentials: Credentials,
    by_location: Mutex<HashMap<String, Arc<OnceCell<SecretManagerService>>>>,
}

/// The project of secrets named without one, asked of the metadata server once: a project
/// does not change under a running instance. A failure is not kept, so the next load asks
/// again.
#[derive(Debug, Default)]
struct DefaultProject {
    /// `host:port`; `None`: `GCE_METADATA_HOST`, else `metadata.google.internal`.
    host: Option<String>,
    known: OnceCell<Arc<str>>,
}

impl GcpSecretManager {
    /// Wraps a client built elsewhere; it serves every secret, regional ones included (so give
    /// it a location's endpoint only if every secret is there). Turn its retries off
    /// (`NeverRetry`) so that the loader's deadline is the only one.
    #[must_use]
    pub fn new(client: SecretManagerService) -> Self {
        Self::with_clients(client, None)
    }

    /// A client with Application Default Credentials (a regional secret goes to its
    /// location's endpoint), or at `endpoint` (a URL: `https://`, or `http://` to this machine
    /// only) with anonymous credentials for every secret
    /// ([`SourcesBuilder::secret_manager_endpoint_with_adc`](crate::SourcesBuilder::secret_manager_endpoint_with_adc)
    /// sends ADC there).
    pub async fn connect(endpoint: Option<String>) -> Result<Self, BackendError> {
        let endpoint = endpoint
            .map(|url| {
                Endpoint::secret_manager(&url, GcpAuth::Anonymous, "the Secret Manager endpoint")
            })
            .transpose()?;
        Self::connect_to(endpoint).await
    }

    /// The client `load()` uses: Application Default Credentials, or
    /// `SECRETS_SECRET_MANAGER_ENDPOINT` with the credentials `SECRETS_GCP_CREDENTIALS`
    /// chooses (`anonymous` or `adc`).
    pub async fn from_env() -> Result<Self, BackendError> {
        Self::connect_to(super::secret_manager_override_from_env().transpose()?).await
    }

    pub(super) async fn connect_to(endpoint: Option<Endpoint>) -> Result<Self, BackendError> {
        on_gcp_runtime(async move {
            // Every location's client shares them.
            let credentials = Endpoint::credentials_for(endpoint.as_ref(), "Secret Manager")?;
            let (url, regional) = match endpoint {
                // An emulator or a Private Service Connect endpoint serves every location.
                Some(endpoint) => (endpoint.url, None),
                None => (
                    DEFAULT_ENDPOINT.to_owned(),
                    Some(Regional {
                        credentials: credentials.clone(),
                        by_location: Mutex::default(),
                    }),
                ),
            };
            let global = client(url, credentials).await?;
            Ok(Self::with_clients(global, regional))
        })
        .await
    }

    fn with_clients(global: SecretManagerService, regional: Option<Regional>) -> Self {
        Self {
            clients: Arc::new(Clients { global, regional }),
            project: Arc::default(),
        }
    }

    /// Asks the metadata server at `host` (`host:port`, as `GCE_METADATA_HOST` takes it) for
    /// the default project, instead of `GCE_METADATA_HOST` or `metadata.google.internal`.
    #[must_use]
    pub fn with_metadata_host(mut self, host: impl Into<String>) -> Self {
        self.project = Arc::new(DefaultProject {
            host: Some(host.into()),
            known: OnceCell::new(),
        });
        self
    }

    async fn access_now(
        &self,
        name: &str,
        max_bytes: usize,
    ) -> Result<Option<SecretBytes>, BackendError> {
        let what = format!("secret {name}");
        let resource = Resource {
            name: &what,
            role: SecretManager::PERMISSION,
            invalid: ErrorKind::Invalid,
        };
        let client = self.clients.client_for(name).await?;
        let reply = match client.access_secret_version().set_name(name).send().await {
            Ok(reply) => reply,
            Err(e) => return refusal(&e, name, &resource),
        };
        // Even an empty payload comes as an object with its checksum: no object at all is a
        // reply that lost its value on the way.
        let Some(payload) = reply.payload else {
            return Err(integrity(&what, "the reply carries no payload"));
        };
        let bytes = SecretBytes::new(payload.data.to_vec());
        wipe(payload.data);
        check_size(&what, bytes.len() as u64, max_bytes)?;
        verify(&what, &bytes, payload.data_crc32c)?;
        Ok(Some(bytes))
    }
}

impl Clients {
    /// The client for `name`'s location.
    async fn client_for(&self, name: &str) -> Result<SecretManagerService, BackendError> {
        // The loader's names passed this parse already; a name that does not goes to the
        // global client, which refuses it.
        let location = secrets_names::blind::parse_secret_name(name)
            .ok()
            .and_then(|parsed| parsed.location);
        match (location, &self.regional) {
            (Some(location), Some(regional)) => regional.client(location).await,
            _ => Ok(self.global.clone()),
        }
    }
}

impl Regional {
    async fn client(&self, location: &str) -> Result<SecretManagerService, BackendError> {
        let cell = {
            // Entries are only ever inserted whole.
            let mut by_location = self
                .by_location
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            Arc::clone(by_location.entry(location.to_owned()).or_default())
        };
        cell.get_or_try_init(|| client(regional_endpoint(location), self.credentials.clone()))
            .await
            .cloned()
    }
}

/// A location's endpoint; `location` passed the location id rule (letters, digits, `-`).
pub(super) fn regional_endpoint(location: &str) -> String {
    format!("https://secretmanager.{location}.rep.googleapis.com")
}

pub(super) async fn client(
    url: String,
    credentials: Credentials,
) -> Result<SecretManagerService, BackendError> {
    SecretManagerService::builder()
        .with_retry_policy(NeverRetry)
        .with_endpoint(url)
        .with_credentials(credentials)
        .build()
        .await
        .map_err(|e| build_error("Secret Manager", &e))
}

/// A failed access: absent (`Ok(None)`), or why not.
fn refusal(
    err: &Error,
    name: &str,
    resource: &Resource<'_>,
) -> Result<Option<SecretBytes>, BackendError> {
    match err
        .status()
        .map(|status| (status.code, status.message.as_str()))
    {
        // Only Google's own NOT_FOUND is absence: a bare HTTP 404 (a wrong endpoint, a proxy)
        // stays an error, or every `Option` field would quietly load as `None`.
        Some((Code::NotFound, _)) => Ok(None),
        Some((Code::FailedPrecondition, message)) => match unusable_state(message) {
            Some((version, state)) => Err(unusable(known_version(version, name), state)),
            None => Err(backend_error(err, resource)),
        },
        _ => Err(backend_error(err, resource)),
    }
}

/// The version and its state in Secret Manager's `Secret Version [NAME] is in DISABLED state.`
fn unusable_state(message: &str) -> Option<(&str, &'static str)> {
    let (version, rest) = message
        .strip_prefix("Secret Version [")?
        .split_once("] is in ")?;
    let state = match rest.strip_suffix(" state.")? {
        "DISABLED" => "disabled",
        "DESTROYED" => "destroyed",
        _ => return None,
    };
    Some((version, state))
}

/// The version Google named (the resolved number of `latest` or an alias), if it is a
/// version's name; else the one asked for.
fn known_version<'a>(named: &'a str, asked: &'a str) -> &'a str {
    match secrets_names::blind::parse_secret_name(named) {
        Ok(parsed) if parsed.project.is_some() && parsed.version.is_some() => named,
        _ => asked,
    }
}

/// Secret Manager keeps a CRC32C with every version (computing one when the writer gave
/// none) and returns it, which the client does not check: this does. The field is optional in
/// the API, though, and nothing promises that every path (a version written before checksums
/// existed, a proxy or emulator in between) fills it, so a reply without one is accepted.
fn verify(what: &str, bytes: &[u8], expected: Option<i64>) -> Result<(), BackendError> {
    match expected {
        Some(expected) if expected != i64::from(crc32c::crc32c(bytes)) => Err(integrity(
            what,
            "the payload does not match its CRC32C checksum",
        )),
        _ => Ok(()),
    }
}

impl DefaultProject {
    async fn get(&self) -> Result<Arc<str>, BackendError> {
        let host = self.host.clone().unwrap_or_else(|| {
            std::env::var(METADATA_HOST_ENV)
                .ok()
                .filter(|host| !host.trim().is_empty())
                .unwrap_or_else(|| METADATA_HOST.to_owned())
        });
        self.known
            .get_or_try_init(|| on_gcp_runtime(project_from_metadata(host)))
            .await
            .cloned()
    }
}

/// `GET /computeMetadata/v1/project/project-id`, as Cloud Run and Cloud Functions answer it.
async fn project_from_metadata(host: String) -> Result<Arc<str>, BackendError> {
    let failed = |why: &str| {
        BackendError::new(
            ErrorKind::Unconfigured,
            format!(
                "{}; the metadata server at {host} gave none ({why})",
                no_project().message()
            ),
        )
    };
    let http = reqwest::Client::builder()
        // The metadata server is on the instance's own network: never through a proxy.
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(METADATA_TIMEOUT)
        .build()
        .map_err(|e| failed(&root_cause(&e)))?;
    let reply = http
        .get(format!(
            "http://{host}/computeMetadata/v1/project/project-id"
        ))
        .header("Metadata-Flavor", "Google")
        .send()
        .await
        .map_err(|e| failed(&root_cause(&e)))?;
    let status = reply.status();
    if !status.is_success() {
        return Err(failed(&format!("HTTP {}", status.as_u16())));
    }
    let body = reply.bytes().await.map_err(|e| failed(&root_cause(&e)))?;
    let project = std::str::from_utf8(&body).unwrap_or_default().trim();
    secrets_names::blind::check_project_id(project).map_err(|why| failed(&why))?;
    Ok(project.into())
}

impl SecretStore for GcpSecretManager {
    fn access<'a>(
        &'a self,
        name: &'a str,
        max_bytes: usize,
    ) -> BoxFuture<'a, Result<Option<SecretBytes>, BackendError>> {
        let (this, name) = (self.clone(), name.to_owned());
        Box::pin(on_gcp_runtime(async move {
            this.access_now(&name, max_bytes).await
        }))
    }

    fn default_project(&self) -> BoxFuture<'_, Result<Arc<str>, BackendError>> {
        Box::pin(self.project.get())
    }
}

#[cfg(test)]
mod tests {
    use google_cloud_auth::credentials::anonymous;

    use super::*;

    #[test]
    fn disabled_and_destroyed_are_read_from_googles_message() {
        let named = "projects/123/secrets/s/versions/3";
        assert_eq!(
            unusable_state(&format!("Secret Version [{named}] is in DISABLED state.")),
            Some((named, "disabled"))
        );
        assert_eq!(
            unusable_state(&format!("Secret Version [{named}] is in DESTROYED state.")),
            Some((named, "destroyed"))
        );
        assert_eq!(
            unusable_state(&format!("Secret Version [{named}] is in ENABLED state.")),
            None
        );
        assert_eq!(unusable_state("Secret Version is unusable."), None);
        let asked = "projects/p/secrets/s/versions/latest";
        assert_eq!(known_version(named, asked), named);
        assert_eq!(known_version("not a name", asked), asked);
        assert_eq!(known_version("projects/123/secrets/s", asked), asked);
    }

    #[test]
    fn a_missing_checksum_is_accepted_and_a_wrong_one_never_quoted() {
        let crc = i64::from(crc32c::crc32c(b"s3cr3t"));
        assert!(verify("secret x", b"s3cr3t", Some(crc)).is_ok());
        assert!(verify("secret x", b"s3cr3t", None).is_ok());
        let err = verify("secret x", b"s3cr3t", Some(crc ^ 1)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Integrity);
        assert!(!err.message().contains(&crc.to_string()), "{err}");
        assert!(!err.message().contains(&(crc ^ 1).to_string()), "{err}");
    }

    #[tokio::test]
    async fn regional_secrets_get_one_client_per_location_and_global_ones_none() {
        let credentials = anonymous::Builder::new().build();
        let sm = on_gcp_runtime(async move {
            let global = client(DEFAULT_ENDPOINT.to_owned(), credentials.clone()).await?;
            Ok(GcpSecretManager::with_clients(
                global,
                Some(Regional {
                    credentials,
                    by_location: Mutex::default(),
                }),
            ))
        })
        .await
        .unwrap();
        let clients = &sm.clients;
        for name in [
            "projects/p/secrets/s/versions/1",
            "projects/p/locations/europe-west1/secrets/s/versions/1",
            "projects/q/locations/europe-west1/secrets/t/versions/latest",
            "projects/p/locations/us-east1/secrets/s/versions/1",
        ] {
            clients.client_for(name).await.unwrap();
        }
        let regional = clients.regional.as_ref().unwrap();
        let mut built: Vec<String> = regional
            .by_location
            .lock()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        built.sort();
        assert_eq!(built, ["europe-west1", "us-east1"]);
        assert_eq!(
            regional_endpoint("europe-west1"),
            "https://secretmanager.europe-west1.rep.googleapis.com"
        );
    }
}
