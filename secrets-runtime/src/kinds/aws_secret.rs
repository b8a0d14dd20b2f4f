//! `#[aws_secret]`: an AWS Secrets Manager secret (`SecretString` or `SecretBinary`), whole or
//! one key of the JSON object it holds. Fields are read 20 secrets per call
//! (`BatchGetSecretValue`), every call of a load at once.

use std::fmt;
use std::sync::Arc;

use crate::BackendError;
use crate::backend::SecretBytes;
use crate::backend_aws::{AwsSecretStore, BatchReply, SecretVersion};
use crate::environment::NameRule;
use crate::family::Family;
use crate::load::{Fetch, Planned, Planner, said_by_var};
use crate::manifest::{Holds, ManifestCx, Resource};
use crate::origin::Origin;
use crate::spec::{FieldSource, NameRef, Pick};

/// AWS Secrets Manager, or any store behind [`AwsSecretStore`]: the family of
/// `#[aws_secret]` fields.
#[derive(Debug)]
pub struct SecretsManager;

impl Family for SecretsManager {
    const NAME: &'static str = "Secrets Manager";
    const HINT: &'static str =
        "add one with Sources::builder().aws_secrets(..), .local(dir) or .aws() (feature `aws`)";
    const PERMISSION: &'static str = "secretsmanager:GetSecretValue";
    const BATCH: usize = 20;
    type Backend = dyn AwsSecretStore;
    type Request = SecretGet;

    async fn send<'a>(
        store: &'a dyn AwsSecretStore,
        request: &'a SecretGet,
        max_bytes: usize,
    ) -> Result<Option<SecretBytes>, BackendError> {
        let mut replies = Self::send_batch(store, &[request], max_bytes).await?;
        replies.pop().unwrap_or(Ok(None))
    }

    async fn send_batch<'a>(
        store: &'a dyn AwsSecretStore,
        requests: &'a [&'a SecretGet],
        max_bytes: usize,
    ) -> Result<Vec<BatchReply>, BackendError> {
        let versions: Vec<SecretVersion<'_>> = requests.iter().map(|r| r.version()).collect();
        let replies = store.get_many(&versions, max_bytes).await?;
        // A secret named by an env var is said by its var: the var may hold a pasted value.
        Ok(requests
            .iter()
            .zip(replies)
            .map(|(request, reply)| reply.map_err(|why| request.redact(why)))
            .collect())
    }
}

/// A secret version to read. Fields that name the same one share one read.
#[derive(PartialEq, Eq)]
pub struct SecretGet {
    id: Arc<str>,
    version_stage: Option<&'static str>,
    version_id: Option<&'static str>,
    /// The env var the id was read from, named in its place in messages.
    named_by: Option<&'static str>,
}

impl SecretGet {
    fn version(&self) -> SecretVersion<'_> {
        SecretVersion {
            id: &self.id,
            version_stage: self.version_stage,
            version_id: self.version_id,
        }
    }

    fn redact(&self, why: BackendError) -> BackendError {
        said_by_var(why, &self.id, self.named_by)
    }
}

impl fmt::Display for SecretGet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.named_by {
            Some(var) => write!(f, "AWS secret named by env {var}")?,
            None => write!(f, "AWS secret {}", self.id)?,
        }
        if let Some(stage) = self.version_stage {
            write!(f, " (stage {stage})")?;
        }
        if let Some(id) = self.version_id {
            write!(f, " (version {id})")?;
        }
        Ok(())
    }
}

pub(crate) static SECRET_ID: NameRule = NameRule {
    what: "the Secrets Manager secret id",
    check: secrets_names::aws::check_aws_secret_id,
};

/// `#[aws_secret(id = ".." | id_env = "..", key = "..", version_stage = "..",
/// version_id = "..")]`, defaults applied.
#[derive(Debug)]
pub struct Spec {
    /// The secret's name or ARN.
    pub id: NameRef,
    /// A staging label.
    pub version_stage: Option<&'static str>,
    /// A version id.
    pub version_id: Option<&'static str>,
    /// The whole secret, or one key of the JSON object it holds.
    pub pick: Pick,
}

impl FieldSource for Spec {
    fn plan(&'static self, cx: &mut Planner<'_>) -> Planned {
        let shape = Fetch {
            place: self.id,
            rule: &SECRET_ID,
            pick: self.pick,
            unset_is_absence: true,
        };
        let named_by = match self.id {
            NameRef::Env(var) => Some(var),
            NameRef::Literal(_) => None,
        };
        shape.plan::<SecretsManager>(self, cx, |id| SecretGet {
            id,
            version_stage: self.version_stage,
            version_id: self.version_id,
            named_by,
        })
    }

    fn needs(&self, cx: &mut ManifestCx) {
        let secret = cx.name(self.id, Holds::AwsSecretId);
        cx.needs(Resource::AwsSecret { secret });
    }

    fn describe(&self, origin: &Origin, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.id {
            NameRef::Literal(id) => write!(f, "aws secret {id}")?,
            NameRef::Env(var) => write!(f, "aws secret named by env {var}")?,
        }
        let _ = origin;
        write!(f, "{}", self.pick)
    }
}
