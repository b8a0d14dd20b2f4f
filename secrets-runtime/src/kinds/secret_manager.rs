//! `#[secret_manager]`: a version of a Secret Manager secret, whole or one key of the JSON
//! object it holds.
//!
//! The secret is named in the struct (`secret = "db-pass"`, or a full resource name that
//! reaches another project) or by an env var (`secret_env`); the project comes from the name,
//! the field's `project`, env `GOOGLE_CLOUD_PROJECT` (the struct's `project_env`), or else from
//! the backend (Google's asks the metadata server, as on Cloud Run, which sets no project
//! variable). `berglas`'s `sm://` references read through this family too.

use std::borrow::Cow;
use std::fmt;
use std::sync::{Arc, OnceLock};

use crate::backend::{SecretBytes, SecretStore};
use crate::environment::NameRule;
use crate::family::Family;
use crate::load::{Planned, Planner};
use crate::manifest::{self, Holds, ManifestCx, Resource};
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
        let project = if let Some(project) = &request.project {
            project.clone()
        } else {
            let project = store.default_project().await.map_err(|why| {
                BackendError::new(why.kind(), format!("{request}: {}", why.message()))
            })?;
            request.resolved.get_or_init(|| project.clone()).clone()
        };
        let name = request.name(&project, &request.secret);
        store
            .access(&name, max_bytes)
            .await
            .map_err(|why| request.redact(why))
    }
}

/// A version to access. Fields that name the same version share one access.
pub struct Access {
    /// `None`: the backend's default project.
    project: Option<Arc<str>>,
    location: Option<Arc<str>>,
    secret: Arc<str>,
    version: Arc<str>,
    /// The env var the secret's name was read from. Messages show it in place of the name:
    /// a value pasted into the wrong variable can pass for a secret id (`ghp_…` does).
    named_by: Option<&'static str>,
    /// The env var that was to give the project, named when no project is known.
    project_var: Option<&'static str>,
    /// The backend's default project, once asked, for messages.
    resolved: OnceLock<Arc<str>>,
}

impl PartialEq for Access {
    fn eq(&self, other: &Self) -> bool {
        (&self.project, &self.location, &self.secret, &self.version)
            == (
                &other.project,
                &other.location,
                &other.secret,
                &other.version,
            )
    }
}

impl Access {
    /// A version of a secret in a known project.
    pub(crate) fn new(project: &str, secret: &str, version: &str) -> Self {
        Self {
            project: Some(project.into()),
            location: None,
            secret: secret.into(),
            version: version.into(),
            named_by: None,
            project_var: None,
            resolved: OnceLock::new(),
        }
    }

    /// The resource name in `project`, with `secret` as the id.
    fn name(&self, project: &str, secret: &str) -> String {
        let version = &self.version;
        match &self.location {
            Some(location) => format!(
                "projects/{project}/locations/{location}/secrets/{secret}/versions/{version}"
            ),
            None => format!("projects/{project}/secrets/{secret}/versions/{version}"),
        }
    }

    /// The secret's id as messages show it.
    fn shown(&self) -> Cow<'_, str> {
        match self.named_by {
            Some(var) => Cow::Owned(format!("${var}")),
            None => Cow::Borrowed(&self.secret),
        }
    }

    /// A backend's error with the id of a secret named by env replaced by the var's name,
    /// wherever the backend (or the service's own message) wrote it in a resource name.
    fn redact(&self, why: BackendError) -> BackendError {
        if self.named_by.is_none() {
            return why;
        }
        let (real, shown) = (
            format!("secrets/{}", self.secret),
            format!("secrets/{}", self.shown()),
        );
        BackendError::new(why.kind(), why.message().replace(&real, &shown))
    }
}

impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let project = self.project.as_ref().or_else(|| self.resolved.get());
        match (project, self.project_var) {
            (Some(project), _) => write!(f, "secret {}", self.name(project, &self.shown())),
            (None, var) => {
                write!(f, "secret {} version {}", self.shown(), self.version)?;
                match var {
                    Some(var) => write!(f, " (env {var} is unset)"),
                    None => Ok(()),
                }
            }
        }
    }
}

pub(crate) static SECRET_NAME: NameRule = NameRule {
    what: "the secret name",
    check: |name| secrets_names::blind::parse_secret_name(name).map(drop),
};

pub(crate) static PROJECT: NameRule = NameRule {
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
    /// Whether the field gives `project` or `project_env` itself (rather than the struct's
    /// default var): a full name read from env must not contradict it.
    pub project_given: bool,
    /// The location of a regional secret.
    pub location: Option<&'static str>,
    /// The version of a secret whose name pins none; `latest` when `None`.
    pub version: Option<&'static str>,
    /// The whole payload, or one key of the JSON object it holds.
    pub pick: Pick,
}

impl Spec {
    /// The version `named` (checked by its rule already) and the field's keys name.
    fn access(
        &self,
        cx: &mut Planner<'_>,
        named: &str,
        named_by: Option<&'static str>,
    ) -> Result<Access, BackendError> {
        let parsed = secrets_names::blind::parse_secret_name(named)
            .map_err(|why| BackendError::new(ErrorKind::Invalid, why))?;
        // What the derive refuses in a literal, refused in a name read from env.
        let given = [
            (parsed.project.is_some() && self.project_given, "project"),
            (
                parsed.location.is_some() && self.location.is_some(),
                "location",
            ),
            (
                parsed.version.is_some() && self.version.is_some(),
                "version",
            ),
        ];
        if let (Some(var), Some((_, what))) = (named_by, given.iter().find(|(both, _)| *both)) {
            return Err(BackendError::new(
                ErrorKind::Invalid,
                format!(
                    "env {var} holds a full secret name with its {what}, and the field gives `{what}` too; drop one"
                ),
            ));
        }
        let (project, project_var) = if let Some(project) = parsed.project {
            (Some(project.into()), None)
        } else {
            let var = match self.project {
                NameRef::Env(var) => Some(var),
                NameRef::Literal(_) => None,
            };
            (cx.optional_name(self.project, &PROJECT)?, var)
        };
        Ok(Access {
            project,
            location: parsed.location.or(self.location).map(Arc::from),
            secret: parsed.secret.into(),
            version: parsed.version.or(self.version).unwrap_or("latest").into(),
            named_by,
            project_var,
            resolved: OnceLock::new(),
        })
    }
}

impl FieldSource for Spec {
    fn plan(&'static self, cx: &mut Planner<'_>) -> Planned {
        let named = cx.name(self.secret, &SECRET_NAME);
        let (named_by, origin) = match self.secret {
            // A name read from env is shown as the var: see `Access::named_by`.
            NameRef::Env(var) => {
                let unread = Err::<Arc<str>, ()>(());
                (Some(var), Origin::of(self, "".into(), &unread, self.secret))
            }
            NameRef::Literal(_) => (None, Origin::of(self, "".into(), &named, self.secret)),
        };
        let named = match named {
            Ok(named) => named,
            // An unset `secret_env`: the secret is not given, as an unset `#[env]` var.
            Err(why) if named_by.is_some() && why.kind() == ErrorKind::Missing => {
                return Planned::done(origin, Err(why));
            }
            // Nothing to ask for: a broken deploy, not an absent secret.
            Err(why) => return Planned::failed(origin, why),
        };
        match self.access(cx, &named, named_by) {
            Ok(access) => {
                let id = cx.request::<SecretManager>(access);
                Planned::pending(origin, id, self.pick)
            }
            Err(why) => Planned::failed(origin, why),
        }
    }

    fn needs(&self, cx: &mut ManifestCx) {
        let secret = cx.name(self.secret, Holds::SecretName);
        // A literal full name gives its own parts; the derive checked it, and refused the
        // field's keys that would contradict it.
        let named = match self.secret {
            NameRef::Literal(name) => secrets_names::parse_secret_name(name).ok(),
            NameRef::Env(_) => None,
        };
        let (secret, project, location, version) = match named {
            Some(named) => (
                manifest::Name::Literal(named.secret),
                named.project,
                named.location,
                named.version,
            ),
            None => (secret, None, None, None),
        };
        let project = match project {
            Some(project) => manifest::Name::Literal(project),
            None => cx.name(self.project, Holds::ProjectId),
        };
        cx.needs(Resource::Secret {
            project,
            location: location.or(self.location),
            secret,
            versions: vec![version.or(self.version).unwrap_or("latest")],
        });
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
