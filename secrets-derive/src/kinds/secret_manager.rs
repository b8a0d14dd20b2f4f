//! `#[secret_manager(secret = ".." | secret_env = "VAR", project = ".." | project_env = "VAR",
//! location = "..", version = "..", key = "..")]`: a version of a Secret Manager secret, used
//! whole or one key of the JSON object it holds.

use quote::quote;
use syn::LitStr;

use super::{ContainerKey, FieldCx, Kind};
use crate::attr::{self, Attr, Exclusive, FromLit, Key, Lit, Spec};
use crate::ctxt::{Ctxt, Reported};
use crate::source::{self, Resolved};
use crate::value::{self, EnvName, JsonKey};

pub struct SecretManager;

/// A secret id or resource name, with the parts a full name gives.
struct Secret {
    name: String,
    project: bool,
    location: bool,
    version: bool,
}

impl FromLit for Secret {
    fn from_lit(_: &str, lit: &LitStr) -> Result<Self, String> {
        let name = lit.value();
        let parsed = secrets_names::parse_secret_name(&name)?;
        Ok(Self {
            project: parsed.project.is_some(),
            location: parsed.location.is_some(),
            version: parsed.version.is_some(),
            name,
        })
    }
}

/// A project id or number.
struct Project(String);

impl FromLit for Project {
    fn from_lit(_: &str, lit: &LitStr) -> Result<Self, String> {
        value::checked(lit, secrets_names::check_project_id).map(Self)
    }
}

/// A location id.
struct Location(String);

impl FromLit for Location {
    fn from_lit(_: &str, lit: &LitStr) -> Result<Self, String> {
        value::checked(lit, secrets_names::check_location_id).map(Self)
    }
}

/// `latest`, a version number or an alias.
struct Version(String);

impl FromLit for Version {
    fn from_lit(_: &str, lit: &LitStr) -> Result<Self, String> {
        value::checked(lit, secrets_names::check_secret_version).map(Self)
    }
}

/// The env var that names the project of a field that gives none; unset at boot, the
/// metadata server's project is used (Cloud Run sets no project variable).
const PROJECT_ENV: ContainerKey = ContainerKey {
    key: "project_env",
    default: "GOOGLE_CLOUD_PROJECT",
};

#[derive(Default)]
struct Keys {
    secret: Attr<Secret>,
    secret_env: Attr<EnvName>,
    project: Attr<Project>,
    project_env: Attr<EnvName>,
    location: Attr<Location>,
    version: Attr<Version>,
    key: Attr<JsonKey>,
}

const SPEC: Spec<Keys> = Spec {
    keys: &[
        // #[secret_manager(secret = "db-pass")], or "projects/P/secrets/S[/versions/V]"
        Key::new("secret", |keys| &mut keys.secret),
        // #[secret_manager(secret_env = "VAR")]: the var that holds the secret's name
        Key::new("secret_env", |keys| &mut keys.secret_env),
        // #[secret_manager(project = "my-project")]
        Key::new("project", |keys| &mut keys.project),
        // #[secret_manager(project_env = "VAR")]: the var that holds the project
        Key::new("project_env", |keys| &mut keys.project_env),
        // #[secret_manager(location = "europe-west1")]: a regional secret
        Key::new("location", |keys| &mut keys.location),
        // #[secret_manager(version = "3")]: a number or an alias; `latest` by default
        Key::new("version", |keys| &mut keys.version),
        // #[secret_manager(key = "password")]: one key of the JSON payload
        Key::new("key", |keys| &mut keys.key),
    ],
    exclusive: &[
        Exclusive {
            first: "secret",
            second: "secret_env",
            what: "the secret",
        },
        Exclusive {
            first: "project",
            second: "project_env",
            what: "the project",
        },
    ],
};

impl Kind for SecretManager {
    fn name(&self) -> &'static str {
        "secret_manager"
    }

    fn example(&self) -> &'static str {
        "#[secret_manager(secret = \"...\")]"
    }

    fn container_keys(&self) -> &'static [ContainerKey] {
        &[PROJECT_ENV]
    }

    fn resolve(&self, cx: &Ctxt, field: &FieldCx) -> Result<Resolved, Reported> {
        let keys = attr::parse(cx, field.attr, &SPEC).read()?;
        let literal = keys.secret.get()?;
        let name = literal.map(|secret| secret.value.name.clone());
        let secret = field.required_name_ref(
            cx,
            name,
            keys.secret_env.get()?,
            "`#[secret_manager]` needs the secret: `#[secret_manager(secret = \"...\")]`",
        )?;
        if let Some(Lit { value, .. }) = literal {
            // A full resource name already says these: a second answer would be a guess.
            let given = [
                (value.project, keys.project.given(), "project"),
                (value.project, keys.project_env.given(), "project"),
                (value.location, keys.location.given(), "location"),
                (value.version, keys.version.given(), "version"),
            ];
            let mut clash = None;
            for (named, span, what) in given {
                if let (true, Some(span)) = (named, span) {
                    clash = Some(cx.error_at(
                        span,
                        format!("the secret's resource name already gives its {what}; drop this key, or name the secret by its id"),
                    ));
                }
            }
            if let Some(reported) = clash {
                return Err(reported);
            }
        }
        let project_given = keys.project.given().or(keys.project_env.given()).is_some();
        let project = keys.project.get()?.map(|project| project.value.0.clone());
        let project = field.name_ref(project, keys.project_env.get()?, &PROJECT_ENV);
        let location = keys.location.get()?.map(|l| l.value.0.as_str());
        let version = keys.version.get()?.map(|v| v.value.0.as_str());
        let private = field.private;
        let pick = source::pick(private, keys.key.get()?);
        let (spec_secret, spec_project) = (secret.tokens(private), project.tokens(private));
        let (location, version) = (source::option_str(location), source::option_str(version));
        let project_read = !literal.is_some_and(|secret| secret.value.project);
        let uses = secret
            .used_as("a secret name")
            .into_iter()
            .chain(project.used_as("a project").filter(|_| project_read))
            .collect();
        Ok(Resolved {
            spec: quote!(#private::secret_manager::Spec {
                secret: #spec_secret,
                project: #spec_project,
                project_given: #project_given,
                location: #location,
                version: #version,
                pick: #pick,
            }),
            uses,
        })
    }
}
