//! Cloud Storage through `google-cloud-storage`: whole small objects, capped in size. The
//! client checks the object's CRC32C (`x-goog-hash`) as it reads.

use google_cloud_gax::retry_policy::NeverRetry;
use google_cloud_storage::client::Storage;
use google_cloud_storage::error::ReadError;
use google_cloud_storage::read_resume_policy::NeverResume;

use super::kms::wipe;
use super::status::{Resource, backend_error, build_error, caused_by};
use super::{credentials_for, with_scheme};
use crate::backend::{BoxFuture, ObjectStore, SecretBytes};
use crate::kinds::gcs::{bucket_not_found, check_object_size as check_size};
use crate::{BackendError, ErrorKind};

/// The role that grants `storage.objects.get`.
const VIEWER: &str = "roles/storage.objectViewer";

/// Cloud Storage: reads objects with the function's own identity.
#[derive(Debug, Clone)]
pub struct GcpStore {
    client: Storage,
}

impl GcpStore {
    /// Wraps a client built elsewhere. Turn its retries off (`NeverRetry`) so that the
    /// loader's deadline is the only one.
    #[must_use]
    pub fn new(client: Storage) -> Self {
        Self { client }
    }

    /// A client with Application Default Credentials, or at `endpoint` (`host:port` or a URL,
    /// as `STORAGE_EMULATOR_HOST` gives it) with anonymous credentials.
    pub async fn connect(endpoint: Option<String>) -> Result<Self, BackendError> {
        let mut builder = Storage::builder()
            .with_retry_policy(NeverRetry)
            .with_read_resume_policy(NeverResume);
        if let Some(endpoint) = &endpoint {
            builder = builder.with_endpoint(with_scheme(endpoint));
        }
        if let Some(credentials) = credentials_for(endpoint.as_deref()) {
            builder = builder.with_credentials(credentials);
        }
        let client = builder
            .build()
            .await
            .map_err(|e| build_error("Cloud Storage", &e))?;
        Ok(Self::new(client))
    }

    async fn read_now(
        &self,
        bucket: &str,
        object: &str,
        max_bytes: usize,
    ) -> Result<Option<SecretBytes>, BackendError> {
        let name = format!("object gs://{bucket}/{object}");
        let resource = Resource {
            name: &name,
            role: VIEWER,
            invalid: ErrorKind::Invalid,
        };
        let fail = |e: &google_cloud_storage::Error| {
            if let Some(ReadError::ChecksumMismatch(_)) = caused_by::<ReadError>(e) {
                // Not the checksums themselves: the CRC of a short secret can be brute-forced.
                return BackendError::new(
                    ErrorKind::Integrity,
                    format!(
                        "{name}: the bytes read do not match the object's checksum; the value was not used"
                    ),
                );
            }
            backend_error(e, &resource)
        };
        let request = self
            .client
            .read_object(format!("projects/_/buckets/{bucket}"), object)
            // An object stored with `Content-Encoding: gzip` is read as what it holds.
            .with_automatic_decompression(true);
        let mut response = match request.send().await {
            Ok(response) => response,
            Err(e) => {
                let error = fail(&e);
                return match error.kind() {
                    // Cloud Storage says which is missing only in words: "No such object"
                    // versus "The specified bucket does not exist".
                    ErrorKind::NotFound if error.message().contains("bucket does not exist") => {
                        Err(bucket_not_found(bucket))
                    }
                    ErrorKind::NotFound => Ok(None),
                    _ => Err(error),
                };
            }
        };
        // The size in the reply's metadata stops a large object before its body is read.
        let size = u64::try_from(response.object().size).unwrap_or(0);
        check_size(bucket, object, size, max_bytes)?;
        // Sized up front: a buffer that grew would leave copies of the secret, unwiped, in
        // the memory it handed back.
        let mut bytes = SecretBytes::new(Vec::with_capacity(
            usize::try_from(size).unwrap_or(max_bytes).min(max_bytes),
        ));
        while let Some(chunk) = response.next().await {
            let chunk = chunk.map_err(|e| fail(&e))?;
            // The metadata could understate the size: count what actually arrives.
            let total = bytes.len() + chunk.len();
            check_size(bucket, object, total as u64, max_bytes)?;
            if bytes.capacity() < total {
                // Grow by hand so that the old buffer is wiped (by `Zeroizing`) when dropped.
                let mut larger = SecretBytes::new(Vec::with_capacity(
                    total.max(bytes.capacity() * 2).min(max_bytes),
                ));
                larger.extend_from_slice(&bytes);
                bytes = larger;
            }
            bytes.extend_from_slice(&chunk);
            wipe(chunk);
        }
        Ok(Some(bytes))
    }
}

impl ObjectStore for GcpStore {
    fn read<'a>(
        &'a self,
        bucket: &'a str,
        object: &'a str,
        max_bytes: usize,
    ) -> BoxFuture<'a, Result<Option<SecretBytes>, BackendError>> {
        Box::pin(self.read_now(bucket, object, max_bytes))
    }
}
