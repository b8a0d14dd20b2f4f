//! [`KmsServer`]: a Cloud KMS decrypt/encrypt server on loopback, for tests of the official
//! client and of code built on it. No Cloud KMS emulator exists anywhere, hence this one.

pub(crate) mod fields;
mod handler;
mod keyring;

use std::collections::HashSet;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

use crate::fault::Faults;
use crate::metadata::TokenBook;
use crate::serve::{self, Listening};
use keyring::KeyRing;

/// A wire-level Cloud KMS server: `POST /v1/{name}:decrypt` and `POST /v1/{name}:encrypt` in
/// HTTP+JSON, real AES-256-GCM, CRC32C checks and Google's error JSON, with injectable latency
/// and faults.
///
/// Ciphertexts are in this server's own format (see the `keyring` module) and only decrypt
/// with the same server instance: keys are random and live in memory. Dropping the server
/// stops it and closes every connection.
///
/// ```no_run
/// # async fn demo() {
/// use secrets_wire_server::KmsServer;
/// const KEY: &str = "projects/p/locations/global/keyRings/r/cryptoKeys/k";
/// let kms = KmsServer::start().await;
/// let ciphertext = kms.encrypt(KEY, b"s3cr3t"); // creates the key
/// // point the official client at kms.endpoint() and decrypt `ciphertext` with KEY
/// # }
/// ```
pub struct KmsServer {
    state: Arc<State>,
    listening: Listening,
}

/// Everything the handler and the test-facing methods share.
#[derive(Default)]
struct State {
    keys: KeyRing,
    faults: Faults,
    denied: Mutex<HashSet<String>>,
    wrong_plaintext_crc: AtomicBool,
    omit_plaintext_crc: AtomicBool,
    require_ciphertext_crc: AtomicBool,
    decrypts: AtomicUsize,
    decrypts_with_crc: AtomicUsize,
    requests: AtomicUsize,
    /// Set: every request must carry a bearer token from this book.
    tokens: OnceLock<TokenBook>,
}

impl State {
    fn denied(&self) -> MutexGuard<'_, HashSet<String>> {
        // Inserts and removes are atomic, so a poisoned set is still consistent.
        self.denied.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn is_denied(&self, key: &str) -> bool {
        self.denied().contains(key)
    }
}

impl KmsServer {
    /// Binds `127.0.0.1:0` and serves on the current tokio runtime.
    ///
    /// # Panics
    /// If no loopback port can be bound, or when called outside a tokio runtime.
    pub async fn start() -> KmsServer {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
        KmsServer::start_on(addr)
            .await
            .unwrap_or_else(|e| panic!("KmsServer: cannot bind {addr}: {e}"))
    }

    /// Binds `addr` (e.g. a fixed port for manual use) and serves on the current tokio runtime.
    pub async fn start_on(addr: SocketAddr) -> io::Result<KmsServer> {
        let state = Arc::new(State::default());
        let shared = Arc::clone(&state);
        let listening = serve::listen_on(addr, move |request| {
            handler::handle(Arc::clone(&shared), request)
        })
        .await?;
        Ok(KmsServer { state, listening })
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

    /// Gives the crypto key `key` a new random AES-256 version, creating the key if it is new.
    /// The new version becomes primary, as after a rotation: ciphertexts of older versions
    /// still decrypt (with `usedPrimary: false`). Any name is accepted here; the HTTP side
    /// rejects names that are not `projects/*/locations/*/keyRings/*/cryptoKeys/*`.
    pub fn create_key(&self, key: &str) {
        self.state.keys.create(key);
    }

    /// Whether the crypto key `key` exists.
    #[must_use]
    pub fn has_key(&self, key: &str) -> bool {
        self.state.keys.contains(key)
    }

    /// Encrypts `plaintext` under `key`'s primary version, exactly as `:encrypt` over HTTP
    /// would; creates the key if it is new. Ignores denials and faults: this is the test's
    /// own access, not a client's.
    #[must_use]
    pub fn encrypt(&self, key: &str, plaintext: &[u8]) -> Vec<u8> {
        self.encrypt_with_aad(key, plaintext, b"")
    }

    /// [`KmsServer::encrypt`] with additional authenticated data, which `:decrypt` must then
    /// be given too.
    ///
    /// # Panics
    /// Never in practice: AES-GCM fails only beyond 64 GiB of plaintext.
    #[must_use]
    pub fn encrypt_with_aad(&self, key: &str, plaintext: &[u8], aad: &[u8]) -> Vec<u8> {
        self.state.keys.ensure(key);
        let (_version, ciphertext) = self
            .state
            .keys
            .encrypt(key, plaintext, aad)
            .expect("the key was just ensured and AES-GCM takes any test-sized plaintext");
        ciphertext
    }

    /// Latency and fault injection for every request this server receives.
    #[must_use]
    pub fn faults(&self) -> &Faults {
        &self.state.faults
    }

    /// Makes `:decrypt` and `:encrypt` on `key` fail with 403 `PERMISSION_DENIED`, whether or
    /// not the key exists, as Cloud KMS does for a caller without the IAM permission.
    pub fn deny(&self, key: &str) {
        self.state.denied().insert(key.to_owned());
    }

    /// Undoes [`KmsServer::deny`].
    pub fn allow(&self, key: &str) {
        self.state.denied().remove(key);
    }

    /// While on, decrypt replies carry a `plaintextCrc32c` that does not match the plaintext,
    /// as a corrupted reply would: the caller's CRC check must catch it.
    pub fn set_wrong_plaintext_crc(&self, on: bool) {
        self.state.wrong_plaintext_crc.store(on, Ordering::SeqCst);
    }

    /// While on, decrypt replies leave out `plaintextCrc32c` altogether, as a reply from a
    /// server or proxy that drops the field would: the caller must not take a missing
    /// checksum for a verified one. Takes precedence over
    /// [`KmsServer::set_wrong_plaintext_crc`].
    pub fn set_omit_plaintext_crc(&self, on: bool) {
        self.state.omit_plaintext_crc.store(on, Ordering::SeqCst);
    }

    /// While on, a decrypt request without `ciphertextCrc32c` fails with 400
    /// `INVALID_ARGUMENT` (`"ciphertext_crc32c is required by this test server"`). Cloud KMS
    /// itself treats the field as optional; this lets a test prove that its caller sends it.
    pub fn set_require_ciphertext_crc(&self, on: bool) {
        self.state
            .require_ciphertext_crc
            .store(on, Ordering::SeqCst);
    }

    /// From now on, every request must carry `Authorization: Bearer` with a token `tokens`
    /// issued and not yet expired (a [`MetadataServer`](crate::MetadataServer)'s); any other
    /// is refused with 401 `UNAUTHENTICATED` in Google's JSON, before anything else is looked
    /// at. Counts land in `tokens`. Only the first call takes effect.
    pub fn require_tokens(&self, tokens: TokenBook) {
        let _ = self.state.tokens.set(tokens);
    }

    /// Decrypt requests received so far, failed and faulted ones included.
    #[must_use]
    pub fn decrypt_count(&self) -> usize {
        self.state.decrypts.load(Ordering::SeqCst)
    }

    /// Decrypt requests received so far whose body carried a `ciphertextCrc32c` (any non-null
    /// value, matching or not), failed and faulted ones included, like
    /// [`KmsServer::decrypt_count`].
    #[must_use]
    pub fn decrypts_with_crc_count(&self) -> usize {
        self.state.decrypts_with_crc.load(Ordering::SeqCst)
    }

    /// Requests of any kind received so far.
    #[must_use]
    pub fn request_count(&self) -> usize {
        self.state.requests.load(Ordering::SeqCst)
    }
}

impl std::fmt::Debug for KmsServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Keys are deliberately left out: they are key material.
        f.debug_struct("KmsServer")
            .field("endpoint", &self.endpoint())
            .field("requests", &self.request_count())
            .finish_non_exhaustive()
    }
}
