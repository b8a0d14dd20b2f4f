//! In-memory backends, so that users can test their own configs with no cloud and no server.
//!
//! Each is a cheap handle: clones share the same keys and objects, so a test can keep one
//! handle to seed data and count requests while [`Sources`](crate::Sources) holds another.
//!
//! The AWS sources have theirs: [`MemoryAwsKms`], [`MemoryAwsSecrets`], [`MemoryParameters`],
//! and [`MemoryStore::s3`] for S3 (the object store Cloud Storage fields read, naming its
//! objects `s3://`).

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::aead::{self, KeyBytes};
use crate::backend::{BoxFuture, Kms, ObjectStore, SecretBytes, StoredObject, ready};
use crate::kinds::gcs::Scheme;
use crate::{BackendError, ErrorKind};

pub(crate) mod aws_blob;
mod aws_kms;
mod aws_secrets;
mod files;
mod parameters;
pub(crate) mod secrets;

pub use aws_kms::MemoryAwsKms;
pub use aws_secrets::MemoryAwsSecrets;
pub use files::MemoryFiles;
pub use parameters::MemoryParameters;
pub use secrets::MemorySecretManager;

/// A key ring in memory: real AES-256-GCM, one random key per key name, made on first use.
///
/// ```
/// use secrets_runtime::memory::MemoryKms;
/// let kms = MemoryKms::new();
/// let ciphertext = kms.encrypt("projects/p/locations/global/keyRings/r/cryptoKeys/k", b"s3cr3t");
/// assert_ne!(&ciphertext[..], b"s3cr3t");
/// ```
#[derive(Clone, Default)]
pub struct MemoryKms {
    inner: Arc<KmsInner>,
}

#[derive(Default)]
struct KmsInner {
    keys: Mutex<HashMap<String, KeyBytes>>,
    decrypts: AtomicUsize,
}

impl MemoryKms {
    /// An empty key ring.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Encrypts `plaintext` under `key`, creating the key if it is new.
    // Called for its effect too: encrypting under a new name creates the key.
    #[allow(clippy::must_use_candidate)]
    pub fn encrypt(&self, key: &str, plaintext: &[u8]) -> Vec<u8> {
        self.encrypt_with_aad(key, plaintext, &[])
    }

    /// [`encrypt`](Self::encrypt), in base64: what the env var of a `#[kms]` field holds, as
    /// `gcloud kms encrypt ... | base64` prints it, so that a test needs no base64 crate.
    ///
    /// ```
    /// use secrets_runtime::memory::MemoryKms;
    /// let kms = MemoryKms::new();
    /// let ciphertext = kms.encrypt_base64("projects/p/locations/global/keyRings/r/cryptoKeys/k", b"s3cr3t");
    /// assert!(!ciphertext.contains("s3cr3t"));
    /// ```
    #[must_use]
    pub fn encrypt_base64(&self, key: &str, plaintext: &[u8]) -> String {
        base64::Engine::encode(
            &base64::prelude::BASE64_STANDARD,
            self.encrypt(key, plaintext),
        )
    }

    /// Encrypts `plaintext` under `key` bound to additional authenticated data `aad`, which
    /// decrypting must then give again, creating the key if it is new.
    #[must_use]
    pub fn encrypt_with_aad(&self, key: &str, plaintext: &[u8], aad: &[u8]) -> Vec<u8> {
        let mut keys = lock(&self.inner.keys);
        let key_bytes = keys
            .entry(key.to_owned())
            .or_insert_with(aead::generate_key);
        aead::seal(key_bytes, key, aad, plaintext)
    }

    /// How many decrypt requests this key ring (and its clones) has answered.
    #[must_use]
    pub fn decrypt_count(&self) -> usize {
        self.inner.decrypts.load(Ordering::SeqCst)
    }

    fn decrypt_now(
        &self,
        key: &str,
        ciphertext: &[u8],
        aad: &[u8],
    ) -> Result<SecretBytes, BackendError> {
        self.inner.decrypts.fetch_add(1, Ordering::SeqCst);
        let keys = lock(&self.inner.keys);
        let key_bytes = keys.get(key).ok_or_else(|| {
            BackendError::new(ErrorKind::NotFound, format!("key {key} not found"))
        })?;
        aead::open(key_bytes, key, aad, ciphertext)
    }
}

impl Kms for MemoryKms {
    fn decrypt<'a>(
        &'a self,
        key: &'a str,
        ciphertext: &'a [u8],
    ) -> BoxFuture<'a, Result<SecretBytes, BackendError>> {
        ready(self.decrypt_now(key, ciphertext, &[]))
    }

    fn decrypt_with_aad<'a>(
        &'a self,
        key: &'a str,
        ciphertext: &'a [u8],
        aad: &'a [u8],
    ) -> BoxFuture<'a, Result<SecretBytes, BackendError>> {
        ready(self.decrypt_now(key, ciphertext, aad))
    }
}

impl fmt::Debug for MemoryKms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keys = lock(&self.inner.keys);
        let mut names: Vec<&String> = keys.keys().collect();
        names.sort();
        f.debug_struct("MemoryKms")
            .field("keys", &names)
            .finish_non_exhaustive()
    }
}

/// Buckets of objects in memory, for `#[gcs]` fields, and for `#[s3]` fields as made by
/// [`MemoryStore::s3`] (the same store, whose messages name objects `s3://bucket/object`).
///
/// ```
/// use secrets_runtime::memory::MemoryStore;
/// let gcs = MemoryStore::new().with_object("my-bucket", "app1", br#"{"username":"u"}"#.to_vec());
/// assert_eq!(gcs.read_count(), 0);
/// ```
#[derive(Clone, Default)]
pub struct MemoryStore {
    inner: Arc<StoreInner>,
}

/// Objects, with their custom metadata, by (bucket, object name).
type Objects = HashMap<(String, String), (Arc<[u8]>, Metadata)>;
type Metadata = Arc<[(String, String)]>;

#[derive(Default)]
struct StoreInner {
    objects: Mutex<Objects>,
    reads: AtomicUsize,
    scheme: Scheme,
}

impl MemoryStore {
    /// An empty store.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty store standing in for S3, for [`SourcesBuilder::s3`](crate::SourcesBuilder::s3):
    /// the same store, whose messages name objects `s3://bucket/object`.
    ///
    /// ```
    /// use secrets_runtime::memory::MemoryStore;
    /// let s3 = MemoryStore::s3().with_object("cfg", "app1.json", br#"{"username":"u"}"#.to_vec());
    /// let sources = secrets_runtime::Sources::builder().s3(s3).build();
    /// # let _ = sources;
    /// ```
    #[must_use]
    pub fn s3() -> Self {
        let inner = StoreInner {
            scheme: Scheme::S3,
            ..StoreInner::default()
        };
        Self {
            inner: Arc::new(inner),
        }
    }

    /// Adds (or replaces) an object and returns the store, for building one in an expression.
    #[must_use]
    pub fn with_object(self, bucket: &str, object: &str, bytes: impl Into<Vec<u8>>) -> Self {
        self.insert(bucket, object, bytes);
        self
    }

    /// Adds (or replaces) an object; every clone of this store sees it.
    pub fn insert(&self, bucket: &str, object: &str, bytes: impl Into<Vec<u8>>) {
        self.insert_with_metadata(bucket, object, bytes, &[]);
    }

    /// Adds (or replaces) an object with custom metadata (`berglas-kms-key`, say).
    pub fn insert_with_metadata(
        &self,
        bucket: &str,
        object: &str,
        bytes: impl Into<Vec<u8>>,
        metadata: &[(&str, &str)],
    ) {
        let metadata = metadata
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect();
        let mut objects = lock(&self.inner.objects);
        let key = (bucket.to_owned(), object.to_owned());
        objects.insert(key, (bytes.into().into(), metadata));
    }

    /// How many read requests this store (and its clones) has answered.
    #[must_use]
    pub fn read_count(&self) -> usize {
        self.inner.reads.load(Ordering::SeqCst)
    }

    fn read_now(
        &self,
        bucket: &str,
        object: &str,
        max_bytes: usize,
    ) -> Result<Option<StoredObject>, BackendError> {
        self.inner.reads.fetch_add(1, Ordering::SeqCst);
        let scheme = self.inner.scheme;
        let objects = lock(&self.inner.objects);
        let Some((bytes, metadata)) = objects.get(&(bucket.to_owned(), object.to_owned())) else {
            // A bucket exists here once it holds an object.
            return if objects.keys().any(|(b, _)| b == bucket) {
                Ok(None)
            } else {
                Err(scheme.bucket_not_found(bucket))
            };
        };
        scheme.check_object_size(bucket, object, bytes.len() as u64, max_bytes)?;
        Ok(Some(StoredObject {
            bytes: SecretBytes::new(bytes.to_vec()),
            metadata: metadata.to_vec(),
        }))
    }
}

impl ObjectStore for MemoryStore {
    fn read<'a>(
        &'a self,
        bucket: &'a str,
        object: &'a str,
        max_bytes: usize,
    ) -> BoxFuture<'a, Result<Option<SecretBytes>, BackendError>> {
        let read = self.read_now(bucket, object, max_bytes);
        ready(read.map(|found| found.map(|object| object.bytes)))
    }

    fn read_with_metadata<'a>(
        &'a self,
        bucket: &'a str,
        object: &'a str,
        generation: Option<i64>,
        max_bytes: usize,
    ) -> BoxFuture<'a, Result<Option<StoredObject>, BackendError>> {
        if generation.is_some() {
            return ready(Err(one_generation(bucket, object)));
        }
        ready(self.read_now(bucket, object, max_bytes))
    }
}

/// The memory and local stores keep the live generation of each object only.
pub(crate) fn one_generation(bucket: &str, object: &str) -> BackendError {
    BackendError::new(
        ErrorKind::Unconfigured,
        format!(
            "object gs://{bucket}/{object}: this store keeps one generation of each object, so a reference that pins one cannot be read from it"
        ),
    )
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let objects = lock(&self.inner.objects);
        let scheme = self.inner.scheme.as_str();
        let mut names: Vec<String> = objects
            .keys()
            .map(|(b, o)| format!("{scheme}://{b}/{o}"))
            .collect();
        names.sort();
        f.debug_struct("MemoryStore")
            .field("objects", &names)
            .finish_non_exhaustive()
    }
}

/// The names each call of a batch API carried, kept so that a test can assert how a load
/// grouped its requests.
#[derive(Default)]
pub(crate) struct Calls(Mutex<Vec<Vec<String>>>);

impl Calls {
    /// Records a call of `api` (which takes at most `max` names), or refuses one that carries
    /// more, as AWS does.
    fn record<'a>(
        &self,
        api: &str,
        max: usize,
        names: impl ExactSizeIterator<Item = &'a str>,
    ) -> Result<(), BackendError> {
        let len = names.len();
        lock(&self.0).push(names.map(str::to_owned).collect());
        if len > max {
            return Err(BackendError::new(
                ErrorKind::Invalid,
                format!("{api} takes at most {max} names at once, not {len}"),
            ));
        }
        Ok(())
    }

    fn count(&self) -> usize {
        lock(&self.0).len()
    }

    fn all(&self) -> Vec<Vec<String>> {
        lock(&self.0).clone()
    }
}

/// The names a map holds, sorted: what the memory backends' `Debug` shows, never a value.
fn sorted_names<V>(map: &HashMap<String, V>) -> Vec<&str> {
    let mut names: Vec<&str> = map.keys().map(String::as_str).collect();
    names.sort_unstable();
    names
}

/// The state behind a lock, even if a thread panicked while holding it: every update here is
/// a single insert, so a poisoned map is still consistent.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
