//! [`GcsProxy`]: a fault-injecting HTTP proxy in front of a Cloud Storage endpoint (normally a
//! [`FakeGcs`](crate::FakeGcs)), for failures the emulator cannot produce on demand, and for
//! the error bodies real Cloud Storage sends where the emulator's differ.

use std::collections::HashSet;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Method, Request, StatusCode, Uri};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use percent_encoding::percent_decode_str;

use crate::fault::Faults;
use crate::relay;
use crate::reply::{self, BAD_GATEWAY, Flavor, NOT_FOUND, PERMISSION_DENIED};
use crate::serve::{self, Listening, Outcome};
use crate::transcode::{accepts_gzip, transcode};

/// The message of a missing bucket's 404 ([`GcsProxy::missing_bucket`]): the words the
/// emulator uses for anything missing, which say nothing about what is missing.
pub const MISSING_BUCKET_MESSAGE: &str = "Not Found";

/// Forwards every request (method, path and query, headers, body) to an upstream Cloud Storage
/// endpoint and relays status, headers (`x-goog-generation` and `x-goog-hash` included: the
/// official client needs them) and body back, unless a fault or a denial applies first.
///
/// Faults and denials answer in Cloud Storage's JSON error shape, and so does a missing object
/// (the emulator answers a bare text `Not Found` for media reads). A media read of a
/// gzip-stored object without `Accept-Encoding: gzip` is answered inflated, as Cloud Storage's
/// decompressive transcoding does and the emulator does not. Dropping the proxy stops it.
pub struct GcsProxy {
    state: Arc<State>,
    listening: Listening,
}

struct State {
    /// `http://host:port`, without a trailing slash.
    upstream: String,
    client: relay::Upstream,
    faults: Faults,
    rules: Mutex<Rules>,
    requests: AtomicUsize,
}

/// What the test asked for, by bucket and object.
#[derive(Default)]
struct Rules {
    /// `(bucket, object)` pairs answered with 403.
    denied: HashSet<(String, String)>,
    /// `(bucket, object)` pairs whose media is relayed with a byte flipped.
    corrupted: HashSet<(String, String)>,
    /// Buckets answered with 404 as if they did not exist.
    missing_buckets: HashSet<String>,
}

impl State {
    fn rules(&self) -> MutexGuard<'_, Rules> {
        // Every update is one insert or remove, so poisoned rules are still consistent.
        self.rules.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl GcsProxy {
    /// Starts a proxy on `127.0.0.1:0` in front of `upstream` (e.g. `http://127.0.0.1:4443`),
    /// serving on the current tokio runtime.
    ///
    /// # Panics
    /// If no loopback port can be bound, or when called outside a tokio runtime.
    pub async fn start(upstream: &str) -> GcsProxy {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
        GcsProxy::start_on(addr, upstream)
            .await
            .unwrap_or_else(|e| panic!("GcsProxy: cannot bind {addr}: {e}"))
    }

    /// Starts a proxy on `addr` in front of `upstream`.
    pub async fn start_on(addr: SocketAddr, upstream: &str) -> io::Result<GcsProxy> {
        let state = Arc::new(State {
            upstream: upstream.trim_end_matches('/').to_owned(),
            client: Client::builder(TokioExecutor::new()).build_http(),
            faults: Faults::new(),
            rules: Mutex::default(),
            requests: AtomicUsize::new(0),
        });
        let shared = Arc::clone(&state);
        let listening =
            serve::listen_on(addr, move |request| handle(Arc::clone(&shared), request)).await?;
        Ok(GcsProxy { state, listening })
    }

    /// `http://127.0.0.1:PORT`, for the storage client's `with_endpoint`.
    #[must_use]
    pub fn endpoint(&self) -> String {
        self.listening.endpoint()
    }

    /// The upstream this proxy forwards to.
    #[must_use]
    pub fn upstream(&self) -> &str {
        &self.state.upstream
    }

    /// Latency and fault injection for every request this proxy receives.
    #[must_use]
    pub fn faults(&self) -> &Faults {
        &self.state.faults
    }

    /// Makes every `GET` of `gs://bucket/object` (media or metadata) fail with 403, as Cloud
    /// Storage does for a caller without `storage.objects.get`.
    pub fn deny(&self, bucket: &str, object: &str) {
        self.state
            .rules()
            .denied
            .insert((bucket.to_owned(), object.to_owned()));
    }

    /// Undoes [`GcsProxy::deny`].
    pub fn allow(&self, bucket: &str, object: &str) {
        self.state
            .rules()
            .denied
            .remove(&(bucket.to_owned(), object.to_owned()));
    }

    /// Makes every media `GET` (`alt=media`) of `gs://bucket/object` relay the object's bytes
    /// with one byte flipped: same length, same headers, so the `x-goog-hash` checksums no
    /// longer match and the official client fails the read with a checksum mismatch, as it
    /// would on corruption in transit. Metadata reads are untouched. (The client checks only
    /// whole-object reads, so a ranged read of a corrupted object is not caught.)
    pub fn corrupt(&self, bucket: &str, object: &str) {
        self.state
            .rules()
            .corrupted
            .insert((bucket.to_owned(), object.to_owned()));
    }

    /// Makes every `GET` under `bucket` (the bucket itself, its object list, its objects,
    /// their media) fail with 404 in Cloud Storage's JSON shape. The message is a bare
    /// [`MISSING_BUCKET_MESSAGE`], not Cloud Storage's "The specified bucket does not
    /// exist.": a client must tell a missing bucket from a missing object by asking, not by
    /// the words of an error, which this proxy does not repeat.
    pub fn missing_bucket(&self, bucket: &str) {
        self.state.rules().missing_buckets.insert(bucket.to_owned());
    }

    /// Requests received so far, faulted and denied ones included.
    #[must_use]
    pub fn request_count(&self) -> usize {
        self.state.requests.load(Ordering::SeqCst)
    }
}

impl std::fmt::Debug for GcsProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GcsProxy")
            .field("endpoint", &self.endpoint())
            .field("upstream", &self.state.upstream)
            .field("requests", &self.request_count())
            .finish_non_exhaustive()
    }
}

async fn handle(state: Arc<State>, request: Request<Incoming>) -> Outcome {
    state.requests.fetch_add(1, Ordering::SeqCst);
    if let Some(outcome) = reply::injected(&state.faults, Flavor::Storage).await {
        return outcome;
    }
    let is_get = request.method() == Method::GET;
    let path = request.uri().path();
    let object = object_of(path);
    let corrupt = {
        let rules = state.rules();
        // A missing bucket comes first: nothing in it exists to be denied or corrupted.
        if is_get && bucket_of(path).is_some_and(|b| rules.missing_buckets.contains(&b)) {
            return Outcome::Reply(reply::error(
                Flavor::Storage,
                NOT_FOUND,
                MISSING_BUCKET_MESSAGE,
            ));
        }
        if is_get && object.as_ref().is_some_and(|o| rules.denied.contains(o)) {
            return Outcome::Reply(reply::error(
                Flavor::Storage,
                PERMISSION_DENIED,
                "<nobody> does not have storage.objects.get access to the Google Cloud Storage \
                 object. Permission 'storage.objects.get' denied on resource (or it may not \
                 exist).",
            ));
        }
        is_get
            && is_media(request.uri())
            && object.as_ref().is_some_and(|o| rules.corrupted.contains(o))
    };
    // A HEAD reply has no body to put Cloud Storage's JSON in.
    let has_body = request.method() != Method::HEAD;
    let transcodes = is_get && is_media(request.uri()) && !accepts_gzip(request.headers());
    let mut relayed = match relay::forward(&state.client, &state.upstream, request).await {
        Ok(relayed) => relayed,
        Err(message) => {
            return Outcome::Reply(reply::error(Flavor::Storage, BAD_GATEWAY, &message));
        }
    };
    // Only a non-JSON 404 is the emulator's bare "Not Found": a JSON one is relayed as is.
    if has_body
        && relayed.status() == StatusCode::NOT_FOUND
        && let Some((bucket, object)) = &object
        && !is_json(relayed.body())
    {
        return Outcome::Reply(reply::error(
            Flavor::Storage,
            NOT_FOUND,
            &format!("No such object: {bucket}/{object}"),
        ));
    }
    if transcodes && relayed.status().is_success() {
        transcode(&mut relayed);
    }
    // In transit: after Cloud Storage's side has done its part.
    if corrupt && relayed.status().is_success() {
        flip_one_byte(relayed.body_mut());
    }
    Outcome::Reply(relayed.map(Full::new))
}

/// Flips one bit of the middle byte of a non-empty `body`. A single flipped bit is the
/// smallest corruption and one CRC32C always detects; in the middle, and only one bit, so that
/// JSON usually stays well-formed and only the checksum can give the corruption away.
fn flip_one_byte(body: &mut Bytes) {
    if body.is_empty() {
        return;
    }
    let mut bytes = body.to_vec();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    *body = Bytes::from(bytes);
}

/// Whether `body` parses as JSON, as Cloud Storage's error bodies (and the emulator's metadata
/// errors) do; the emulator's media errors are plain text.
fn is_json(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body).is_ok()
}

/// Whether `uri` asks for an object's media (`alt=media`) rather than its metadata.
fn is_media(uri: &Uri) -> bool {
    uri.query()
        .is_some_and(|query| query.split('&').any(|pair| pair == "alt=media"))
}

/// The bucket of any JSON API URL under `/storage/v1/b/{bucket}` (also under `/download`),
/// percent-decoded.
fn bucket_of(path: &str) -> Option<String> {
    let rest = path
        .strip_prefix("/download")
        .unwrap_or(path)
        .strip_prefix("/storage/v1/b/")?;
    let bucket = rest.split_once('/').map_or(rest, |(bucket, _)| bucket);
    if bucket.is_empty() {
        return None;
    }
    percent_decode_str(bucket)
        .decode_utf8()
        .ok()
        .map(std::borrow::Cow::into_owned)
}

/// `(bucket, object)` of a JSON API object URL, `/storage/v1/b/{bucket}/o/{object}` (also
/// under `/download`), with the object name percent-decoded.
fn object_of(path: &str) -> Option<(String, String)> {
    let rest = path
        .strip_prefix("/download")
        .unwrap_or(path)
        .strip_prefix("/storage/v1/b/")?;
    // A bucket name has no '/', and the client percent-encodes every '/' in object names.
    let (bucket, rest) = rest.split_once('/')?;
    let object = rest.strip_prefix("o/")?;
    if object.is_empty() {
        return None;
    }
    let decode = |s: &str| {
        percent_decode_str(s)
            .decode_utf8()
            .ok()
            .map(std::borrow::Cow::into_owned)
    };
    Some((decode(bucket)?, decode(object)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_urls() {
        let pair = |b: &str, o: &str| Some((b.to_owned(), o.to_owned()));
        assert_eq!(object_of("/storage/v1/b/bkt/o/app1"), pair("bkt", "app1"));
        assert_eq!(
            object_of("/storage/v1/b/bkt/o/dir%2Fa%20b.json"),
            pair("bkt", "dir/a b.json")
        );
        assert_eq!(
            object_of("/download/storage/v1/b/bkt/o/app1"),
            pair("bkt", "app1")
        );
        assert_eq!(object_of("/storage/v1/b/bkt/o/"), None);
        assert_eq!(object_of("/storage/v1/b/bkt/o"), None);
        assert_eq!(object_of("/storage/v1/b/bkt"), None);
        assert_eq!(object_of("/upload/storage/v1/b/bkt/o"), None);
    }

    #[test]
    fn bucket_urls() {
        let bucket = |b: &str| Some(b.to_owned());
        assert_eq!(bucket_of("/storage/v1/b/bkt"), bucket("bkt"));
        assert_eq!(bucket_of("/storage/v1/b/bkt/o"), bucket("bkt"));
        assert_eq!(bucket_of("/storage/v1/b/bkt/o/dir%2Fa"), bucket("bkt"));
        assert_eq!(bucket_of("/download/storage/v1/b/bkt/o/a"), bucket("bkt"));
        assert_eq!(bucket_of("/storage/v1/b/"), None);
        assert_eq!(bucket_of("/storage/v1/b"), None);
        assert_eq!(bucket_of("/upload/storage/v1/b/bkt/o"), None);
    }

    #[test]
    fn media_is_told_from_metadata_by_the_query() {
        let media = |uri: &str| is_media(&uri.parse().unwrap());
        assert!(media("/storage/v1/b/bkt/o/a?alt=media"));
        assert!(media("/storage/v1/b/bkt/o/a?generation=1&alt=media"));
        assert!(!media("/storage/v1/b/bkt/o/a"));
        assert!(!media("/storage/v1/b/bkt/o/a?alt=json"));
        assert!(!media("/storage/v1/b/bkt/o/a?salt=media"));
    }

    #[test]
    fn corruption_flips_one_bit_and_keeps_the_length() {
        let mut body = Bytes::from_static(b"abcde");
        flip_one_byte(&mut body);
        assert_eq!(body.as_ref(), b"abbde");
        let mut empty = Bytes::new();
        flip_one_byte(&mut empty);
        assert!(empty.is_empty());
    }

    #[test]
    fn json_is_told_from_the_emulators_text() {
        assert!(is_json(br#"{"error":{"code":404}}"#));
        assert!(!is_json(b"Not Found\n"));
        assert!(!is_json(b""));
    }
}
