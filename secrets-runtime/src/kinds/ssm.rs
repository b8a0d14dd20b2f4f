//! `#[ssm]`: an AWS Systems Manager Parameter Store parameter (a `SecureString` decrypted),
//! whole or one key of the JSON object it holds. Fields are read 10 names per call
//! (`GetParameters`), every call of a load at once.

use std::fmt;
use std::sync::Arc;

use crate::BackendError;
use crate::backend::SecretBytes;
use crate::backend_aws::{AwsParameterStore, BatchReply};
use crate::environment::NameRule;
use crate::family::Family;
use crate::load::{Fetch, Planned, Planner, said_by_var};
use crate::manifest::{Holds, ManifestCx, Resource};
use crate::origin::Origin;
use crate::spec::{FieldSource, NameRef, Pick};

/// Parameter Store, or any store behind [`AwsParameterStore`]: the family of `#[ssm]`
/// fields.
#[derive(Debug)]
pub struct ParameterStore;

impl Family for ParameterStore {
    const NAME: &'static str = "Parameter Store";
    const HINT: &'static str =
        "add one with Sources::builder().parameters(..), .local(dir) or .aws() (feature `aws`)";
    const PERMISSION: &'static str = "ssm:GetParameters";
    const BATCH: usize = 10;
    type Backend = dyn AwsParameterStore;
    type Request = ParameterGet;

    async fn send<'a>(
        store: &'a dyn AwsParameterStore,
        request: &'a ParameterGet,
        max_bytes: usize,
    ) -> Result<Option<SecretBytes>, BackendError> {
        let mut replies = Self::send_batch(store, &[request], max_bytes).await?;
        replies.pop().unwrap_or(Ok(None))
    }

    async fn send_batch<'a>(
        store: &'a dyn AwsParameterStore,
        requests: &'a [&'a ParameterGet],
        max_bytes: usize,
    ) -> Result<Vec<BatchReply>, BackendError> {
        let names: Vec<&str> = requests.iter().map(|r| &*r.name).collect();
        let replies = store.get_many(&names, max_bytes).await?;
        Ok(requests
            .iter()
            .zip(replies)
            .map(|(request, reply)| reply.map_err(|why| request.redact(why)))
            .collect())
    }
}

/// A parameter to read. Fields that name the same one share one read.
#[derive(PartialEq, Eq)]
pub struct ParameterGet {
    name: Arc<str>,
    /// The env var the name was read from, named in its place in messages.
    named_by: Option<&'static str>,
}

impl ParameterGet {
    fn redact(&self, why: BackendError) -> BackendError {
        said_by_var(why, &self.name, self.named_by)
    }
}

impl fmt::Display for ParameterGet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.named_by {
            Some(var) => write!(f, "parameter named by env {var}"),
            None => write!(f, "parameter {}", self.name),
        }
    }
}

pub(crate) static PARAMETER_NAME: NameRule = NameRule {
    what: "the parameter name",
    check: secrets_names::aws::check_ssm_parameter_name,
};

/// `#[ssm(name = ".." | name_env = "..", key = "..")]`, defaults applied.
#[derive(Debug)]
pub struct Spec {
    /// The parameter's name (with `:VERSION` or `:LABEL`) or ARN.
    pub name: NameRef,
    /// The whole value, or one key of the JSON object it holds.
    pub pick: Pick,
}

impl FieldSource for Spec {
    fn plan(&'static self, cx: &mut Planner<'_>) -> Planned {
        let shape = Fetch {
            place: self.name,
            rule: &PARAMETER_NAME,
            pick: self.pick,
            unset_is_absence: true,
        };
        let named_by = match self.name {
            NameRef::Env(var) => Some(var),
            NameRef::Literal(_) => None,
        };
        shape.plan::<ParameterStore>(self, cx, |name| ParameterGet { name, named_by })
    }

    fn needs(&self, cx: &mut ManifestCx) {
        let name = cx.name(self.name, Holds::ParameterName);
        cx.needs(Resource::Parameter { name });
    }

    fn describe(&self, origin: &Origin, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name {
            NameRef::Literal(name) => write!(f, "ssm {name}")?,
            NameRef::Env(var) => write!(f, "ssm parameter named by env {var}")?,
        }
        let _ = origin;
        write!(f, "{}", self.pick)
    }
}
