//! [`SecretManagerServer`]: Secret Manager's `AccessSecretVersion`, `AddSecretVersion` and
//! `CreateSecret` on loopback, for tests of the official client and of code built on it.

mod handler;
mod names;
mod store;

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use crate::fault::Faults;
use crate::metadata::TokenBook;
use crate::serve::{self, Listening};
use store::Store;

/// A wire-level Secret Manager server: `GET /v1/projects/P/secrets/S/versions/V:access` and
/// its regional form `…/projects/P/locations/L/secrets/S/versions/V:access` in HTTP+JSON, with
/// payload CRC32C, Google's error JSON and injectable latency and faults.
///
/// Secrets can be written over the wire too, as the `secrets` CLI and `gcloud` write them:
/// `POST /v1/{secret}:addVersion` (the payload's `dataCrc32c` checked when sent, 64 KiB at
/// most, the secret must exist) and `POST /v1/projects/P[/locations/L]/secrets?secretId=S`
/// (`CreateSecret`: a global secret needs a replication policy, a regional one takes none;
/// `ALREADY_EXISTS` if it exists). [`SecretManagerServer::deny`] refuses those as well.
///
/// Versions resolve as Secret Manager resolves them: `latest` is the highest-numbered version
/// even when that one is disabled or destroyed (the access then fails with
/// `FAILED_PRECONDITION`; there is no fallback to an older version), and aliases resolve on the
/// server. A regional secret is a different secret from the global one of the same id.
///
/// Replies name the project as the client asked for it, unless
/// [`SecretManagerServer::set_project_number`] gave it a number: then, as Google does, replies
/// and error messages show the number, and requests may use either.
///
/// Payloads stay in memory and are never logged. Dropping the server stops it and closes every
/// connection.
///
/// ```no_run
/// # async fn demo() {
/// use secrets_wire_server::SecretManagerServer;
/// let sm = SecretManagerServer::start().await;
/// let version = sm.add_version("projects/p/secrets/db-pass", b"s3cr3t"); // 1
/// // point the official client at sm.endpoint() and access
/// // "projects/p/secrets/db-pass/versions/latest"
/// # let _ = version;
/// # }
/// ```
pub struct SecretManagerServer {
    state: Arc<State>,
    listening: Listening,
}

/// Everything the handler and the test-facing methods share.
#[derive(Default)]
struct State {
    store: Store,
    faults: Faults,
    wrong_crc: AtomicBool,
    omit_crc: AtomicBool,
    /// Accesses answered with a payload.
    accesses: AtomicUsize,
    requests: AtomicUsize,
    /// Set: every request must carry a bearer token from this book.
    tokens: OnceLock<TokenBook>,
}

impl SecretManagerServer {
    /// Binds `127.0.0.1:0` and serves on the current tokio runtime.
    ///
    /// # Panics
    /// If no loopback port can be bound, or when called outside a tokio runtime.
    pub async fn start() -> SecretManagerServer {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
        SecretManagerServer::start_on(addr)
            .await
            .unwrap_or_else(|e| panic!("SecretManagerServer: cannot bind {addr}: {e}"))
    }

    /// Binds `addr` (e.g. a fixed port for manual use) and serves on the current tokio runtime.
    pub async fn start_on(addr: SocketAddr) -> io::Result<SecretManagerServer> {
        let state = Arc::new(State::default());
        let shared = Arc::clone(&state);
        let listening = serve::listen_on(addr, move |request| {
            handler::handle(Arc::clone(&shared), request)
        })
        .await?;
        Ok(SecretManagerServer { state, listening })
    }

    /// `http://127.0.0.1:PORT`, for the client's `with_endpoint`.
    #[must_use]
    pub fn endpoint(&self) -> String {
        self.listening.endpoint()
    }

    /// The bound address.
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.listening.addr()
    }

    /// Adds an enabled version holding `data` to `secret` (`projects/P/secrets/S` or
    /// `projects/P/locations/L/secrets/S`), creating the secret if it is new, and returns the
    /// version's number: 1 for a secret's first version, then 2, 3… It becomes `latest`.
    /// Unlike Secret Manager, no 64 KiB limit is enforced, so tests can exceed it.
    ///
    /// # Panics
    /// If `secret` is not a secret name.
    // Not `must_use`: a test that adds one version to a secret knows it is version 1.
    #[allow(clippy::must_use_candidate)]
    pub fn add_version(&self, secret: &str, data: &[u8]) -> u64 {
        self.state.store.add_version(secret, data)
    }

    /// Points the version alias `alias` (`[A-Za-z][A-Za-z0-9_-]*`, at most 63 characters, not
    /// `latest` or `NEW`) of `secret` at `version`, moving it if it pointed elsewhere.
    ///
    /// # Panics
    /// If the alias is invalid or the version does not exist.
    pub fn set_alias(&self, secret: &str, alias: &str, version: u64) {
        self.state.store.set_alias(secret, alias, version);
    }

    /// Disables `version` of `secret`: accessing it, directly, by alias or as `latest`, fails
    /// with 400 `FAILED_PRECONDITION` "… is in DISABLED state."
    ///
    /// # Panics
    /// If the version does not exist or is destroyed.
    pub fn disable(&self, secret: &str, version: u64) {
        self.state.store.disable(secret, version);
    }

    /// Enables a disabled `version` of `secret` again.
    ///
    /// # Panics
    /// If the version does not exist or is destroyed.
    pub fn enable(&self, secret: &str, version: u64) {
        self.state.store.enable(secret, version);
    }

    /// Destroys `version` of `secret` for good: its payload is dropped and accessing it fails
    /// with 400 `FAILED_PRECONDITION` "… is in DESTROYED state."
    ///
    /// # Panics
    /// If the version does not exist.
    pub fn destroy(&self, secret: &str, version: u64) {
        self.state.store.destroy(secret, version);
    }

    /// Makes every access to `secret` fail with 403 `PERMISSION_DENIED`, whether or not the
    /// secret exists, as Secret Manager does for a caller without
    /// `secretmanager.versions.access`.
    ///
    /// # Panics
    /// If `secret` is not a secret name.
    pub fn deny(&self, secret: &str) {
        self.state.store.set_denied(secret, true);
    }

    /// Undoes [`SecretManagerServer::deny`].
    ///
    /// # Panics
    /// If `secret` is not a secret name.
    pub fn allow(&self, secret: &str) {
        self.state.store.set_denied(secret, false);
    }

    /// Gives the project `project_id` the number `number`, as every Google project has:
    /// from now on requests may name the project either way, and replies and error messages
    /// name it by number, as Secret Manager's do. The test-facing methods accept either too.
    pub fn set_project_number(&self, project_id: &str, number: u64) {
        self.state.store.set_project_number(project_id, number);
    }

    /// While on, replies carry a `dataCrc32c` that does not match the payload, as a corrupted
    /// reply would. The official client does not check it: its caller must.
    pub fn set_wrong_crc(&self, on: bool) {
        self.state.wrong_crc.store(on, Ordering::SeqCst);
    }

    /// While on, replies leave out `dataCrc32c` altogether. Takes precedence over
    /// [`SecretManagerServer::set_wrong_crc`].
    pub fn set_omit_crc(&self, on: bool) {
        self.state.omit_crc.store(on, Ordering::SeqCst);
    }

    /// Latency and fault injection for every request this server receives.
    #[must_use]
    pub fn faults(&self) -> &Faults {
        &self.state.faults
    }

    /// From now on, every request must carry `Authorization: Bearer` with a token `tokens`
    /// issued and not yet expired (a [`MetadataServer`](crate::MetadataServer)'s); any other
    /// is refused with 401 `UNAUTHENTICATED` in Google's JSON, before anything else is looked
    /// at. Counts land in `tokens`. Only the first call takes effect.
    pub fn require_tokens(&self, tokens: TokenBook) {
        let _ = self.state.tokens.set(tokens);
    }

    /// Accesses answered with a payload so far. Refused, faulted and unauthenticated requests
    /// are not counted: [`SecretManagerServer::request_count`] counts those.
    #[must_use]
    pub fn access_count(&self) -> usize {
        self.state.accesses.load(Ordering::SeqCst)
    }

    /// Requests of any kind received so far, refused, faulted and unauthenticated ones
    /// included.
    #[must_use]
    pub fn request_count(&self) -> usize {
        self.state.requests.load(Ordering::SeqCst)
    }
}

impl std::fmt::Debug for SecretManagerServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Secrets are deliberately left out: they are payloads.
        f.debug_struct("SecretManagerServer")
            .field("endpoint", &self.endpoint())
            .field("requests", &self.request_count())
            .finish_non_exhaustive()
    }
}
