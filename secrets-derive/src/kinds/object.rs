//! What `#[gcs]` and `#[s3]` share: an object in a bucket that the field names or an env var
//! holds, used whole or one key of the JSON object it holds. Each store brings its own rules
//! for the names (`B` and `O`), its container key and its runtime module.

use quote::{format_ident, quote};

use super::{ContainerKey, FieldCx};
use crate::attr::{self, Attr, Exclusive, FromLit, Key, Spec};
use crate::ctxt::{Ctxt, Reported};
use crate::source::{self, Resolved};
use crate::value::{EnvName, JsonKey};

/// A checked name, as the spec writes it.
pub(super) trait Name: FromLit + AsRef<str> + 'static {}

impl<T: FromLit + AsRef<str> + 'static> Name for T {}

/// The keys of `#[gcs(..)]` and `#[s3(..)]`: `B` a bucket name, `O` an object name.
pub(super) struct ObjectKeys<B, O> {
    object: Attr<O>,
    key: Attr<JsonKey>,
    bucket: Attr<B>,
    bucket_env: Attr<EnvName>,
}

// Not derived: a derive would ask `B` and `O` for a `Default` they need not have.
impl<B, O> Default for ObjectKeys<B, O> {
    fn default() -> Self {
        Self {
            object: Attr::Absent,
            key: Attr::Absent,
            bucket: Attr::Absent,
            bucket_env: Attr::Absent,
        }
    }
}

impl<B: Name, O: Name> ObjectKeys<B, O> {
    const SPEC: Spec<Self> = Spec {
        keys: &[
            // #[KIND(object = "dir/name.json")], KIND being `gcs` or `s3`
            Key::new("object", |keys| &mut keys.object),
            // #[KIND(key = "password")]: one key of the JSON object
            Key::new("key", |keys| &mut keys.key),
            // #[KIND(bucket = "name")]
            Key::new("bucket", |keys| &mut keys.bucket),
            // #[KIND(bucket_env = "VAR")]: the var that holds the bucket name
            Key::new("bucket_env", |keys| &mut keys.bucket_env),
        ],
        exclusive: &[Exclusive {
            first: "bucket",
            second: "bucket_env",
            what: "the bucket",
        }],
    };
}

/// One object store's part: the attribute's name, which is also its runtime module, and the
/// container key that names the bucket's env var.
pub(super) struct Store {
    pub kind: &'static str,
    pub bucket_env: &'static ContainerKey,
    /// How an env var holding the bucket is used, for the checks across fields.
    pub bucket_use: &'static str,
}

impl Store {
    /// Resolves `#[<kind>(object = "..", key = "..", bucket = ".." | bucket_env = "VAR")]`.
    pub(super) fn resolve<B: Name, O: Name>(
        &self,
        cx: &Ctxt,
        field: &FieldCx,
    ) -> Result<Resolved, Reported> {
        let keys = attr::parse(cx, field.attr, &ObjectKeys::<B, O>::SPEC).read()?;
        let kind = self.kind;
        // First, so a missing object is reported even when another value is bad.
        let Some(object) = keys.object.get()? else {
            return Err(cx.error_spanned_by(
                field.attr,
                format!("`#[{kind}]` needs the object: `#[{kind}(object = \"...\")]`"),
            ));
        };
        let object = object.value.as_ref();
        let literal = keys
            .bucket
            .get()?
            .map(|bucket| bucket.value.as_ref().to_owned());
        let bucket = field.name_ref(literal, keys.bucket_env.get()?, self.bucket_env);
        let private = field.private;
        let pick = source::pick(private, keys.key.get()?);
        let spec_bucket = bucket.tokens(private);
        let module = format_ident!("{}", kind);
        Ok(Resolved {
            spec: quote!(#private::#module::Spec { bucket: #spec_bucket, object: #object, pick: #pick }),
            uses: bucket.used_as(self.bucket_use).into_iter().collect(),
        })
    }
}
