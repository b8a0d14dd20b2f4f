//! [`AwsProxy`]: an HTTP proxy in front of an AWS endpoint (normally a [`Moto`](crate::Moto))
//! that counts each operation's requests, which moto does not, and answers with the
//! denials, throttling and corrupted bodies moto cannot produce on demand.

use std::collections::{HashMap, HashSet};
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use percent_encoding::percent_decode_str;

use crate::relay;
use crate::serve::{self, Listening, Outcome, Reply};

/// The operation of S3 object reads, which carry no `X-Amz-Target` header.
pub const GET_OBJECT: &str = "GetObject";

/// Forwards every request (method, path and query, headers, body) to an upstream AWS endpoint
/// and relays the reply, recording each request's operation first: the part after the `.` of
/// `X-Amz-Target` for the JSON protocols (`TrentService.Decrypt` is `Decrypt`,
/// `AmazonSSM.GetParameters` is `GetParameters`), [`GET_OBJECT`] for a path-style S3 object
/// `GET`, and `S3 <METHOD>` for any other S3 request. Dropping the proxy stops it.
pub struct AwsProxy {
    state: Arc<State>,
    listening: Listening,
}

struct State {
    /// `http://host:port`, without a trailing slash.
    upstream: String,
    client: relay::Upstream,
    rules: Mutex<Rules>,
}

#[derive(Default)]
struct Rules {
    /// Every request, in arrival order: the operation, for the JSON protocols the body, and
    /// when it arrived.
    seen: Vec<(String, Option<serde_json::Value>, Instant)>,
    /// When each relayed reply left for the client, in that order.
    relayed: Vec<Instant>,
    /// Operations answered with an access denial.
    denied: HashSet<String>,
    /// Operations whose next requests are answered with throttling, and how many more.
    throttled: HashMap<String, usize>,
    /// `(bucket, key)` pairs whose object bytes are relayed with a bit flipped.
    corrupted: HashSet<(String, String)>,
    /// How long every request waits before it is answered or relayed: a round trip to AWS.
    latency: Duration,
}

impl State {
    fn rules(&self) -> MutexGuard<'_, Rules> {
        // Every update is one insert, push or decrement: poisoned rules are still consistent.
        self.rules.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl AwsProxy {
    /// Starts a proxy on `127.0.0.1:0` in front of `upstream` (e.g. a [`Moto`]'s endpoint),
    /// serving on the current tokio runtime.
    ///
    /// [`Moto`]: crate::Moto
    ///
    /// # Panics
    /// If no loopback port can be bound, or when called outside a tokio runtime.
    pub async fn start(upstream: &str) -> AwsProxy {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
        AwsProxy::start_on(addr, upstream)
            .await
            .unwrap_or_else(|e| panic!("AwsProxy: cannot bind {addr}: {e}"))
    }

    /// Starts a proxy on `addr` in front of `upstream`.
    pub async fn start_on(addr: SocketAddr, upstream: &str) -> io::Result<AwsProxy> {
        let state = Arc::new(State {
            upstream: upstream.trim_end_matches('/').to_owned(),
            client: Client::builder(TokioExecutor::new()).build_http(),
            rules: Mutex::default(),
        });
        let shared = Arc::clone(&state);
        let listening =
            serve::listen_on(addr, move |request| handle(Arc::clone(&shared), request)).await?;
        Ok(AwsProxy { state, listening })
    }

    /// `http://127.0.0.1:PORT`, for `AWS_ENDPOINT_URL`.
    #[must_use]
    pub fn endpoint(&self) -> String {
        self.listening.endpoint()
    }

    /// How many requests of `operation` (`Decrypt`, `GetParameters`, [`GET_OBJECT`]...) came
    /// through, answered by the proxy or relayed.
    #[must_use]
    pub fn calls(&self, operation: &str) -> usize {
        self.state
            .rules()
            .seen
            .iter()
            .filter(|(seen, ..)| seen == operation)
            .count()
    }

    /// Every request's operation, in arrival order.
    #[must_use]
    pub fn operations(&self) -> Vec<String> {
        let rules = self.state.rules();
        rules.seen.iter().map(|(op, ..)| op.clone()).collect()
    }

    /// When each request arrived, in arrival order: how far apart a load's requests left
    /// shows whether they went out at once, whatever the upstream then takes to answer.
    #[must_use]
    pub fn arrivals(&self) -> Vec<Instant> {
        let rules = self.state.rules();
        rules.seen.iter().map(|(.., at)| *at).collect()
    }

    /// When each relayed reply (not a denial or throttling the proxy made) left for the
    /// client, in that order.
    #[must_use]
    pub fn relayed(&self) -> Vec<Instant> {
        self.state.rules().relayed.clone()
    }

    /// The JSON bodies of the requests of `operation`, in arrival order (for a request's
    /// `Names` or `SecretIdList`).
    #[must_use]
    pub fn bodies(&self, operation: &str) -> Vec<serde_json::Value> {
        let rules = self.state.rules();
        rules
            .seen
            .iter()
            .filter(|(seen, ..)| seen == operation)
            .filter_map(|(_, body, _)| body.clone())
            .collect()
    }

    /// Answers every request of `operation` with an access denial in its protocol's shape
    /// (`AccessDeniedException` for the JSON protocols, S3's XML `AccessDenied`), as AWS does
    /// for a role without the permission.
    pub fn deny(&self, operation: &str) {
        self.state.rules().denied.insert(operation.to_owned());
    }

    /// Answers the next `times` requests of `operation` with throttling
    /// (`ThrottlingException`, or S3's `SlowDown`), then relays again.
    pub fn throttle(&self, operation: &str, times: usize) {
        self.state
            .rules()
            .throttled
            .insert(operation.to_owned(), times);
    }

    /// Answers (or relays) every request after `latency`, as a region's endpoint does after a
    /// round trip: what the boot benchmark's AWS row measures the loader against.
    pub fn set_latency(&self, latency: Duration) {
        self.state.rules().latency = latency;
    }

    /// Relays every read of `s3://bucket/key` with one bit of its bytes flipped: same length,
    /// same headers, so the object's checksum (`x-amz-checksum-*`) no longer matches, as on
    /// corruption in transit.
    pub fn corrupt_object(&self, bucket: &str, key: &str) {
        self.state
            .rules()
            .corrupted
            .insert((bucket.to_owned(), key.to_owned()));
    }
}

impl std::fmt::Debug for AwsProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AwsProxy")
            .field("endpoint", &self.endpoint())
            .field("upstream", &self.state.upstream)
            .field("operations", &self.operations())
            .finish_non_exhaustive()
    }
}

/// The protocol a request speaks, for the shape of an error reply.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Protocol {
    Json,
    S3,
}

async fn handle(state: Arc<State>, request: Request<Incoming>) -> Outcome {
    let request = match relay::buffered(request).await {
        Ok(request) => request,
        Err(message) => return Outcome::Reply(plain(StatusCode::BAD_REQUEST, &message)),
    };
    let (operation, protocol) = operation_of(&request);
    let body = (protocol == Protocol::Json)
        .then(|| serde_json::from_slice(request.body()).ok())
        .flatten();
    let object = (operation == GET_OBJECT)
        .then(|| object_of(request.uri().path()))
        .flatten();
    // Counted on arrival, so that a request still in flight is seen.
    let latency = {
        let mut rules = state.rules();
        rules.seen.push((operation.clone(), body, Instant::now()));
        rules.latency
    };
    if latency > Duration::ZERO {
        tokio::time::sleep(latency).await;
    }
    let corrupt = {
        let mut rules = state.rules();
        if rules.denied.contains(&operation) {
            return Outcome::Reply(denied(protocol));
        }
        if let Some(left) = rules.throttled.get_mut(&operation)
            && *left > 0
        {
            *left -= 1;
            return Outcome::Reply(throttled(protocol));
        }
        object.is_some_and(|o| rules.corrupted.contains(&o))
    };
    let mut relayed = match relay::forward_buffered(&state.client, &state.upstream, request).await {
        Ok(relayed) => relayed,
        Err(message) => return Outcome::Reply(plain(StatusCode::BAD_GATEWAY, &message)),
    };
    if corrupt && relayed.status().is_success() && !relayed.body().is_empty() {
        let mut bytes = relayed.body().to_vec();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x01;
        *relayed.body_mut() = Bytes::from(bytes);
    }
    state.rules().relayed.push(Instant::now());
    Outcome::Reply(relayed.map(Full::new))
}

/// The operation `request` asks for, and its protocol.
fn operation_of(request: &Request<Bytes>) -> (String, Protocol) {
    let target = request
        .headers()
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok());
    if let Some(target) = target {
        let operation = target.rsplit('.').next().unwrap_or(target);
        return (operation.to_owned(), Protocol::Json);
    }
    if request.method() == Method::GET && object_of(request.uri().path()).is_some() {
        return (GET_OBJECT.to_owned(), Protocol::S3);
    }
    (format!("S3 {}", request.method()), Protocol::S3)
}

/// `(bucket, key)` of a path-style object URL, `/bucket/key...`, the key percent-decoded.
fn object_of(path: &str) -> Option<(String, String)> {
    let (bucket, key) = path.strip_prefix('/')?.split_once('/')?;
    if bucket.is_empty() || key.is_empty() {
        return None;
    }
    let key = percent_decode_str(key).decode_utf8().ok()?.into_owned();
    Some((bucket.to_owned(), key))
}

fn denied(protocol: Protocol) -> Reply {
    match protocol {
        Protocol::Json => json_error(
            StatusCode::BAD_REQUEST,
            "AccessDeniedException",
            "User: arn:aws:sts::123456789012:assumed-role/test/fn is not authorized to perform this action (denied by AwsProxy)",
        ),
        Protocol::S3 => xml_error(StatusCode::FORBIDDEN, "AccessDenied", "Access Denied"),
    }
}

fn throttled(protocol: Protocol) -> Reply {
    match protocol {
        Protocol::Json => json_error(
            StatusCode::BAD_REQUEST,
            "ThrottlingException",
            "Rate exceeded",
        ),
        Protocol::S3 => xml_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "SlowDown",
            "Please reduce your request rate.",
        ),
    }
}

/// An error of the JSON protocols (`application/x-amz-json-1.1`), as KMS, Secrets Manager and
/// SSM send them.
fn json_error(status: StatusCode, code: &str, message: &str) -> Reply {
    let body = serde_json::json!({ "__type": code, "message": message }).to_string();
    let mut reply = Response::new(Full::new(Bytes::from(body)));
    *reply.status_mut() = status;
    reply.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/x-amz-json-1.1"),
    );
    reply
}

/// An S3 error, XML.
fn xml_error(status: StatusCode, code: &str, message: &str) -> Reply {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message><RequestId>AwsProxy</RequestId></Error>"
    );
    let mut reply = Response::new(Full::new(Bytes::from(body)));
    *reply.status_mut() = status;
    reply.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/xml"),
    );
    reply
}

fn plain(status: StatusCode, message: &str) -> Reply {
    let mut reply = Response::new(Full::new(Bytes::from(message.to_owned())));
    *reply.status_mut() = status;
    reply
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_style_object_urls() {
        let pair = |b: &str, k: &str| Some((b.to_owned(), k.to_owned()));
        assert_eq!(object_of("/cfg/app1.json"), pair("cfg", "app1.json"));
        assert_eq!(
            object_of("/cfg/certs/a%20b.bin"),
            pair("cfg", "certs/a b.bin")
        );
        assert_eq!(object_of("/cfg/"), None);
        assert_eq!(object_of("/cfg"), None);
        assert_eq!(object_of("/"), None);
    }
}
