//! `#[gcs(object = "..", key = "..", bucket = ".." | bucket_env = "VAR")]`: a Cloud Storage
//! object, used whole or one key of the JSON object it holds.

use quote::quote;
use syn::LitStr;

use super::{ContainerKey, FieldCx, Kind};
use crate::attr::{self, Attr, Exclusive, FromLit, Key, Spec};
use crate::ctxt::{Ctxt, Reported};
use crate::source::{self, Resolved};
use crate::value::{self, EnvName, JsonKey};

pub struct Gcs;

/// A bucket name, by Cloud Storage's rules.
struct Bucket(String);

impl FromLit for Bucket {
    fn from_lit(_: &str, lit: &LitStr) -> Result<Self, String> {
        value::checked(lit, secrets_names::check_bucket_name).map(Self)
    }
}

/// An object name, by Cloud Storage's rules.
struct Object(String);

impl FromLit for Object {
    fn from_lit(_: &str, lit: &LitStr) -> Result<Self, String> {
        value::checked(lit, secrets_names::check_object_name).map(Self)
    }
}

/// The env var that names the bucket of a field that gives none.
const BUCKET_ENV: ContainerKey = ContainerKey {
    key: "bucket_env",
    default: "STORAGE_BUCKET",
};

#[derive(Default)]
struct Keys {
    object: Attr<Object>,
    key: Attr<JsonKey>,
    bucket: Attr<Bucket>,
    bucket_env: Attr<EnvName>,
}

const SPEC: Spec<Keys> = Spec {
    keys: &[
        // #[gcs(object = "dir/name.json")]
        Key::new("object", |keys| &mut keys.object),
        // #[gcs(key = "password")]: one key of the JSON object
        Key::new("key", |keys| &mut keys.key),
        // #[gcs(bucket = "name")]
        Key::new("bucket", |keys| &mut keys.bucket),
        // #[gcs(bucket_env = "VAR")]: the var that holds the bucket name
        Key::new("bucket_env", |keys| &mut keys.bucket_env),
    ],
    exclusive: &[Exclusive {
        first: "bucket",
        second: "bucket_env",
        what: "the bucket",
    }],
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
        let keys = attr::parse(cx, field.attr, &SPEC).read()?;
        // First, so a missing object is reported even when another value is bad.
        let Some(object) = keys.object.get()? else {
            return Err(cx.error_spanned_by(
                field.attr,
                "`#[gcs]` needs the object: `#[gcs(object = \"...\")]`",
            ));
        };
        let object = &object.value.0;
        let literal = keys.bucket.get()?.map(|bucket| bucket.value.0.clone());
        let bucket = field.name_ref(literal, keys.bucket_env.get()?, &BUCKET_ENV);
        let private = field.private;
        let pick = source::pick(private, keys.key.get()?);
        let spec_bucket = bucket.tokens(private);
        Ok(Resolved {
            spec: quote!(#private::gcs::Spec { bucket: #spec_bucket, object: #object, pick: #pick }),
            uses: bucket.used_as("a bucket name").into_iter().collect(),
        })
    }
}
