//! [`MetadataServer`]: the GCE metadata server's token endpoint and the few others
//! `google-cloud-auth` asks, on loopback, issuing short-lived tokens that a [`KmsServer`] or a
//! [`SecretManagerServer`] (through [`TokenBook`]) then accepts or rejects; and the project id,
//! which code on Cloud Run reads when no project variable is set.
//!
//! `google-cloud-auth` reaches it through `GCE_METADATA_HOST=127.0.0.1:PORT`, as on a Google
//! compute environment, so a test runs the production credentials path: Application Default
//! Credentials finding the metadata server, the token cache, and its refresh task.
//!
//! [`KmsServer`]: crate::KmsServer
//! [`SecretManagerServer`]: crate::SecretManagerServer

use std::collections::HashMap;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use aes_gcm::aead::OsRng;
use aes_gcm::aead::rand_core::RngCore;
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use serde_json::json;

use crate::serve::{self, Listening, Outcome, Reply};

const TOKEN_PATH: &str = "/computeMetadata/v1/instance/service-accounts/default/token";
const EMAIL_PATH: &str = "/computeMetadata/v1/instance/service-accounts/default/email";
const UNIVERSE_PATH: &str = "/computeMetadata/v1/universe/universe-domain";
const PROJECT_PATH: &str = "/computeMetadata/v1/project/project-id";
const FLAVOR: &str = "metadata-flavor";

/// How much later than its `expires_in` a token is still accepted: the client starts the
/// clock when the reply arrives, a little after the server did.
const SKEW: Duration = Duration::from_secs(1);

/// The project id a [`MetadataServer`] reports until [`MetadataServer::set_project_id`].
pub const DEFAULT_METADATA_PROJECT: &str = "metadata-project";

/// A metadata server on `127.0.0.1` that hands out a new, distinct access token on every
/// token request, valid for a lifetime the test chooses, and reports a project id
/// (`/computeMetadata/v1/project/project-id`). Requests without `Metadata-Flavor: Google` are
/// refused, as the real server refuses them. Dropping it stops it.
pub struct MetadataServer {
    shared: Arc<Shared>,
    listening: Listening,
}

/// What the handler and the test-facing methods share.
struct Shared {
    book: TokenBook,
    project_id: Mutex<String>,
    /// Project-id requests answered with the id.
    project_reads: AtomicUsize,
}

impl Shared {
    fn project_id(&self) -> MutexGuard<'_, String> {
        // Only ever replaced whole: a poisoned value is still a whole one.
        self.project_id
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl MetadataServer {
    /// Binds `127.0.0.1:0` and serves on the current tokio runtime; every token it issues
    /// says `expires_in` = `lifetime` (whole seconds, at least one).
    ///
    /// # Panics
    /// If no loopback port can be bound, or when called outside a tokio runtime.
    pub async fn start(lifetime: Duration) -> MetadataServer {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
        MetadataServer::start_on(addr, lifetime)
            .await
            .unwrap_or_else(|e| panic!("MetadataServer: cannot bind {addr}: {e}"))
    }

    /// Binds `addr` and serves on the current tokio runtime.
    pub async fn start_on(addr: SocketAddr, lifetime: Duration) -> io::Result<MetadataServer> {
        let shared = Arc::new(Shared {
            book: TokenBook::new(lifetime),
            project_id: Mutex::new(DEFAULT_METADATA_PROJECT.to_owned()),
            project_reads: AtomicUsize::new(0),
        });
        let for_handler = Arc::clone(&shared);
        let listening = serve::listen_on(addr, move |request| {
            let reply = handle(&for_handler, &request);
            async move { Outcome::Reply(reply) }
        })
        .await?;
        Ok(MetadataServer { shared, listening })
    }

    /// `127.0.0.1:PORT`, the form `GCE_METADATA_HOST` takes (no scheme).
    #[must_use]
    pub fn host(&self) -> String {
        self.listening.addr().to_string()
    }

    /// The tokens this server issued, to hand to a server that must check them
    /// ([`KmsServer::require_tokens`](crate::KmsServer::require_tokens)).
    #[must_use]
    pub fn tokens(&self) -> TokenBook {
        self.shared.book.clone()
    }

    /// From now on `/computeMetadata/v1/project/project-id` answers `project_id`
    /// (default [`DEFAULT_METADATA_PROJECT`]).
    pub fn set_project_id(&self, project_id: &str) {
        project_id.clone_into(&mut self.shared.project_id());
    }

    /// Project-id requests answered so far (those refused for a missing `Metadata-Flavor`
    /// are not counted).
    #[must_use]
    pub fn project_id_count(&self) -> usize {
        self.shared.project_reads.load(Ordering::SeqCst)
    }
}

impl std::fmt::Debug for MetadataServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Tokens are credentials: only their count.
        f.debug_struct("MetadataServer")
            .field("host", &self.host())
            .field("issued", &self.shared.book.issued())
            .finish_non_exhaustive()
    }
}

/// The tokens a [`MetadataServer`] issued, with their expiry, and what the servers that
/// checked them saw. Cheap to clone; clones share everything.
#[derive(Clone)]
pub struct TokenBook(Arc<Book>);

struct Book {
    lifetime: Duration,
    issued: Mutex<HashMap<String, Issued>>,
    accepted: AtomicUsize,
    rejected: AtomicUsize,
}

struct Issued {
    expires: Instant,
    uses: usize,
}

/// Why a request's credentials were refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rejection {
    /// No `Authorization: Bearer` header.
    Missing,
    /// A token this book never issued.
    Unknown,
    /// A token past its expiry.
    Expired,
}

impl Rejection {
    /// What Google's APIs say in their 401 for a request refused for this reason.
    pub(crate) fn google_message(self) -> &'static str {
        match self {
            Rejection::Missing => {
                "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential."
            }
            Rejection::Unknown | Rejection::Expired => {
                "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential."
            }
        }
    }
}

impl TokenBook {
    fn new(lifetime: Duration) -> TokenBook {
        TokenBook(Arc::new(Book {
            lifetime: lifetime.max(Duration::from_secs(1)),
            issued: Mutex::default(),
            accepted: AtomicUsize::new(0),
            rejected: AtomicUsize::new(0),
        }))
    }

    fn issued_tokens(&self) -> MutexGuard<'_, HashMap<String, Issued>> {
        // Each update is one insert or one counter: a poisoned map is still consistent.
        self.0.issued.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A new token, distinct from every other, and its lifetime in seconds.
    fn issue(&self) -> (String, u64) {
        let mut issued = self.issued_tokens();
        let token = format!("ya29.wire-{}-{:016x}", issued.len() + 1, OsRng.next_u64());
        let expires = Instant::now() + self.0.lifetime;
        issued.insert(token.clone(), Issued { expires, uses: 0 });
        (token, self.0.lifetime.as_secs())
    }

    /// Checks an `Authorization` header value and counts the outcome.
    pub fn check(&self, authorization: Option<&str>) -> Result<(), Rejection> {
        let verdict = match authorization.and_then(|a| a.strip_prefix("Bearer ")) {
            None => Err(Rejection::Missing),
            Some(token) => match self.issued_tokens().get_mut(token) {
                None => Err(Rejection::Unknown),
                Some(issued) if Instant::now() > issued.expires + SKEW => Err(Rejection::Expired),
                Some(issued) => {
                    issued.uses += 1;
                    Ok(())
                }
            },
        };
        let counter = match verdict {
            Ok(()) => &self.0.accepted,
            Err(_) => &self.0.rejected,
        };
        counter.fetch_add(1, Ordering::SeqCst);
        verdict
    }

    /// [`TokenBook::check`] on a request's `Authorization` header; a header that is not
    /// text counts as missing.
    pub(crate) fn check_headers(&self, headers: &HeaderMap) -> Result<(), Rejection> {
        self.check(headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()))
    }

    /// Tokens issued so far.
    #[must_use]
    pub fn issued(&self) -> usize {
        self.issued_tokens().len()
    }

    /// Distinct tokens that were accepted at least once.
    #[must_use]
    pub fn used(&self) -> usize {
        self.issued_tokens().values().filter(|i| i.uses > 0).count()
    }

    /// Requests whose token was accepted.
    #[must_use]
    pub fn accepted(&self) -> usize {
        self.0.accepted.load(Ordering::SeqCst)
    }

    /// Requests refused for a missing, unknown or expired token.
    #[must_use]
    pub fn rejected(&self) -> usize {
        self.0.rejected.load(Ordering::SeqCst)
    }

    /// Whether every token issued so far is past its expiry, so that the next request needs
    /// a new one.
    #[must_use]
    pub fn all_expired(&self) -> bool {
        let now = Instant::now();
        self.issued_tokens().values().all(|i| i.expires < now)
    }
}

impl std::fmt::Debug for TokenBook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenBook")
            .field("issued", &self.issued())
            .field("accepted", &self.accepted())
            .field("rejected", &self.rejected())
            .finish_non_exhaustive()
    }
}

fn handle(shared: &Shared, request: &Request<Incoming>) -> Reply {
    let flavored = request
        .headers()
        .get(FLAVOR)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"Google"));
    if !flavored {
        return text(
            StatusCode::FORBIDDEN,
            "Missing Metadata-Flavor:Google header.",
        );
    }
    if request.method() != Method::GET {
        return text(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed.");
    }
    match request.uri().path() {
        TOKEN_PATH => {
            let (token, expires_in) = shared.book.issue();
            let body = json!({
                "access_token": token,
                "expires_in": expires_in,
                "token_type": "Bearer",
            });
            with_flavor(StatusCode::OK, "application/json", body.to_string())
        }
        EMAIL_PATH => text(StatusCode::OK, "wire-test@p.iam.gserviceaccount.com"),
        UNIVERSE_PATH => text(StatusCode::OK, "googleapis.com"),
        PROJECT_PATH => {
            shared.project_reads.fetch_add(1, Ordering::SeqCst);
            let project_id = shared.project_id().clone();
            with_flavor(StatusCode::OK, "application/text", project_id)
        }
        "/" => text(StatusCode::OK, "computeMetadata/"),
        _ => text(StatusCode::NOT_FOUND, "Not Found"),
    }
}

fn text(status: StatusCode, body: &'static str) -> Reply {
    with_flavor(status, "application/text", body.to_owned())
}

/// Every reply of the real server carries `Metadata-Flavor: Google`.
fn with_flavor(status: StatusCode, content_type: &'static str, body: String) -> Reply {
    let mut reply = Response::new(Full::new(Bytes::from(body)));
    *reply.status_mut() = status;
    let headers = reply.headers_mut();
    headers.insert(FLAVOR, HeaderValue::from_static("Google"));
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    reply
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_distinct_and_checked_for_issue_and_expiry() {
        let book = TokenBook::new(Duration::from_secs(30));
        let (first, expires_in) = book.issue();
        let (second, _) = book.issue();
        assert_ne!(first, second);
        assert_eq!(expires_in, 30);
        assert_eq!(book.check(Some(&format!("Bearer {first}"))), Ok(()));
        assert_eq!(book.check(None), Err(Rejection::Missing));
        assert_eq!(book.check(Some(&first)), Err(Rejection::Missing));
        assert_eq!(
            book.check(Some("Bearer ya29.forged")),
            Err(Rejection::Unknown)
        );
        assert_eq!((book.accepted(), book.rejected(), book.used()), (1, 3, 1));
        assert!(!book.all_expired());

        book.issued_tokens().get_mut(&first).unwrap().expires =
            Instant::now().checked_sub(SKEW * 2).unwrap();
        assert_eq!(
            book.check(Some(&format!("Bearer {first}"))),
            Err(Rejection::Expired)
        );
        assert!(!book.all_expired(), "the second token is still valid");
    }
}
