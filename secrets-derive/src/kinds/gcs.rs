//! `#[gcs(object = "..", key = "..", bucket = ".." | bucket_env = "VAR")]`: a Cloud Storage
//! object, used whole or one key of the JSON object it holds.

use super::object::Store;
use super::{ContainerKey, FieldCx, Kind};
use crate::ctxt::{Ctxt, Reported};
use crate::source::Resolved;
use crate::value::checked_string;

pub struct Gcs;

checked_string!(
    /// A bucket name, by Cloud Storage's rules.
    Bucket,
    secrets_names::check_bucket_name
);

checked_string!(
    /// An object name, by Cloud Storage's rules.
    Object,
    secrets_names::check_object_name
);

/// The env var that names the bucket of a field that gives none.
const BUCKET_ENV: ContainerKey = ContainerKey {
    key: "bucket_env",
    default: "STORAGE_BUCKET",
};

const STORE: Store = Store {
    kind: "gcs",
    bucket_env: &BUCKET_ENV,
    bucket_use: "a bucket name",
};

impl Kind for Gcs {
    fn name(&self) -> &'static str {
        "gcs"
    }

    fn example(&self) -> &'static str {
        "#[gcs(object = \"...\")]"
    }

    fn container_keys(&self) -> &'static [ContainerKey] {
        &[BUCKET_ENV]
    }

    fn resolve(&self, cx: &Ctxt, field: &FieldCx) -> Result<Resolved, Reported> {
        STORE.resolve::<Bucket, Object>(cx, field)
    }
}
