//! `secrets berglas create` and `secrets berglas access`: objects in berglas v2's format
//! (`pkg/berglas/writer.go` `encryptAndWrite`), readable by berglas itself and by `#[berglas]`
//! fields, and the plaintext of a berglas reference.
//!
//! An object's body is `base64(wrapped data key) ":" base64(nonce || ciphertext || tag)`: a
//! fresh AES-256-GCM key seals the value and Cloud KMS wraps that key with the object's name as
//! additional authenticated data. Its metadata is `berglas-secret: 1` and `berglas-kms-key`,
//! its Cache-Control berglas's.

use std::fmt;

use bytes::Bytes;
use google_cloud_storage::Error;
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use secrets_runtime::berglas::{self, KMS_KEY_METADATA};
use secrets_runtime::gcp::storage_client_from_env;
use secrets_runtime::local::LocalStore;
use secrets_runtime::{ErrorKind, ExposeSecret, ObjectStore};

use crate::backend::Backend;
use crate::fail::{self, Failure, Result};
use crate::resolve::Resolver;
use crate::{input, output};

/// berglas's marker that an object is one of its secrets.
const SECRET_METADATA: (&str, &str) = ("berglas-secret", "1");
/// berglas's Cache-Control for secrets: no cache anywhere keeps a copy.
pub const CACHE_CONTROL: &str = "private, no-cache, no-store, no-transform, max-age=0";
/// What Go sniffs from berglas's text body, as berglas sets no Content-Type itself.
const CONTENT_TYPE: &str = "text/plain; charset=utf-8";
/// What a reference must escape in an object name to read back the same in berglas's URL
/// parsing: `%`, `?`, `#`, spaces and control characters.
const REFERENCE_ESCAPES: &AsciiSet = &CONTROLS.add(b' ').add(b'%').add(b'?').add(b'#');

/// `BUCKET/OBJECT`, as `berglas create` takes it (`gs://` before it allowed).
#[derive(Clone, Debug)]
pub struct ObjectPath {
    bucket: String,
    object: String,
}

impl ObjectPath {
    /// The bucket and object, each held to Cloud Storage's naming rules. Parsed after clap,
    /// whose message would quote the text: a value typed in place of the path.
    pub fn parse(text: &str) -> std::result::Result<ObjectPath, String> {
        let path = text.strip_prefix("gs://").unwrap_or(text);
        let Some((bucket, object)) = path.split_once('/') else {
            return Err("write BUCKET/OBJECT".into());
        };
        secrets_names::blind::check_bucket_name(bucket)?;
        secrets_names::blind::check_object_name(object)?;
        Ok(ObjectPath {
            bucket: bucket.to_owned(),
            object: object.to_owned(),
        })
    }

    /// The reference berglas and `#[berglas]` read the object by, pinned to `generation`.
    fn reference(&self, generation: Option<i64>) -> String {
        let object = utf8_percent_encode(&self.object, REFERENCE_ESCAPES);
        match generation {
            Some(generation) => format!("berglas://{}/{object}#{generation}", self.bucket),
            None => format!("berglas://{}/{object}", self.bucket),
        }
    }
}

impl fmt::Display for ObjectPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "gs://{}/{}", self.bucket, self.object)
    }
}

/// `secrets berglas create`, as the command line gives it.
pub struct Create<'a> {
    pub path: &'a ObjectPath,
    pub key: &'a str,
    /// `VALUE`, `@FILE`, or stdin.
    pub value: Option<&'a str>,
    pub overwrite: bool,
}

/// Writes the object and prints its reference, pinned to the generation written when the
/// store has generations.
pub fn create(backend: &Backend, request: &Create<'_>) -> Result<()> {
    let Create {
        path, key, value, ..
    } = request;
    let plaintext = input::value(*value)?;
    // berglas binds the data key to the object's name alone: no bucket, no generation.
    let body = berglas::seal(&plaintext, |dek| {
        backend.encrypt(key, dek, path.object.as_bytes())
    })?;
    let metadata = [SECRET_METADATA, (KMS_KEY_METADATA, key)];
    let generation = match backend.local_dir() {
        Some(dir) => {
            let store = LocalStore::new(dir);
            if !request.overwrite && exists_locally(backend, &store, path)? {
                return Err(exists(path));
            }
            store.put_with_metadata(&path.bucket, &path.object, body.as_bytes(), &metadata)?;
            // The local store keeps one generation: nothing to pin.
            None
        }
        None => Some(upload(backend, request, body, &metadata)?),
    };
    output::note(&format!("wrote {path}, sealed with {key}"));
    output::line(&path.reference(generation))
}

fn exists_locally(backend: &Backend, store: &LocalStore, path: &ObjectPath) -> Result<bool> {
    let read = store.read(&path.bucket, &path.object, usize::MAX);
    match backend.block_on(read) {
        Ok(found) => Ok(found.is_some()),
        // No bucket directory yet: writing makes it.
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// A multipart upload through Google's client, refused if the object exists unless asked to
/// replace it; the new generation.
fn upload(
    backend: &Backend,
    request: &Create<'_>,
    body: String,
    metadata: &[(&str, &str)],
) -> Result<i64> {
    let path = request.path;
    let client = backend.block_on(storage_client_from_env())?;
    // Given up front, Cloud Storage checks the upload against it (and the client does not
    // send it after the body, a third multipart part emulators misread).
    let crc = crc32c::crc32c(body.as_bytes());
    let mut write = client
        .write_object(
            format!("projects/_/buckets/{}", path.bucket),
            &path.object,
            Bytes::from(body),
        )
        .with_known_crc32c(crc)
        .set_metadata(metadata.iter().copied())
        .set_cache_control(CACHE_CONTROL)
        .set_content_type(CONTENT_TYPE);
    if !request.overwrite {
        // berglas create's `DoesNotExist` precondition.
        write = write.set_if_generation_match(0);
    }
    match backend.block_on(write.send_unbuffered()) {
        Ok(object) => Ok(object.generation),
        Err(e) => Err(upload_failure(&e, path)),
    }
}

fn upload_failure(err: &Error, path: &ObjectPath) -> Failure {
    match err.http_status_code() {
        Some(412) => exists(path),
        Some(404) => Failure::new(format!(
            "cannot write {path}: bucket {} does not exist (or the caller may not see it)",
            path.bucket
        )),
        Some(401 | 403) => Failure::new(format!(
            "cannot write {path}: the caller needs roles/storage.objectCreator on the bucket (roles/storage.objectUser to replace an object): {}",
            fail::google(err)
        )),
        _ => Failure::new(format!("cannot write {path}: {}", fail::google(err))),
    }
}

fn exists(path: &ObjectPath) -> Failure {
    Failure::new(format!(
        "{path} exists already: give --overwrite to replace it, as `berglas update` does"
    ))
}

/// Prints the plaintext a reference names, as `berglas access` does: the bytes alone.
pub fn access(backend: &Backend, reference: &str) -> Result<()> {
    let resolver = Resolver::new(backend);
    let value = backend
        .block_on(resolver.resolve(reference, "the reference"))
        .map_err(Failure::new)?;
    output::bytes(value.expose_secret())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_bucket_then_object_with_or_without_gs() {
        for text in [
            "my-bucket/path/to/app.json",
            "gs://my-bucket/path/to/app.json",
        ] {
            let path = ObjectPath::parse(text).unwrap();
            assert_eq!(
                (path.bucket.as_str(), path.object.as_str()),
                ("my-bucket", "path/to/app.json")
            );
        }
        assert_eq!(
            ObjectPath::parse("my-bucket").unwrap_err(),
            "write BUCKET/OBJECT"
        );
        assert!(
            ObjectPath::parse("My_Bucket!/o")
                .unwrap_err()
                .contains("bucket name")
        );
        assert!(ObjectPath::parse("my-bucket/..").is_err());
        let why = ObjectPath::parse("S3cr3t!/o").unwrap_err();
        assert!(!why.contains("S3cr3t"), "{why}");
    }

    #[test]
    fn references_escape_what_berglas_would_read_otherwise() {
        let path = ObjectPath::parse("b-1/dir/a b?c#d%e").unwrap();
        assert_eq!(
            path.reference(Some(7)),
            "berglas://b-1/dir/a%20b%3Fc%23d%25e#7"
        );
        assert_eq!(
            ObjectPath::parse("b-1/plain").unwrap().reference(None),
            "berglas://b-1/plain"
        );
    }
}
