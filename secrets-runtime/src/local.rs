//! The local backend: a key ring and buckets in a directory, for development with no cloud.
//!
//! Select it for [`Secrets::load`](crate::Secrets::load) by setting `SECRETS_LOCAL_DIR` to a
//! directory laid out as:
//!
//! ```text
//! $SECRETS_LOCAL_DIR/
//!   kms/projects/p/locations/global/keyRings/r/cryptoKeys/k.key   32 raw bytes, AES-256-GCM key
//!   gcs/my-bucket/app1                                            object `app1` of `my-bucket`
//!   aws-kms/1234abcd-12ab-34cd-56ef-1234567890ab.key              an AWS KMS key, as kms/ keys are
//!   aws-kms/alias/app                                             text: the key id alias/app names
//!   s3/my-bucket/app1.json                                        S3 object `app1.json` of `my-bucket`
//!   aws-secrets/prod/db                                           Secrets Manager secret `prod/db`
//!   aws-secret-versions/AWSPREVIOUS/prod/db                       its version labelled AWSPREVIOUS
//!   ssm/prod/api/token                                            parameter `/prod/api/token`
//!   ssm-versions/3/prod/api/token                                 `/prod/api/token:3`
//! ```
//!
//! (`secretmanager/` and `files/` are described by [`LocalSecretManager`] and [`LocalFiles`];
//! the AWS entries, ARNs included, by [`LocalAwsKms`], [`LocalAwsSecrets`] and
//! [`LocalParameters`].)
//!
//! The bucket layout is the one `fake-gcs-server -data DIR` serves, so the same directory
//! works with that emulator. Ciphertext is the in-memory key ring's format
//! (`nonce || ciphertext || tag`, key name bound as associated data): it is not Cloud KMS
//! ciphertext and Cloud KMS cannot decrypt it, nor the other way round. AWS KMS ciphertext
//! here is [`MemoryAwsKms`](crate::memory::MemoryAwsKms)'s blob, which names its key as AWS
//! KMS's do, and which AWS KMS cannot decrypt either.

use std::fs;
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

use zeroize::Zeroizing;

use crate::aead::{self, KeyBytes};
use crate::backend::{BoxFuture, Kms, ObjectStore, SecretBytes, StoredObject, ready};
use crate::convert::buffer::extend_wiped;
use crate::kinds::gcs::Scheme;
use crate::{BackendError, ErrorKind};

mod aws;
mod files;
mod secrets;

pub use aws::{LocalAwsKms, LocalAwsSecrets, LocalParameters};
pub use files::{LocalFiles, OsFiles};
pub use secrets::LocalSecretManager;

/// The env var that selects the local backend for `load()` and names its directory.
pub const DIR_ENV: &str = "SECRETS_LOCAL_DIR";

/// A key ring of AES-256-GCM keys stored as files under `<dir>/kms/`.
#[derive(Debug, Clone)]
pub struct LocalKms {
    root: PathBuf,
}

impl LocalKms {
    /// The key ring under `<dir>/kms/`; nothing is read until a key is used.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self {
            root: dir.into().join("kms"),
        }
    }

    /// Creates the key `name` with a random value, unless it exists already.
    pub fn create_key(&self, name: &str) -> Result<(), BackendError> {
        create_key_file(&self.key_path(name)?)
    }

    /// Encrypts `plaintext` under the existing key `name`.
    pub fn encrypt(&self, name: &str, plaintext: &[u8]) -> Result<Vec<u8>, BackendError> {
        self.encrypt_with_aad(name, plaintext, &[])
    }

    /// [`encrypt`](Self::encrypt), in base64: what the env var of a `#[kms]` field holds.
    pub fn encrypt_base64(&self, name: &str, plaintext: &[u8]) -> Result<String, BackendError> {
        let ciphertext = self.encrypt(name, plaintext)?;
        Ok(base64::Engine::encode(
            &base64::prelude::BASE64_STANDARD,
            ciphertext,
        ))
    }

    /// Encrypts `plaintext` under the existing key `name`, bound to additional authenticated
    /// data `aad`, which decrypting must then give again.
    pub fn encrypt_with_aad(
        &self,
        name: &str,
        plaintext: &[u8],
        aad: &[u8],
    ) -> Result<Vec<u8>, BackendError> {
        let key = self.load_key(name)?;
        Ok(aead::seal(&key, name, aad, plaintext))
    }

    fn key_path(&self, name: &str) -> Result<PathBuf, BackendError> {
        // The name's shape (checked here) keeps the path inside the key ring: every segment
        // is a plain id, never `..` or empty.
        secrets_names::check_kms_key_name(name)
            .map_err(|why| BackendError::new(ErrorKind::Invalid, why))?;
        Ok(self.root.join(format!("{name}.key")))
    }

    fn load_key(&self, name: &str) -> Result<KeyBytes, BackendError> {
        read_key_file(&self.key_path(name)?, name)
    }
}

/// Writes a new random key to `path`, unless a key is there already.
pub(crate) fn create_key_file(path: &Path) -> Result<(), BackendError> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(|e| io_error(path, &e))?;
    }
    // `create_new`: two processes creating the same key must not replace each other's.
    match write_private(path, aead::generate_key().as_slice(), true) {
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        written => written.map_err(|e| io_error(path, &e)),
    }
}

/// The key `name` kept at `path`: 32 raw bytes, or an error that says what is wrong.
pub(crate) fn read_key_file(path: &Path, name: &str) -> Result<KeyBytes, BackendError> {
    let mut key = KeyBytes::default();
    let read = fs::File::open(path).and_then(|mut file| {
        file.read_exact(key.as_mut_slice())?;
        // A key file of another length is not ours: refuse it rather than guess.
        match file.read(&mut [0u8; 1])? {
            0 => Ok(()),
            _ => Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "key file is not 32 bytes",
            )),
        }
    });
    match read {
        Ok(()) => Ok(key),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Err(BackendError::new(
            ErrorKind::NotFound,
            format!("key {name} not found (no file {})", path.display()),
        )),
        Err(e) => Err(io_error(path, &e)),
    }
}

impl Kms for LocalKms {
    fn decrypt<'a>(
        &'a self,
        key: &'a str,
        ciphertext: &'a [u8],
    ) -> BoxFuture<'a, Result<SecretBytes, BackendError>> {
        self.decrypt_with_aad(key, ciphertext, &[])
    }

    fn decrypt_with_aad<'a>(
        &'a self,
        key: &'a str,
        ciphertext: &'a [u8],
        aad: &'a [u8],
    ) -> BoxFuture<'a, Result<SecretBytes, BackendError>> {
        ready(
            self.load_key(key)
                .and_then(|bytes| aead::open(&bytes, key, aad, ciphertext)),
        )
    }
}

/// Buckets stored as directories under `<dir>/gcs/` (Cloud Storage) or `<dir>/s3/` (S3, made
/// by [`LocalStore::s3`]), one file per object.
#[derive(Debug, Clone)]
pub struct LocalStore {
    root: PathBuf,
    scheme: Scheme,
}

impl LocalStore {
    /// The Cloud Storage buckets under `<dir>/gcs/`; nothing is read until an object is.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self::under(&dir.into(), Scheme::Gs)
    }

    /// The S3 buckets under `<dir>/s3/`, for `#[s3]` fields: bucket and object names follow
    /// S3's rules, and messages name objects `s3://bucket/object`.
    pub fn s3(dir: impl Into<PathBuf>) -> Self {
        Self::under(&dir.into(), Scheme::S3)
    }

    fn under(dir: &Path, scheme: Scheme) -> Self {
        Self {
            root: dir.join(store_dir(scheme)),
            scheme,
        }
    }

    /// Writes (or replaces) an object, creating its bucket directory.
    pub fn put(&self, bucket: &str, object: &str, bytes: &[u8]) -> Result<(), BackendError> {
        let path = self.object_path(bucket, object)?;
        write_creating(&path, bytes)
    }

    /// Writes (or replaces) an object with custom metadata, kept as a JSON object of strings
    /// in `<dir>/gcs-metadata/<bucket>/<object>` (outside `gcs/`, which fake-gcs-server
    /// would serve as objects; `s3-metadata/` for S3).
    pub fn put_with_metadata(
        &self,
        bucket: &str,
        object: &str,
        bytes: &[u8],
        metadata: &[(&str, &str)],
    ) -> Result<(), BackendError> {
        self.put(bucket, object, bytes)?;
        let map: serde_json::Map<String, serde_json::Value> = metadata
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).into()))
            .collect();
        let path = self.metadata_path(bucket, object)?;
        write_creating(&path, serde_json::Value::Object(map).to_string().as_bytes())
    }

    fn metadata_path(&self, bucket: &str, object: &str) -> Result<PathBuf, BackendError> {
        let path = self.object_path(bucket, object)?;
        let relative = path.strip_prefix(&self.root).unwrap_or(&path);
        let dir = self.root.parent().unwrap_or(&self.root);
        Ok(dir
            .join(format!("{}-metadata", store_dir(self.scheme)))
            .join(relative))
    }

    fn metadata(&self, bucket: &str, object: &str) -> Result<Vec<(String, String)>, BackendError> {
        let path = self.metadata_path(bucket, object)?;
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_error(&path, &e)),
        };
        let map: std::collections::BTreeMap<String, String> =
            serde_json::from_str(&text).map_err(|_| {
                BackendError::new(
                    ErrorKind::Invalid,
                    format!("{} is not a JSON object of strings", path.display()),
                )
            })?;
        Ok(map.into_iter().collect())
    }

    fn object_path(&self, bucket: &str, object: &str) -> Result<PathBuf, BackendError> {
        let invalid = |why| BackendError::new(ErrorKind::Invalid, why);
        match self.scheme {
            Scheme::Gs => {
                secrets_names::check_bucket_name(bucket).map_err(invalid)?;
                secrets_names::check_object_name(object).map_err(invalid)?;
            }
            Scheme::S3 => {
                secrets_names::aws::check_s3_bucket_name(bucket).map_err(invalid)?;
                secrets_names::aws::check_s3_object_key(object).map_err(invalid)?;
            }
        }
        Ok(self
            .root
            .join(bucket)
            .join(plain_path("object name", object)?))
    }

    fn read_now(
        &self,
        bucket: &str,
        object: &str,
        max_bytes: usize,
    ) -> Result<Option<SecretBytes>, BackendError> {
        let path = self.object_path(bucket, object)?;
        let file = match fs::File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return if self.root.join(bucket).is_dir() {
                    Ok(None)
                } else {
                    Err(self.scheme.bucket_not_found(bucket))
                };
            }
            Err(e) => return Err(io_error(&path, &e)),
        };
        let len = file.metadata().map_err(|e| io_error(&path, &e))?.len();
        self.scheme
            .check_object_size(bucket, object, len, max_bytes)?;
        let scheme = self.scheme.as_str();
        let what = format_args!("object {scheme}://{bucket}/{object}");
        read_capped(file, &path, &what, len, max_bytes).map(Some)
    }
}

/// The directory a store's buckets are in.
fn store_dir(scheme: Scheme) -> &'static str {
    match scheme {
        Scheme::Gs => "gcs",
        Scheme::S3 => "s3",
    }
}

/// `name` (`what`, for the message) as a relative path: its `/`-separated parts, each a plain
/// name (no empty part, no `.` or `..`, no root or prefix on any platform's idea of a path),
/// so that it stays inside the directory it is joined to.
pub(crate) fn plain_path<'a>(what: &str, name: &'a str) -> Result<&'a Path, BackendError> {
    let relative = Path::new(name);
    let plain = name.split('/').all(|part| !part.is_empty())
        && relative
            .components()
            .all(|part| matches!(part, Component::Normal(_)));
    if !plain {
        return Err(BackendError::new(
            ErrorKind::Invalid,
            format!(
                "{what} `{name}` has an empty, `.` or `..` part, which the local backend cannot store"
            ),
        ));
    }
    Ok(relative)
}

/// Reads all of `file`, sized for `len` bytes up front. The file may grow after its size was
/// read: the buffer then grows by hand, wiping what it leaves (`read_to_end` would `realloc`
/// it unwiped), and each new total is checked against the cap before it is kept.
pub(crate) fn read_capped(
    mut file: impl Read,
    path: &Path,
    what: &dyn std::fmt::Display,
    len: u64,
    max_bytes: usize,
) -> Result<SecretBytes, BackendError> {
    let mut bytes = SecretBytes::new(Vec::with_capacity(
        usize::try_from(len).unwrap_or(max_bytes).min(max_bytes),
    ));
    let mut chunk = Zeroizing::new([0u8; 8192]);
    loop {
        let read = match file.read(chunk.as_mut_slice()) {
            Ok(0) => return Ok(bytes),
            Ok(read) => read,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(io_error(path, &e)),
        };
        if bytes.len() + read > max_bytes {
            // Its size said otherwise (a file still being written, `/dev/zero`): how much more
            // there is, nobody knows.
            return Err(BackendError::new(
                ErrorKind::TooLarge,
                format!("{what} holds more than the cap of {max_bytes} bytes"),
            ));
        }
        extend_wiped(&mut bytes, &chunk[..read], max_bytes);
    }
}

impl ObjectStore for LocalStore {
    fn read<'a>(
        &'a self,
        bucket: &'a str,
        object: &'a str,
        max_bytes: usize,
    ) -> BoxFuture<'a, Result<Option<SecretBytes>, BackendError>> {
        // Blocking file reads of a few KiB at boot: cheaper than a thread hop, and this
        // backend is for development.
        ready(self.read_now(bucket, object, max_bytes))
    }

    fn read_with_metadata<'a>(
        &'a self,
        bucket: &'a str,
        object: &'a str,
        generation: Option<i64>,
        max_bytes: usize,
    ) -> BoxFuture<'a, Result<Option<StoredObject>, BackendError>> {
        if generation.is_some() {
            return ready(Err(crate::memory::one_generation(bucket, object)));
        }
        let read = self.read_now(bucket, object, max_bytes).and_then(|found| {
            let Some(bytes) = found else { return Ok(None) };
            let metadata = self.metadata(bucket, object)?;
            Ok(Some(StoredObject { bytes, metadata }))
        });
        ready(read)
    }
}

/// Writes a private file, creating its directory.
fn write_creating(path: &Path, bytes: &[u8]) -> Result<(), BackendError> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(|e| io_error(path, &e))?;
    }
    write_private(path, bytes, false).map_err(|e| io_error(path, &e))
}

pub(crate) fn io_error(path: &Path, e: &io::Error) -> BackendError {
    BackendError::new(ErrorKind::Other, format!("{}: {e}", path.display()))
}

/// Writes a file only its owner can read: it holds a key or a secret. The mode is set on an
/// existing file too, since `mode` applies only when the file is created.
pub(crate) fn write_private(path: &Path, bytes: &[u8], create_new: bool) -> io::Result<()> {
    use std::io::Write;
    let mut options = fs::OpenOptions::new();
    options.write(true);
    if create_new {
        options.create_new(true);
    } else {
        options.create(true).truncate(true);
    }
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    #[cfg(unix)]
    file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
    file.write_all(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file that holds `content` but whose size, read before, was `len`.
    fn read(content: &[u8], len: u64, max_bytes: usize) -> Result<SecretBytes, BackendError> {
        read_capped(content, Path::new("f"), &"f", len, max_bytes)
    }

    /// Hands out at most 3 bytes per read, as a file being written may.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = buf.len().min(3).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn a_file_that_grew_after_its_size_was_read_is_read_whole() {
        let content: Vec<u8> = (0..20_000u32).map(|i| (i % 251) as u8).collect();
        let bytes = read(&content, 10, 1 << 20).unwrap();
        assert_eq!(bytes.as_slice(), content.as_slice());
        let trickled = b"0123456789abcdefghij";
        let bytes = read_capped(Trickle(trickled), Path::new("f"), &"f", 4, 100).unwrap();
        assert_eq!(bytes.as_slice(), trickled);
        // Grown by hand, doubling from the size read (4, 8, 16, 32) each time it was full,
        // not by `Vec`'s own growth, which would `realloc` the secret unwiped.
        assert_eq!(bytes.capacity(), 32);
    }

    #[test]
    fn a_file_that_grew_past_the_cap_is_refused() {
        let err = read(&[7; 300], 10, 100).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TooLarge);
        assert_eq!(err.message(), "f holds more than the cap of 100 bytes");
        let exact = read(&[7; 100], 10, 100).unwrap();
        // Growth stops at the cap: no buffer larger than an object may be.
        assert_eq!((exact.len(), exact.capacity()), (100, 100));
    }

    #[test]
    fn a_file_of_the_size_read_is_read_into_one_exact_buffer() {
        let bytes = read(b"s3cr3t", 6, 100).unwrap();
        assert_eq!(
            (bytes.as_slice(), bytes.capacity()),
            (b"s3cr3t".as_slice(), 6)
        );
    }
}
