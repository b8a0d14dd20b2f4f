//! `#[berglas]`: the env var holds a berglas reference, as services deployed with berglas
//! have them, and the secret is loaded as berglas v2 loads it, byte for byte:
//! - `sm://PROJECT/SECRET[#VERSION]` is a Secret Manager version, read through the
//!   [`SecretManager`] family (shared with `#[secret_manager]` fields naming the same one);
//! - `berglas://BUCKET/OBJECT[#GENERATION]` is an object in berglas's envelope format: the
//!   object and its metadata in one read, then one Cloud KMS decrypt of its data key (bound to
//!   the object's name), then AES-256-GCM here. berglas makes three requests; this makes two.
//!
//! `?destination=tempfile|PATH` is accepted and ignored: berglas writes the plaintext to that
//! file, and this library never writes a secret to disk.

pub(crate) mod envelope;
mod reference;

use std::fmt;
use std::sync::Arc;

pub use envelope::{open_with, seal};
use reference::Reference;

use super::secret_manager::{Access, SecretManager};
use crate::backend::{Kms, ObjectStore, SecretBytes};
use crate::family::{CloudKms, CloudStorage, Family};
use crate::load::{Planned, Planner, Use};
use crate::manifest::{Holds, ManifestCx, Referenced, Resource};
use crate::origin::Origin;
use crate::spec::{FieldSource, NameRef, Pick, Var};
use crate::{BackendError, ErrorKind};

/// The metadata key that names the Cloud KMS key of a berglas object.
pub const KMS_KEY_METADATA: &str = "berglas-kms-key";

/// berglas's `berglas://` objects: read from the [`CloudStorage`] backend, their data keys
/// decrypted by the [`CloudKms`] one, so no backend of its own is configured.
#[derive(Debug)]
pub struct Berglas;

/// The two backends a berglas object needs.
pub struct Envelopes {
    store: Arc<dyn ObjectStore>,
    kms: Arc<dyn Kms>,
}

impl Family for Berglas {
    const NAME: &'static str = "berglas";
    const HINT: &'static str = "berglas objects are read with the Cloud Storage and KMS backends: add them with Sources::builder().gcs(..).kms(..), .local(dir) or .gcp()";
    // Each of the two backends names its own role when it is denied; this is for others.
    const PERMISSION: &'static str =
        "roles/storage.objectViewer and roles/cloudkms.cryptoKeyDecrypter";
    type Backend = Envelopes;
    type Request = Object;

    async fn backend(sources: &crate::Sources) -> Result<Arc<Envelopes>, BackendError> {
        let (store, kms) = futures_util::future::join(
            sources.backend::<CloudStorage>(),
            sources.backend::<CloudKms>(),
        )
        .await;
        Ok(Arc::new(Envelopes {
            store: store?,
            kms: kms?,
        }))
    }

    async fn send<'a>(
        backends: &'a Envelopes,
        request: &'a Object,
        max_bytes: usize,
    ) -> Result<Option<SecretBytes>, BackendError> {
        let Object {
            bucket,
            name: object,
            generation,
        } = request;
        let read = backends
            .store
            .read_with_metadata(bucket, object, *generation, max_bytes);
        let Some(stored) = read.await? else {
            return Ok(None);
        };
        let Some(key) = stored.metadata(KMS_KEY_METADATA).filter(|k| !k.is_empty()) else {
            return Err(BackendError::new(
                ErrorKind::Invalid,
                format!(
                    "{request} has no `{KMS_KEY_METADATA}` metadata: it is not a berglas secret"
                ),
            ));
        };
        secrets_names::blind::check_kms_key_name(key).map_err(|why| {
            BackendError::new(
                ErrorKind::Invalid,
                format!("{request}: its `{KMS_KEY_METADATA}` metadata: {why}"),
            )
        })?;
        let envelope = envelope::split(&stored.bytes).map_err(|why| in_object(request, &why))?;
        // berglas binds the data key to the object's name, without bucket or generation.
        let dek = backends
            .kms
            .decrypt_with_aad(key, &envelope.wrapped_dek, object.as_bytes())
            .await
            .map_err(|why| match why.kind() {
                ErrorKind::Decrypt => BackendError::new(
                    ErrorKind::Decrypt,
                    format!(
                        "{request}: {}; berglas binds the data key to the object's name, so an object renamed or copied after it was written no longer opens",
                        why.message()
                    ),
                ),
                _ => why,
            })?;
        envelope::open(&dek, &envelope.sealed)
            .map(Some)
            .map_err(|why| in_object(request, &why))
    }
}

/// An envelope error, said of the object it came from.
fn in_object(request: &Object, why: &BackendError) -> BackendError {
    BackendError::new(why.kind(), format!("{request}: {}", why.message()))
}

/// A berglas object to read and open.
#[derive(PartialEq, Eq)]
pub struct Object {
    bucket: Arc<str>,
    name: Arc<str>,
    generation: Option<i64>,
}

impl fmt::Display for Object {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "berglas object gs://{}/{}", self.bucket, self.name)?;
        match self.generation {
            Some(generation) => write!(f, "#{generation}"),
            None => Ok(()),
        }
    }
}

/// `#[berglas(env = "..", key = "..")]`, defaults applied.
#[derive(Debug)]
pub struct Spec {
    /// The env var holding the reference.
    pub var: Var,
    /// The whole secret, or one key of the JSON object it holds.
    pub pick: Pick,
}

impl FieldSource for Spec {
    fn plan(&'static self, cx: &mut Planner<'_>) -> Planned {
        let var = cx.var(self.var);
        let text = cx.env(&var, Use::Text { default: None });
        let origin = Origin::new(self).with_var(var.clone());
        let text = match text {
            Ok(text) => text,
            // Unset is absence: an `Option` field is `None`.
            Err(why) => return Planned::done(origin, Err(why)),
        };
        if text.trim().is_empty() {
            let blank = BackendError::new(ErrorKind::Missing, format!("env {var} is blank"));
            return Planned::done(origin, Err(blank));
        }
        let parsed = reference::parse(&text).map_err(|why| {
            // Never the value: a malformed reference may be a secret pasted in its place.
            BackendError::new(
                ErrorKind::Invalid,
                format!("env {var} is not a berglas reference: {why}"),
            )
        });
        let reference = match parsed {
            Ok(reference) => reference,
            Err(why) => return Planned::failed(origin, why),
        };
        // Canonical, escaped as berglas prints references: it reads back the same.
        let name = reference.to_string();
        let id = match reference {
            Reference::Storage {
                bucket,
                object,
                generation,
            } => cx.request::<Berglas>(Object {
                bucket: bucket.into(),
                name: object.into(),
                generation,
            }),
            Reference::SecretManager {
                project,
                secret,
                version,
            } => cx.request::<SecretManager>(Access::new(&project, &secret, &version)),
        };
        let origin = Origin::of(self, var, &Ok::<_, ()>(name.into()), NameRef::Literal(""));
        Planned::pending(origin, id, self.pick)
    }

    fn needs(&self, cx: &mut ManifestCx) {
        // What the reference names is known only from its value: each half stands for the
        // grants of one form.
        let reference = cx.var(self.var, Holds::BerglasReference);
        cx.needs(Resource::BerglasObject {
            reference: reference.clone(),
        });
        cx.needs(Resource::BerglasKey {
            reference: reference.clone(),
        });
        cx.needs(Resource::BerglasSecret { reference });
    }

    fn describe(&self, origin: &Origin, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match origin.name() {
            Some(reference) => write!(f, "{reference} via env {}", origin.var())?,
            None => write!(f, "berglas reference in env {}", origin.var())?,
        }
        write!(f, "{}", self.pick)
    }
}

/// What the berglas reference `text` names, read as a load reads it, for the manifest's
/// `gcloud` commands. The error never quotes the text.
pub(crate) fn referenced(text: &str) -> Result<Referenced, String> {
    match reference::parse(text).map_err(|why| why.to_string())? {
        Reference::Storage { bucket, object, .. } => Ok(Referenced::Object { bucket, object }),
        Reference::SecretManager {
            project, secret, ..
        } => Ok(Referenced::Secret { project, secret }),
    }
}
