//! Application Default Credentials, and telling "there are no credentials here" from "the
//! metadata server cannot hand out a token right now".
//!
//! With no `GOOGLE_APPLICATION_CREDENTIALS` and no gcloud login, google-cloud-auth falls back to
//! the metadata server without checking that there is one, and calls a token request that
//! could not reach it transient: off Google Cloud every load would then retry until its
//! deadline and say "could not get an access token this time". So when ADC went to the
//! metadata server and a token request fails transiently, the credentials here look whether
//! a metadata server is there at all: its name resolves and its port takes a connection
//! (decided by the lookup and the connection, not by the text of the auth crate's error). If
//! not, the failure is permanent, caused by [`NoMetadataServer`], which `status` turns into
//! [`ErrorKind::Unconfigured`](crate::ErrorKind::Unconfigured) with a hint. A metadata server
//! that is there but failing (a 503, a connection that hangs) is still retried.

use std::collections::BTreeSet;
use std::io;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use google_cloud_auth::credentials::{self, CacheableResource, Credentials, CredentialsProvider};
use google_cloud_auth::errors::CredentialsError;
use http::{Extensions, HeaderMap};
use tokio::net::{TcpStream, lookup_host};
use tokio::time::timeout;

use super::status::build_error;
use crate::BackendError;

/// The metadata server's host where `GCE_METADATA_HOST` does not say another, as
/// google-cloud-auth finds it.
pub(super) const METADATA_HOST: &str = "metadata.google.internal";
pub(super) const METADATA_HOST_ENV: &str = "GCE_METADATA_HOST";

/// What to do when there are no credentials: the end of every such message.
pub(super) const HINT: &str = "on Cloud Run and Cloud Functions the metadata server provides credentials; elsewhere run `gcloud auth application-default login`, or set GOOGLE_APPLICATION_CREDENTIALS to a service account key file; or set SECRETS_LOCAL_DIR to use the local backend";

/// A metadata server takes a connection within a millisecond on the instance; one that takes
/// longer is not declared absent, only left to the retries.
const CONNECT_TIMEOUT: Duration = Duration::from_millis(500);

/// Hosts where a metadata server took a connection: its later failures are hiccups, and are
/// retried without looking again. An absence is not kept: a process that outlives a metadata
/// server's late start finds it at its next load, and looking costs a failed lookup or a
/// refused connection.
static ANSWERED: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());

/// Application Default Credentials, for `client` (named in an error).
pub(super) fn adc(client: &str) -> Result<Credentials, BackendError> {
    let found = credentials::Builder::default()
        .build()
        .map_err(|e| build_error(client, &e))?;
    Ok(match metadata_fallback() {
        Some(host) => Credentials::from(ViaMetadataServer { found, host }),
        None => found,
    })
}

/// The metadata server's host when ADC falls back to it, by google-cloud-auth's rules
/// (AIP-4110): no `GOOGLE_APPLICATION_CREDENTIALS`, and no gcloud login file (or no home to
/// find it in).
fn metadata_fallback() -> Option<String> {
    if std::env::var_os("GOOGLE_APPLICATION_CREDENTIALS").is_some() {
        return None;
    }
    if let Some(file) = gcloud_login_file()
        && !matches!(std::fs::metadata(file), Err(e) if e.kind() == io::ErrorKind::NotFound)
    {
        return None;
    }
    // As the auth crate reads it: set, even empty, is the host.
    Some(std::env::var(METADATA_HOST_ENV).unwrap_or_else(|_| METADATA_HOST.to_owned()))
}

#[cfg(not(target_os = "windows"))]
fn gcloud_login_file() -> Option<std::path::PathBuf> {
    let home = std::path::PathBuf::from(std::env::var_os("HOME")?);
    Some(home.join(".config/gcloud/application_default_credentials.json"))
}

#[cfg(target_os = "windows")]
fn gcloud_login_file() -> Option<std::path::PathBuf> {
    let appdata = std::path::PathBuf::from(std::env::var_os("APPDATA")?);
    Some(appdata.join("gcloud/application_default_credentials.json"))
}

/// ADC's credentials when they come from the metadata server at `host`.
#[derive(Debug)]
struct ViaMetadataServer {
    found: Credentials,
    host: String,
}

impl CredentialsProvider for ViaMetadataServer {
    async fn headers(
        &self,
        extensions: Extensions,
    ) -> Result<CacheableResource<HeaderMap>, CredentialsError> {
        match self.found.headers(extensions).await {
            Err(e) if e.is_transient() => match metadata_server_at(&self.host).await {
                Ok(()) => Err(e),
                // The constructors are hidden from the docs but public: the auth crate's own
                // way to say why, and whether to try again.
                Err(absent) => Err(CredentialsError::new(
                    false,
                    "no credentials were found",
                    absent,
                )),
            },
            answer => answer,
        }
    }

    async fn universe_domain(&self) -> Option<String> {
        self.found.universe_domain().await
    }
}

/// ADC found no credentials file and fell back to a metadata server that is not there.
#[derive(Debug)]
pub(super) struct NoMetadataServer {
    host: String,
    cause: io::Error,
}

impl std::fmt::Display for NoMetadataServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Application Default Credentials found no credentials file, and no metadata server at {} ({})",
            self.host, self.cause
        )
    }
}

// No `source`: the cause is in the message, and nothing under it says more.
impl std::error::Error for NoMetadataServer {}

/// Whether a metadata server is at `host` (`host` or `host:port`, as `GCE_METADATA_HOST`
/// takes it): its name resolves and one of its addresses takes a connection. Only a lookup
/// that fails, or connections refused or unroutable, say "absent"; a connection that hangs
/// says nothing, and leaves the failure to the retries.
async fn metadata_server_at(host: &str) -> Result<(), NoMetadataServer> {
    if answered().contains(host) {
        return Ok(());
    }
    let absent = |cause| NoMetadataServer {
        host: host.to_owned(),
        cause,
    };
    let addrs: Vec<_> = lookup_host(with_port(host))
        .await
        .map_err(absent)?
        .collect();
    let mut refused = io::Error::new(io::ErrorKind::NotFound, "the name has no address");
    for addr in addrs {
        match timeout(CONNECT_TIMEOUT, TcpStream::connect(addr)).await {
            Ok(Err(e)) if nothing_there(e.kind()) => refused = e,
            Ok(Ok(_)) => {
                answered().insert(host.to_owned());
                return Ok(());
            }
            Ok(Err(_)) | Err(_) => return Ok(()),
        }
    }
    Err(absent(refused))
}

fn answered() -> std::sync::MutexGuard<'static, BTreeSet<String>> {
    // Only ever grows by one whole entry: a poisoned set is still a consistent one.
    ANSWERED.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Connection errors that mean no server listens there, or cannot be reached at all.
fn nothing_there(kind: io::ErrorKind) -> bool {
    matches!(
        kind,
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::HostUnreachable
            | io::ErrorKind::NetworkUnreachable
            | io::ErrorKind::AddrNotAvailable
    )
}

/// `host:port`, port 80 (the metadata server's plain HTTP) when `host` names none.
fn with_port(host: &str) -> String {
    if host.starts_with('[') {
        return if host.contains("]:") {
            host.to_owned()
        } else {
            format!("{host}:80")
        };
    }
    match host.matches(':').count() {
        0 => format!("{host}:80"),
        1 => host.to_owned(),
        // A bare IPv6 address: its colons are not a port's.
        _ => format!("[{host}]:80"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_host_gets_the_metadata_server_s_port_unless_it_names_one() {
        assert_eq!(
            with_port("metadata.google.internal"),
            "metadata.google.internal:80"
        );
        assert_eq!(with_port("127.0.0.1:8085"), "127.0.0.1:8085");
        assert_eq!(with_port("[::1]:8085"), "[::1]:8085");
        assert_eq!(with_port("[::1]"), "[::1]:80");
        assert_eq!(with_port("::1"), "[::1]:80");
    }

    #[tokio::test]
    async fn a_closed_port_is_no_metadata_server_and_an_open_one_is() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let open = listener.local_addr().unwrap().to_string();
        assert!(metadata_server_at(&open).await.is_ok());
        assert!(answered().contains(&open));
        drop(listener);
        // Kept: once seen, its failures are its hiccups.
        assert!(metadata_server_at(&open).await.is_ok());

        let closed = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap()
            .to_string();
        let absent = metadata_server_at(&closed).await.unwrap_err();
        assert_eq!(absent.cause.kind(), io::ErrorKind::ConnectionRefused);
        assert!(
            absent
                .to_string()
                .starts_with(&format!("Application Default Credentials found no credentials file, and no metadata server at {closed} (")),
            "{absent}"
        );
    }

    #[tokio::test]
    async fn a_name_that_does_not_resolve_is_no_metadata_server() {
        // `.invalid` never resolves (RFC 6761).
        assert!(metadata_server_at("metadata.invalid").await.is_err());
    }
}
