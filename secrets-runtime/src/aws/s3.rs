//! S3 through `aws-sdk-s3`: whole small objects, capped in size before the body is read, with
//! the SDK's response checksum validation asked for on every read.

use aws_config::SdkConfig;
use aws_config::retry::RetryConfig;
use aws_sdk_s3::Client;
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::SdkError;
use aws_sdk_s3::operation::get_object::GetObjectError;
use aws_sdk_s3::primitives::ByteStreamError;
use aws_sdk_s3::types::ChecksumMode;
use aws_types::service_config::ServiceConfigKey;
use bytes::Bytes;
use zeroize::Zeroize;

use super::errors::{Call, Failure, Reply, failure, root_cause, service_error};
use super::on_aws_runtime;
use crate::backend::{BoxFuture, ObjectStore, SecretBytes};
use crate::convert::buffer::extend_wiped;
use crate::family::check_size;
use crate::{BackendError, ErrorKind};

/// S3: reads objects with the function's own role.
#[derive(Debug, Clone)]
pub struct S3Client {
    client: Client,
}

impl S3Client {
    /// Wraps a client built elsewhere. Turn its retries off (`RetryConfig::disabled()`) so
    /// that the loader's deadline is the only one, and force path-style addressing for an
    /// endpoint other than AWS's.
    #[must_use]
    pub fn new(client: Client) -> Self {
        Self { client }
    }

    /// A client from `config`, with the SDK's retries off, and path-style addressing
    /// (`http://host/bucket/key`) when an endpoint URL is set (`AWS_ENDPOINT_URL_S3`,
    /// `AWS_ENDPOINT_URL`, or in code): an emulator on `127.0.0.1:4566` has no
    /// `bucket.127.0.0.1` host for virtual-hosted addressing to reach.
    #[must_use]
    pub fn from_config(config: &SdkConfig) -> Self {
        let builder = aws_sdk_s3::config::Builder::from(config)
            .retry_config(RetryConfig::disabled())
            .force_path_style(has_endpoint_override(config));
        Self::new(Client::from_conf(builder.build()))
    }

    async fn read_now(
        &self,
        bucket: &str,
        object: &str,
        max_bytes: usize,
    ) -> Result<Option<SecretBytes>, BackendError> {
        let what = format!("object s3://{bucket}/{object}");
        let reply = self
            .client
            .get_object()
            .bucket(bucket)
            .key(object)
            // The SDK then checks the bytes against the object's checksum (CRC64NVME, CRC32,
            // SHA-256...) when it has one, and fails the body's last read if they differ,
            // whatever AWS_RESPONSE_CHECKSUM_VALIDATION says.
            .checksum_mode(ChecksumMode::Enabled)
            .send()
            .await;
        let mut reply = match reply {
            Ok(reply) => reply,
            Err(err) => return get_error(&err, bucket, object, &what),
        };
        // Before the body: an object over the cap is refused without reading it.
        let size = reply.content_length.and_then(|n| u64::try_from(n).ok());
        if let Some(size) = size {
            check_size(&what, size, max_bytes)?;
        }
        // Sized up front: a buffer that grew would leave copies of the secret, unwiped, in
        // the memory it handed back.
        let capacity = size.map_or(0, |n| usize::try_from(n).unwrap_or(max_bytes));
        let mut bytes = SecretBytes::new(Vec::with_capacity(capacity.min(max_bytes)));
        while let Some(chunk) = reply.body.next().await {
            let chunk = chunk.map_err(|e| body_error(&e, &what))?;
            // A reply without a length, or one that understated it: count what arrives.
            check_size(&what, (bytes.len() + chunk.len()) as u64, max_bytes)?;
            extend_wiped(&mut bytes, &chunk, max_bytes);
            wipe(chunk);
        }
        Ok(Some(bytes))
    }
}

impl ObjectStore for S3Client {
    fn read<'a>(
        &'a self,
        bucket: &'a str,
        object: &'a str,
        max_bytes: usize,
    ) -> BoxFuture<'a, Result<Option<SecretBytes>, BackendError>> {
        let (this, bucket, object) = (self.clone(), bucket.to_owned(), object.to_owned());
        Box::pin(on_aws_runtime(async move {
            this.read_now(&bucket, &object, max_bytes).await
        }))
    }
}

/// Whether the SDK will send S3 requests somewhere other than AWS: the same lookup its
/// `From<&SdkConfig>` makes, service variable (`AWS_ENDPOINT_URL_S3`, a profile's
/// `[services]` section) before the global one.
fn has_endpoint_override(config: &SdkConfig) -> bool {
    let key = ServiceConfigKey::builder()
        .service_id("S3")
        .env("AWS_ENDPOINT_URL")
        .profile("endpoint_url")
        .build();
    let service = match (config.service_config(), key) {
        (Some(service), Ok(key)) => service.load_config(key).is_some(),
        _ => false,
    };
    service || config.endpoint_url().is_some()
}

/// A failed `GetObject`: absent (`Ok(None)`), or why not.
fn get_error(
    err: &SdkError<GetObjectError, HttpResponse>,
    bucket: &str,
    object: &str,
    what: &str,
) -> Result<Option<SecretBytes>, BackendError> {
    let needs = format!(
        "the function's role needs s3:GetObject on arn:aws:s3:::{bucket}/{object} (S3 answers a missing object with AccessDenied too when the role may not s3:ListBucket on the bucket)"
    );
    let call = Call {
        what,
        needs: &needs,
    };
    let reply = match failure(err, &call) {
        Failure::Settled(why) => return Err(why),
        Failure::Service(reply) => reply,
    };
    Err(match reply.code {
        "NoSuchKey" => return Ok(None),
        "NoSuchBucket" => BackendError::new(
            ErrorKind::NotFound,
            format!("bucket s3://{bucket} not found"),
        ),
        "InvalidObjectState" => BackendError::new(
            ErrorKind::Other,
            format!(
                "{what} is archived (S3 Glacier Flexible Retrieval or Deep Archive): restore it, or copy it to another storage class{}",
                reply.detail()
            ),
        ),
        "PermanentRedirect" | "AuthorizationHeaderMalformed" => wrong_region(&reply, bucket),
        _ => service_error(&reply, &call),
    })
}

/// The bucket lives in another region than the client's.
fn wrong_region(reply: &Reply<'_>, bucket: &str) -> BackendError {
    BackendError::new(
        ErrorKind::Other,
        format!(
            "bucket s3://{bucket} is in another region than the client's: set AWS_REGION to the bucket's region, or AWS_ENDPOINT_URL_S3 to its regional endpoint{}",
            reply.detail()
        ),
    )
}

/// A body that broke off, or did not match its checksum.
fn body_error(err: &ByteStreamError, what: &str) -> BackendError {
    // The SDK's checksum validator reports a mismatch as an error of the body's stream, which
    // names both checksums: told by its words, and never quoted (the checksum of a short
    // secret can be brute-forced).
    if mismatch(err) {
        return BackendError::new(
            ErrorKind::Integrity,
            format!(
                "{what}: the bytes read do not match the object's checksum; the value was not used"
            ),
        );
    }
    BackendError::new(
        ErrorKind::Unavailable,
        format!("{what}: the read broke off: {}", root_cause(err)),
    )
}

fn mismatch(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut source = Some(err);
    while let Some(inner) = source {
        if inner.to_string().contains("checksum mismatch") {
            return true;
        }
        source = inner.source();
    }
    false
}

/// Zeroes the client's copy of a chunk when nothing else holds it.
fn wipe(bytes: Bytes) {
    if let Ok(mut unique) = bytes.try_into_mut() {
        unique.as_mut().zeroize();
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_s3::error::ErrorMetadata;

    use super::super::errors::tests::service;
    use super::*;

    fn read_error(err: GetObjectError, status: u16) -> Result<Option<SecretBytes>, BackendError> {
        get_error(
            &service(err, status),
            "b",
            "app/cfg.json",
            "object s3://b/app/cfg.json",
        )
    }

    fn coded(code: &str) -> GetObjectError {
        GetObjectError::generic(ErrorMetadata::builder().code(code).message("m").build())
    }

    #[test]
    fn a_missing_object_is_absent_and_a_missing_bucket_an_error() {
        assert!(read_error(coded("NoSuchKey"), 404).unwrap().is_none());
        let why = read_error(coded("NoSuchBucket"), 404).unwrap_err();
        assert_eq!(
            (why.kind(), why.message()),
            (ErrorKind::NotFound, "bucket s3://b not found")
        );
    }

    #[test]
    fn a_denial_names_the_action_and_the_object_arn() {
        let why = read_error(coded("AccessDenied"), 403).unwrap_err();
        assert_eq!(why.kind(), ErrorKind::PermissionDenied);
        assert_eq!(
            why.message(),
            "permission denied on object s3://b/app/cfg.json: the function's role needs s3:GetObject on arn:aws:s3:::b/app/cfg.json (S3 answers a missing object with AccessDenied too when the role may not s3:ListBucket on the bucket) (AccessDenied: m)"
        );
    }

    #[test]
    fn archived_objects_and_other_regions_are_explained() {
        let why = read_error(coded("InvalidObjectState"), 403).unwrap_err();
        assert_eq!(why.kind(), ErrorKind::Other);
        assert!(why.message().contains("is archived"), "{why}");
        let why = read_error(coded("PermanentRedirect"), 301).unwrap_err();
        assert!(why.message().contains("set AWS_REGION"), "{why}");
        let why = read_error(coded("SlowDown"), 503).unwrap_err();
        assert_eq!(why.kind(), ErrorKind::Unavailable);
    }

    #[test]
    fn an_endpoint_in_code_forces_path_style() {
        let plain = SdkConfig::builder().build();
        assert!(!has_endpoint_override(&plain));
        let local = SdkConfig::builder()
            .endpoint_url("http://127.0.0.1:4566")
            .build();
        assert!(has_endpoint_override(&local));
    }
}
