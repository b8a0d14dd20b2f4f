//! `#[s3(object = "..", key = "..", bucket = ".." | bucket_env = "VAR")]`: an S3 object, used
//! whole or one key of the JSON object it holds.

use super::object::Store;
use super::{ContainerKey, FieldCx, Kind};
use crate::ctxt::{Ctxt, Reported};
use crate::source::Resolved;
use crate::value::checked_string;

pub struct S3;

checked_string!(
    /// A bucket name, by S3's rules for general purpose buckets.
    Bucket,
    secrets_names::aws::check_s3_bucket_name
);

checked_string!(
    /// An object key: 1 to 1024 bytes.
    Object,
    secrets_names::aws::check_s3_object_key
);

/// The env var that names the bucket of a field that gives none. Not `bucket_env`, which
/// `#[gcs]` fields read: one struct may read from both stores.
const BUCKET_ENV: ContainerKey = ContainerKey {
    key: "s3_bucket_env",
    default: "S3_BUCKET",
};

const STORE: Store = Store {
    kind: "s3",
    bucket_env: &BUCKET_ENV,
    bucket_use: "an S3 bucket name",
};

impl Kind for S3 {
    fn name(&self) -> &'static str {
        "s3"
    }

    fn example(&self) -> &'static str {
        "#[s3(object = \"...\")]"
    }

    fn container_keys(&self) -> &'static [ContainerKey] {
        &[BUCKET_ENV]
    }

    fn resolve(&self, cx: &Ctxt, field: &FieldCx) -> Result<Resolved, Reported> {
        STORE.resolve::<Bucket, Object>(cx, field)
    }
}
