//! `#[s3]`: an S3 object, whole or as a JSON object with one key picked per field. S3 is an
//! object store like Cloud Storage: its backends implement the same [`ObjectStore`].

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use crate::BackendError;
use crate::backend::{ObjectStore, SecretBytes};
use crate::environment::NameRule;
use crate::family::Family;
use crate::load::{Fetch, Planned, Planner};
use crate::manifest::{Holds, ManifestCx, Resource};
use crate::origin::Origin;
use crate::spec::{FieldSource, NameRef, Pick};

/// Amazon S3, or any store behind [`ObjectStore`]: the family of `#[s3]` fields.
#[derive(Debug)]
pub struct S3;

impl Family for S3 {
    const NAME: &'static str = "S3";
    const HINT: &'static str =
        "add one with Sources::builder().s3(..), .local(dir) or .aws() (feature `aws`)";
    const PERMISSION: &'static str = "s3:GetObject";
    type Backend = dyn ObjectStore;
    type Request = S3Read;

    fn send<'a>(
        store: &'a dyn ObjectStore,
        request: &'a S3Read,
        max_bytes: usize,
    ) -> impl Future<Output = Result<Option<SecretBytes>, BackendError>> + Send + 'a {
        store.read(&request.bucket, request.object, max_bytes)
    }
}

/// An object to read.
#[derive(PartialEq, Eq)]
pub struct S3Read {
    bucket: Arc<str>,
    object: &'static str,
}

impl fmt::Display for S3Read {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "object s3://{}/{}", self.bucket, self.object)
    }
}

pub(crate) static BUCKET_NAME: NameRule = NameRule {
    what: "the S3 bucket name",
    check: secrets_names::aws::check_s3_bucket_name,
};

/// `#[s3(bucket = ".." | bucket_env = "..", object = "..", key = "..")]`, defaults applied.
#[derive(Debug)]
pub struct Spec {
    /// The bucket name.
    pub bucket: NameRef,
    /// The object's key in the bucket.
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
        shape.plan::<S3>(self, cx, |bucket| S3Read { bucket, object })
    }

    fn needs(&self, cx: &mut ManifestCx) {
        let bucket = cx.name(self.bucket, Holds::S3BucketName);
        let object = self.object;
        cx.needs(Resource::S3Object { bucket, object });
    }

    fn describe(&self, origin: &Origin, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(bucket) = origin.name() {
            write!(f, "s3://{bucket}/{}", self.object)?;
        }
        write!(f, "{}", self.pick)
    }
}
