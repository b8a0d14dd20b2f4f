//! `#[gcs]`: a Cloud Storage object, whole or as a JSON object with one key picked per field.

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use crate::backend::{ObjectStore, SecretBytes};
use crate::environment::NameRule;
use crate::family::{Family, check_size};
use crate::load::{Fetch, Planned, Planner};
use crate::manifest::{Holds, ManifestCx, Resource};
use crate::origin::Origin;
use crate::spec::{FieldSource, NameRef, Pick};
use crate::{BackendError, ErrorKind};

/// The default cap on an object's size: 1 MiB, far above any secrets file, far below what
/// could exhaust a function's memory.
pub const DEFAULT_MAX_OBJECT_BYTES: usize = 1 << 20;

/// Cloud Storage, or any store behind [`ObjectStore`]: the family of `#[gcs]` fields.
#[derive(Debug)]
pub struct CloudStorage;

impl Family for CloudStorage {
    const NAME: &'static str = "Cloud Storage";
    const HINT: &'static str = "add one with Sources::builder().gcs(..), .local(dir) or .gcp()";
    // It grants `storage.objects.get`, and `storage.objects.list`, which the Google
    // backend's missing-bucket probe uses.
    const PERMISSION: &'static str = "roles/storage.objectViewer";
    type Backend = dyn ObjectStore;
    type Request = Read;

    fn send<'a>(
        store: &'a dyn ObjectStore,
        request: &'a Read,
        max_bytes: usize,
    ) -> impl Future<Output = Result<Option<SecretBytes>, BackendError>> + Send + 'a {
        store.read(&request.bucket, request.object, max_bytes)
    }
}

/// An object to read.
#[derive(PartialEq, Eq)]
pub struct Read {
    bucket: Arc<str>,
    object: &'static str,
}

impl fmt::Display for Read {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "object gs://{}/{}", self.bucket, self.object)
    }
}

pub(crate) static BUCKET_NAME: NameRule = NameRule {
    what: "the bucket name",
    check: secrets_names::blind::check_bucket_name,
};

/// `#[gcs(bucket = ".." | bucket_env = "..", object = "..", key = "..")]`, defaults applied.
#[derive(Debug)]
pub struct Spec {
    /// The bucket name.
    pub bucket: NameRef,
    /// The object name.
    pub object: &'static str,
    /// The whole object, or one key of the JSON object it holds.
    pub pick: Pick,
}

impl FieldSource for Spec {
    fn plan(&'static self, cx: &mut Planner<'_>) -> Planned {
        let object = self.object;
        let shape = Fetch {
            place: self.bucket,
            rule: &BUCKET_NAME,
            pick: self.pick,
            unset_is_absence: false,
        };
        shape.plan::<CloudStorage>(self, cx, |bucket| Read { bucket, object })
    }

    fn needs(&self, cx: &mut ManifestCx) {
        let bucket = cx.name(self.bucket, Holds::BucketName);
        let object = self.object;
        cx.needs(Resource::Object { bucket, object });
    }

    fn describe(&self, origin: &Origin, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(bucket) = origin.name() {
            write!(f, "gs://{bucket}/{}", self.object)?;
        }
        write!(f, "{}", self.pick)
    }
}

/// Which store an object store's messages name objects in: `gs://bucket/object` (Cloud
/// Storage, the default) or `s3://bucket/object`. The memory and local stores serve both.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum Scheme {
    #[default]
    Gs,
    S3,
}

impl Scheme {
    /// `gs` or `s3`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Gs => "gs",
            Self::S3 => "s3",
        }
    }

    /// A store's answer for a bucket that does not exist: always an error, never absence.
    pub(crate) fn bucket_not_found(self, bucket: &str) -> BackendError {
        BackendError::new(
            ErrorKind::NotFound,
            format!("bucket {}://{bucket} not found", self.as_str()),
        )
    }

    /// The size cap as every store applies it to an object.
    pub(crate) fn check_object_size(
        self,
        bucket: &str,
        object: &str,
        len: u64,
        max_bytes: usize,
    ) -> Result<(), BackendError> {
        check_size(
            &format_args!("object {}://{bucket}/{object}", self.as_str()),
            len,
            max_bytes,
        )
    }
}
