//! `#[secret_manager]`: a version of a Secret Manager secret, whole or one key of the JSON
//! object it holds.
//!
//! The secret is named in the struct (`secret = "db-pass"`, or a full resource name that
//! reaches another project) or by an env var (`secret_env`); the project comes from the name,
//! the field's `project`, env `GOOGLE_CLOUD_PROJECT` (the struct's `project_env`), or else from
//! the backend (Google's asks the metadata server, as on Cloud Run, which sets no project
//! variable). `berglas`'s `sm://` references read through this family too.

use std::fmt;
use std::sync::Arc;

use crate::backend::{SecretBytes, SecretStore};
use crate::environment::NameRule;
use crate::family::Family;
use crate::load::{Planned, Planner};
use crate::origin::Origin;
use crate::spec::{FieldSource, NameRef, Pick};
use crate::{BackendError, ErrorKind};

/// Secret Manager, or any store behind [`SecretStore`]: the family of `#[secret_manager]`
/// fields and of berglas `sm://` references.
#[derive(Debug)]
pub struct SecretManager;

impl Family for SecretManager {
    const NAME: &'static str = "Secret Manager";
    const HINT: &'static str =
        "add one with Sources::builder().secret_manager(..), .local(dir) or .gcp()";
    const PERMISSION: &'static str = "roles/secretmanager.secretAccessor";
    type Backend = dyn SecretStore;
    type Request = Access;

    async fn send<'a>(
        store: &'a dyn SecretStore,
        request: &'a Access,
        max_bytes: usize,
    ) -> Result<Option<SecretBytes>, BackendError> {
        let project = match &request.project {
            Some(project) => project.clone(),
            None => store.default_project().await.map_err(|why| {
                BackendError::new(why.kind(), format!("{request}: {}", why.message()))
            })?,
        };
        store.access(&request.name(&project), max_bytes).await
    }
}

/// A version to access. Fields that name the same version share one access.
#[derive(PartialEq, Eq)]
pub struct Access {
    /// `None`: the backend's default project.
    project: Option<Arc<str>>,
    location: Option<Arc<str>>,
    secret: Arc<str>,
    version: Arc<str>,
}

impl Access {
    /// A version of a secret in a known project.
    pub(crate) fn new(project: &str, secret: &str, version: &str) -> Self {
        Self {
            project: Some(project.into()),
            location: None,
            secret: secret.into(),
            version: version.into(),
        }
    }

    /// The resource name in `project`.
    fn name(&self, project: &str) -> String {
        let Self {
            secret, version, ..
        } = self;
        match &self.location {
            Some(location) => format!(
                "projects/{project}/locations/{location}/secrets/{secret}/versions/{version}"
            ),
            None => format!("projects/{project}/secrets/{secret}/versions/{version}"),
        }
    }
}

impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.project {
            Some(project) => write!(f, "secret {}", self.name(project)),
            None => write!(
                f,
                "secret {} version {} of the default project",
                self.secret, self.version
            ),
        }
    }
}

static SECRET_NAME: NameRule = NameRule {
    what: "the secret name",
    check: |name| secrets_names::blind::parse_secret_name(name).map(drop),
};

static PROJECT: NameRule = NameRule {
    what: "the project",
    check: secrets_names::blind::check_project_id,
};

/// `#[secret_manager(secret = ".." | secret_env = "..", project = ".." | project_env = "..",
/// location = "..", version = "..", key = "..")]`, defaults applied.
#[derive(Debug)]
pub struct Spec {
    /// The secret: an id, or a full resource name (its project, location and version then
    /// come from it: the derive refuses the keys that would contradict it).
    pub secret: NameRef,
    /// The project of a secret named by its id; an unset env var leaves it to the backend.
    pub project: NameRef,
    /// The location of a regional secret.
    pub location: Option<&'static str>,
    /// The version of a secret whose name pins none; `latest` when `None`.
    pub version: Option<&'static str>,
    /// The whole payload, or one key of the JSON object it holds.
    pub pick: Pick,
}

impl FieldSource for Spec {
    fn plan(&'static self, cx: &mut Planner<'_>) -> Planned {
        let named = cx.name(self.secret, &SECRET_NAME);
        let origin = Origin::of(self, "".into(), &named, self.secret);
        let request = named.and_then(|named| {
            // Checked by the rule already, literal or read from the environment.
            let parsed = secrets_names::blind::parse_secret_name(&named)
                .map_err(|why| BackendError::new(ErrorKind::Invalid, why))?;
            let project = match parsed.project {
                Some(project) => Some(project.into()),
                None => cx.optional_name(self.project, &PROJECT)?,
            };
            let version = parsed.version.or(self.version).unwrap_or("latest");
            Ok(Access {
                project,
                location: parsed.location.or(self.location).map(Arc::from),
                secret: parsed.secret.into(),
                version: version.into(),
            })
        });
        match request {
            Ok(access) => {
                let id = cx.request::<SecretManager>(access);
                Planned::pending(origin, id, self.pick)
            }
            // Nothing to ask for: a broken deploy, not an absent secret.
            Err(why) => Planned::failed(origin, why),
        }
    }

    fn describe(&self, origin: &Origin, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(secret) = origin.name() {
            write!(f, "secret manager {secret}")?;
            if let Some(version) = self.version {
                write!(f, " version {version}")?;
            }
        }
        write!(f, "{}", self.pick)
    }
}
