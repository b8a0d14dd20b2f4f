//! Cloud Storage through `google-cloud-storage`: whole small objects, capped in size, each
//! checked against its CRC32C here, gzip-stored ones too. Built and called on the module's
//! own runtime (see `runtime`).

use std::sync::{Arc, OnceLock};

use google_cloud_auth::credentials::{CacheableResource, Credentials};
use google_cloud_gax::error::rpc::Code;
use google_cloud_gax::retry_policy::NeverRetry;
use google_cloud_storage::client::Storage;
use google_cloud_storage::error::ReadError;
use google_cloud_storage::read_resume_policy::NeverResume;

use super::endpoint::{Endpoint, GcpAuth};
use super::gzip::{Gunzip, gunzip};
use super::kms::wipe;
use super::runtime::on_gcp_runtime;
use super::status::{Resource, backend_error, build_error, caused_by, integrity};
use crate::backend::{BoxFuture, ObjectStore, SecretBytes, StoredObject};
use crate::convert::buffer::extend_wiped;
use crate::family::{CloudStorage, Family};
use crate::kinds::gcs::Scheme;
use crate::{BackendError, ErrorKind};

/// Where the client goes when no endpoint is given.
const DEFAULT_ENDPOINT: &str = "https://storage.googleapis.com";

/// Cloud Storage: reads objects with the function's own identity.
#[derive(Debug, Clone)]
pub struct GcpStore {
    client: Storage,
    /// Tells a missing bucket from a missing object; absent for a client built elsewhere,
    /// whose credentials and endpoint are not known here.
    probe: Option<BucketProbe>,
}

/// What a request of our own needs to ask Cloud Storage whether a bucket exists.
#[derive(Debug, Clone)]
struct BucketProbe {
    /// Built on the first 404, if any: a client's build loads the system's CA certificates,
    /// a few milliseconds of a cold start that most loads never need.
    http: Arc<OnceLock<Option<reqwest::Client>>>,
    endpoint: String,
    credentials: Credentials,
}

impl GcpStore {
    /// Wraps a client built elsewhere. Turn its retries off (`NeverRetry`) so that the
    /// loader's deadline is the only one. A missing bucket is then told from a missing object
    /// by Cloud Storage's wording alone.
    #[must_use]
    pub fn new(client: Storage) -> Self {
        Self {
            client,
            probe: None,
        }
    }

    /// A client with Application Default Credentials, or at `endpoint` (`host:port` or a URL,
    /// as `STORAGE_EMULATOR_HOST` gives it) with anonymous credentials
    /// ([`SourcesBuilder::storage_endpoint_with_adc`](crate::SourcesBuilder::storage_endpoint_with_adc)
    /// sends ADC there).
    pub async fn connect(endpoint: Option<String>) -> Result<Self, BackendError> {
        let endpoint = endpoint
            .map(|url| Endpoint::storage(&url, GcpAuth::Anonymous, "the Cloud Storage endpoint"))
            .transpose()?;
        Self::connect_to(endpoint).await
    }

    pub(super) async fn connect_to(endpoint: Option<Endpoint>) -> Result<Self, BackendError> {
        on_gcp_runtime(async move {
            // The probe shares the client's tokens.
            let credentials = Endpoint::credentials_for(endpoint.as_ref(), "Cloud Storage")?;
            let url = endpoint.map_or_else(|| DEFAULT_ENDPOINT.to_owned(), |e| e.url);
            let client = Storage::builder()
                .with_retry_policy(NeverRetry)
                .with_read_resume_policy(NeverResume)
                .with_endpoint(&url)
                .with_credentials(credentials.clone())
                .build()
                .await
                .map_err(|e| build_error("Cloud Storage", &e))?;
            Ok(Self {
                client,
                probe: Some(BucketProbe {
                    http: Arc::default(),
                    endpoint: url,
                    credentials,
                }),
            })
        })
        .await
    }

    async fn read_now(
        &self,
        bucket: &str,
        object: &str,
        generation: Option<i64>,
        max_bytes: usize,
    ) -> Result<Option<StoredObject>, BackendError> {
        let name = format!("object gs://{bucket}/{object}");
        let resource = Resource {
            name: &name,
            role: CloudStorage::PERMISSION,
            invalid: ErrorKind::Invalid,
        };
        let mismatch = || {
            // Not the checksums themselves: the CRC of a short secret can be brute-forced.
            integrity(&name, "the bytes read do not match the object's checksum")
        };
        let fail = |e: &google_cloud_storage::Error| {
            if let Some(ReadError::ChecksumMismatch(_)) = caused_by::<ReadError>(e) {
                return mismatch();
            }
            backend_error(e, &resource)
        };
        // Automatic decompression stays off (the client's default): a gzip-stored object
        // arrives as stored, the bytes its CRC32C covers, and is inflated below.
        let mut request = self
            .client
            .read_object(format!("projects/_/buckets/{bucket}"), object);
        if let Some(generation) = generation {
            request = request.set_generation(generation);
        }
        let mut response = match request.send().await {
            Ok(response) => response,
            Err(e) if is_not_found(&e) => return self.absent(bucket, &e).await,
            Err(e) => return Err(fail(&e)),
        };
        let stored = response.object();
        // The size in the reply's metadata stops a large object before its body is read.
        let size = u64::try_from(stored.size).unwrap_or(0);
        Scheme::Gs.check_object_size(bucket, object, size, max_bytes)?;
        let gzipped = stored.content_encoding.eq_ignore_ascii_case("gzip");
        // From the same reply's headers: berglas's key name costs no request of its own.
        let metadata: Vec<(String, String)> = stored.metadata.into_iter().collect();
        let expected = stored.checksums.and_then(|c| c.crc32c);
        // Sized up front: a buffer that grew would leave copies of the secret, unwiped, in
        // the memory it handed back.
        let mut bytes = SecretBytes::new(Vec::with_capacity(
            usize::try_from(size).unwrap_or(max_bytes).min(max_bytes),
        ));
        let mut crc = 0;
        while let Some(chunk) = response.next().await {
            let chunk = chunk.map_err(|e| fail(&e))?;
            // The metadata could understate the size: count what actually arrives.
            let total = bytes.len() + chunk.len();
            Scheme::Gs.check_object_size(bucket, object, total as u64, max_bytes)?;
            crc = crc32c::crc32c_append(crc, &chunk);
            // Grown by hand, if at all, so that no unwiped copy is left behind.
            extend_wiped(&mut bytes, &chunk, max_bytes);
            wipe(chunk);
        }
        // Checked here for every object: the client skips its own check whenever the bytes
        // it got are not the stored ones (a gzip object served decompressed).
        match expected {
            Some(expected) if expected == crc => {}
            Some(_) => return Err(mismatch()),
            None => {
                return Err(integrity(&name, "the reply carries no CRC32C checksum"));
            }
        }
        let found = |bytes| Ok(Some(StoredObject { bytes, metadata }));
        if !gzipped {
            return found(bytes);
        }
        match gunzip(&bytes, max_bytes) {
            Ok(inflated) => found(inflated),
            Err(Gunzip::TooLarge) => Err(BackendError::new(
                ErrorKind::TooLarge,
                format!(
                    "{name} is stored gzip-compressed and inflates to more than the cap of {max_bytes} bytes"
                ),
            )),
            Err(Gunzip::Invalid(why)) => Err(BackendError::new(
                ErrorKind::Invalid,
                format!("{name} is stored with Content-Encoding gzip, but {why}"),
            )),
        }
    }

    /// After a 404 on an object: `None` when the bucket exists, an error when it does not.
    async fn absent(
        &self,
        bucket: &str,
        err: &google_cloud_storage::Error,
    ) -> Result<Option<StoredObject>, BackendError> {
        let exists = match &self.probe {
            Some(probe) => probe.bucket_exists(bucket).await,
            None => None,
        };
        // Without an answer (a caller allowed `objects.get` but not `objects.list`, a client
        // built elsewhere), Cloud Storage's own message, not ours, which embeds user names.
        let exists = exists.unwrap_or_else(|| {
            !err.status()
                .is_some_and(|s| s.message.contains("bucket does not exist"))
        });
        if exists {
            Ok(None)
        } else {
            Err(Scheme::Gs.bucket_not_found(bucket))
        }
    }
}

impl BucketProbe {
    /// Lists at most one object of `bucket`, which needs only `storage.objects.list` (in
    /// `roles/storage.objectViewer`), where a bucket metadata GET would need
    /// `storage.buckets.get`: `Some(true)` on 200, `Some(false)` on 404, `None` otherwise.
    async fn bucket_exists(&self, bucket: &str) -> Option<bool> {
        let Ok(CacheableResource::New { data: headers, .. }) =
            self.credentials.headers(http::Extensions::new()).await
        else {
            return None;
        };
        let http = self.http.get_or_init(|| {
            // No redirects: a probe answered elsewhere proves nothing about this bucket.
            let built = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none());
            built.build().ok()
        });
        let url = format!(
            "{}/storage/v1/b/{bucket}/o?maxResults=1&fields=kind",
            self.endpoint
        );
        let reply = http.as_ref()?.get(url).headers(headers).send().await.ok()?;
        match reply.status().as_u16() {
            200 => Some(true),
            404 => Some(false),
            _ => None,
        }
    }
}

/// A 404 by its HTTP code or its status code, never by the words of its message.
fn is_not_found(err: &google_cloud_storage::Error) -> bool {
    err.http_status_code() == Some(404) || err.status().is_some_and(|s| s.code == Code::NotFound)
}

impl ObjectStore for GcpStore {
    fn read<'a>(
        &'a self,
        bucket: &'a str,
        object: &'a str,
        max_bytes: usize,
    ) -> BoxFuture<'a, Result<Option<SecretBytes>, BackendError>> {
        let read = self.read_with_metadata(bucket, object, None, max_bytes);
        Box::pin(async move { Ok(read.await?.map(|object| object.bytes)) })
    }

    fn read_with_metadata<'a>(
        &'a self,
        bucket: &'a str,
        object: &'a str,
        generation: Option<i64>,
        max_bytes: usize,
    ) -> BoxFuture<'a, Result<Option<StoredObject>, BackendError>> {
        let (this, bucket, object) = (self.clone(), bucket.to_owned(), object.to_owned());
        Box::pin(on_gcp_runtime(async move {
            this.read_now(&bucket, &object, generation, max_bytes).await
        }))
    }
}
