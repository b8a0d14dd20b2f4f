//! `#[aws_kms]`: the env var holds base64 AWS KMS ciphertext (a `CiphertextBlob`, as
//! `aws kms encrypt --output text --query CiphertextBlob` prints it), which AWS KMS decrypts
//! in this process, optionally pinned to a key and bound to an encryption context.

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use crate::BackendError;
use crate::backend::SecretBytes;
use crate::backend_aws::AwsKeyService;
use crate::environment::NameRule;
use crate::family::Family;
use crate::load::{Decrypt as DecryptShape, Planned, Planner};
use crate::manifest::{Holds, ManifestCx, Resource};
use crate::origin::Origin;
use crate::spec::{FieldSource, NameRef, Pick, Var};

/// AWS KMS, or any key service behind [`AwsKeyService`]: the family of `#[aws_kms]` fields.
#[derive(Debug)]
pub struct AwsKms;

impl Family for AwsKms {
    const NAME: &'static str = "AWS KMS";
    const HINT: &'static str =
        "add one with Sources::builder().aws_kms(..), .local(dir) or .aws() (feature `aws`)";
    const PERMISSION: &'static str = "kms:Decrypt";
    // AWS KMS caps plaintext at 4 KiB itself.
    const CAPPED: bool = false;
    type Backend = dyn AwsKeyService;
    type Request = AwsDecrypt;

    fn send<'a>(
        kms: &'a dyn AwsKeyService,
        request: &'a AwsDecrypt,
        _max_bytes: usize,
    ) -> impl Future<Output = Result<Option<SecretBytes>, BackendError>> + Send + 'a {
        let decrypted = kms.decrypt(&request.ciphertext, request.key(), request.context);
        async move { decrypted.await.map(Some) }
    }
}

/// A decrypt to make: this blob, under this key if one is pinned, with this context.
pub struct AwsDecrypt {
    /// Empty: no key pinned.
    key: Arc<str>,
    context: &'static [(&'static str, &'static str)],
    ciphertext: Vec<u8>,
}

impl AwsDecrypt {
    fn key(&self) -> Option<&str> {
        Some(&*self.key).filter(|key| !key.is_empty())
    }
}

impl PartialEq for AwsDecrypt {
    fn eq(&self, other: &Self) -> bool {
        self.ciphertext == other.ciphertext
            && self.key == other.key
            && self.context == other.context
    }
}

impl fmt::Display for AwsDecrypt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.key() {
            Some(key) => write!(f, "AWS KMS key {key}"),
            None => f.write_str("the AWS KMS key the ciphertext names"),
        }
    }
}

/// A pinned key, or none (the empty name).
static KEY: NameRule = NameRule {
    what: "the AWS KMS key",
    check: |key| match key {
        "" => Ok(()),
        key => secrets_names::aws::check_aws_kms_key(key),
    },
};

/// `#[aws_kms(env = "..", key = "..", context = "..", json_key = "..")]`, defaults applied.
#[derive(Debug)]
pub struct Spec {
    /// The env var holding the ciphertext.
    pub var: Var,
    /// The key the ciphertext must be for: id, ARN or alias; `""` for any.
    pub key: &'static str,
    /// The encryption context, sorted by key.
    pub context: &'static [(&'static str, &'static str)],
    /// The whole plaintext, or one key of the JSON object it holds.
    pub pick: Pick,
}

impl FieldSource for Spec {
    fn plan(&'static self, cx: &mut Planner<'_>) -> Planned {
        let shape = DecryptShape {
            var: self.var,
            key: NameRef::Literal(self.key),
            rule: &KEY,
            pick: self.pick,
        };
        let context = self.context;
        shape.plan::<AwsKms>(self, cx, |key, ciphertext| AwsDecrypt {
            key,
            context,
            ciphertext,
        })
    }

    fn needs(&self, cx: &mut ManifestCx) {
        let key = Some(self.key).filter(|key| !key.is_empty());
        cx.var(self.var, Holds::AwsKmsCiphertext { key });
        cx.needs(Resource::AwsKmsKey {
            key,
            context: self.context,
        });
    }

    fn describe(&self, origin: &Origin, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.key {
            "" => write!(f, "aws kms via env {}", origin.var())?,
            key => write!(f, "aws kms {key} via env {}", origin.var())?,
        }
        write!(f, "{}", self.pick)
    }
}
