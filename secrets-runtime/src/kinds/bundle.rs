//! `#[bundle]`: one env var (`SECRETS_BUNDLE`) holds a sealed bundle, a JSON object of
//! secrets that Cloud KMS decrypts once however many fields read a key of it.
//!
//! Two forms, told apart by a `:` (base64 has none):
//! - Cloud KMS ciphertext of the JSON, base64: what `secrets seal` writes up to Cloud KMS's
//!   64 KiB of plaintext, and what `gcloud kms encrypt --plaintext-file bundle.json` makes;
//! - berglas's envelope, `base64(wrapped data key) ":" base64(nonce || ciphertext || tag)`: a
//!   random AES-256-GCM key seals the JSON and Cloud KMS wraps only that key (with no
//!   additional authenticated data), so the bundle may be of any size for the same one call.
//!
//! Either way the decrypted JSON is parsed once per load and each field takes its key.

use std::fmt;
use std::sync::Arc;

use zeroize::Zeroizing;

use super::berglas::envelope;
use super::kms::{CloudKms, Decrypt, KEY_NAME};
use crate::backend::{Kms, SecretBytes};
use crate::family::Family;
use crate::load::{Planned, Planner, Use, decode};
use crate::manifest::{Holds, ManifestCx};
use crate::origin::Origin;
use crate::spec::{FieldSource, NameRef, Pick, Var};
use crate::{BackendError, ErrorKind};

/// Bundles in berglas's envelope form: their data keys are unwrapped by the [`CloudKms`]
/// backend, so no backend of its own is configured.
#[derive(Debug)]
pub struct KmsEnvelope;

impl Family for KmsEnvelope {
    const NAME: &'static str = "KMS";
    const HINT: &'static str = CloudKms::HINT;
    const PERMISSION: &'static str = CloudKms::PERMISSION;
    type Backend = dyn Kms;
    type Request = Unseal;

    async fn backend(sources: &crate::Sources) -> Result<Arc<dyn Kms>, BackendError> {
        sources.backend::<CloudKms>().await
    }

    async fn send<'a>(
        kms: &'a dyn Kms,
        request: &'a Unseal,
        _max_bytes: usize,
    ) -> Result<Option<SecretBytes>, BackendError> {
        let dek = kms.decrypt(&request.key, &request.wrapped).await?;
        envelope::open(&dek, &request.sealed)
            .map(Some)
            .map_err(|why| BackendError::new(why.kind(), format!("the bundle: {}", why.message())))
    }
}

/// A bundle envelope to open: its wrapped data key and sealed JSON.
pub struct Unseal {
    key: Arc<str>,
    wrapped: Vec<u8>,
    sealed: Zeroizing<Vec<u8>>,
}

impl PartialEq for Unseal {
    fn eq(&self, other: &Self) -> bool {
        // The wrapped key is random per bundle: it tells bundles apart on its own.
        self.wrapped == other.wrapped && self.key == other.key
    }
}

impl fmt::Display for Unseal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "key {}", self.key)
    }
}

/// `#[bundle(key = "..", env = "..")]`, defaults applied.
#[derive(Debug)]
pub struct Spec {
    /// The env var holding the bundle: `SECRETS_BUNDLE` unless the struct or field says.
    pub var: Var,
    /// The KMS key that decrypts it.
    pub key: NameRef,
    /// The key of the bundle's JSON object the field takes: the field's name by default.
    pub json_key: &'static str,
}

impl FieldSource for Spec {
    fn plan(&'static self, cx: &mut Planner<'_>) -> Planned {
        let var = cx.var(self.var);
        let key = cx.name(self.key, &KEY_NAME);
        let origin = Origin::of(self, var.clone(), &key, self.key);
        let how = Use::Ciphertext {
            family: std::any::TypeId::of::<CloudKms>(),
            service: CloudKms::NAME,
            key: self.key,
        };
        // Every field of a bundle reads the same value: decode it for the first only.
        let tag = match &key {
            Ok(key) => format!("bundle\0{var}\0{key}"),
            Err(_) => String::new(),
        };
        match cx.recall(&tag, &var, how) {
            Some(Ok(id)) => return Planned::pending(origin, id, Pick::JsonKey(self.json_key)),
            Some(Err(why)) => return Planned::failed(origin, why),
            None => {}
        }
        let text = match cx.env(&var, how) {
            Ok(text) => text,
            // No bundle: absence, as an unset `#[kms]` var is.
            Err(why) => return Planned::done(origin, Err(why)),
        };
        let key = match key {
            Ok(key) => key,
            // A bundle without its key name is a broken deploy.
            Err(why) => return Planned::failed(origin, why),
        };
        let pick = Pick::JsonKey(self.json_key);
        let id = if text.contains(':') {
            match envelope::split(text.trim().as_bytes()) {
                Ok(parts) => cx.request::<KmsEnvelope>(Unseal {
                    key,
                    wrapped: parts.wrapped_dek,
                    sealed: parts.sealed,
                }),
                Err(why) => {
                    let why = BackendError::new(
                        ErrorKind::Invalid,
                        format!("env {var} is not a bundle envelope: {}", why.message()),
                    );
                    return Planned::failed(origin, why);
                }
            }
        } else {
            match decode(&var, &text) {
                Ok(ciphertext) => cx.request::<CloudKms>(Decrypt::new(key, ciphertext)),
                Err(why) => return Planned::done(origin, Err(why)),
            }
        };
        if !tag.is_empty() {
            cx.remember(tag, id);
        }
        Planned::pending(origin, id, pick)
    }

    fn needs(&self, cx: &mut ManifestCx) {
        cx.decrypt(self.var, self.key, |key| Holds::Bundle { key });
    }

    fn describe(&self, origin: &Origin, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "bundle via env {}#{}", origin.var(), self.json_key)?;
        match origin.name() {
            Some(key) => write!(f, " (kms {key})"),
            None => Ok(()),
        }
    }
}
