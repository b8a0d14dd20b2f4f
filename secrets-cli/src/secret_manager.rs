//! `secrets secret-manager add`: a new version of a secret, where `#[secret_manager]` fields and
//! `sm://` references read it, through Google's client (creating the secret if asked) or the
//! local backend's files.

use std::path::Path;

use bytes::Bytes;
use google_cloud_gax::error::Error;
use google_cloud_gax::error::rpc::Code;
use google_cloud_secretmanager_v1::client::SecretManagerService;
use google_cloud_secretmanager_v1::model::replication::Automatic;
use google_cloud_secretmanager_v1::model::{Replication, Secret, SecretPayload};
use secrets_runtime::SecretStore;
use secrets_runtime::gcp::{GcpSecretManager, secret_manager_client_from_env};
use secrets_runtime::local::LocalSecretManager;

use crate::backend::Backend;
use crate::fail::{self, Failure, Result};
use crate::{input, output};

/// The env var that names the project of a secret given by its id, as for `load()`.
const PROJECT_ENV: &str = "GOOGLE_CLOUD_PROJECT";
/// Secret Manager's largest payload.
const MAX_PAYLOAD: usize = 64 * 1024;

/// `secrets secret-manager add`, as the command line gives it.
pub struct Add<'a> {
    /// `SECRET`, `projects/P/secrets/S` or `projects/P/locations/L/secrets/S`.
    pub secret: &'a str,
    /// `VALUE`, `@FILE`, or stdin.
    pub value: Option<&'a str>,
    pub project: Option<&'a str>,
    pub create: bool,
}

/// For clap: a secret's name, held to Secret Manager's rules, not a version's.
pub fn parse_secret(text: &str) -> std::result::Result<String, String> {
    let parsed = secrets_names::parse_secret_name(text)?;
    if parsed.version.is_some() {
        return Err(
            "name the secret, without /versions/V: a new version gets the next number".into(),
        );
    }
    Ok(text.to_owned())
}

/// For clap: a project id or number.
pub fn parse_project(text: &str) -> std::result::Result<String, String> {
    secrets_names::check_project_id(text).map(|()| text.to_owned())
}

/// Adds the version and prints its full name.
pub fn add(backend: &Backend, request: &Add<'_>) -> Result<()> {
    let parsed = secrets_names::parse_secret_name(request.secret).map_err(Failure::new)?;
    let project = project(backend, parsed.project, request.project)?;
    let name = match parsed.location {
        Some(location) => format!(
            "projects/{project}/locations/{location}/secrets/{}",
            parsed.secret
        ),
        None => format!("projects/{project}/secrets/{}", parsed.secret),
    };
    let value = input::value(request.value)?;
    if value.len() > MAX_PAYLOAD {
        return Err(Failure::new(format!(
            "the value is {} bytes, over Secret Manager's {MAX_PAYLOAD}: store it with `secrets berglas create`",
            value.len()
        )));
    }
    let version = if let Some(dir) = backend.local_dir() {
        add_locally(dir, &name, &value, request.create)?
    } else {
        let client = backend.block_on(secret_manager_client_from_env(parsed.location))?;
        backend.block_on(add_to_google(&client, &name, &value, request.create))?
    };
    output::line(&version)
}

/// The secret's own project, else `--project`, else `GOOGLE_CLOUD_PROJECT`, else the backend's
/// default (the metadata server's, for Google).
fn project(backend: &Backend, named: Option<&str>, flag: Option<&str>) -> Result<String> {
    match (named, flag) {
        (Some(named), Some(flag)) if named != flag => Err(Failure::new(format!(
            "the secret's name says project {named} and --project says {flag}: give one"
        ))),
        (Some(project), _) | (None, Some(project)) => Ok(project.to_owned()),
        (None, None) => match std::env::var(PROJECT_ENV) {
            Ok(project) if !project.trim().is_empty() => {
                let project = project.trim();
                secrets_names::check_project_id(project)
                    .map_err(|why| Failure::new(format!("env {PROJECT_ENV}: {why}")))?;
                Ok(project.to_owned())
            }
            _ => default_project(backend),
        },
    }
}

fn default_project(backend: &Backend) -> Result<String> {
    let no_project = "no project is known: give --project P, name the secret projects/P/secrets/S, or set GOOGLE_CLOUD_PROJECT";
    if backend.local_dir().is_some() {
        return Err(Failure::new(no_project));
    }
    let asked =
        backend.block_on(async { GcpSecretManager::from_env().await?.default_project().await });
    asked.map(|project| project.to_string()).map_err(|why| {
        Failure::new(format!(
            "{no_project} (the metadata server was asked: {why})"
        ))
    })
}

/// A version file in the local backend's layout; the secret "exists" once it has a directory.
fn add_locally(dir: &Path, name: &str, value: &[u8], create: bool) -> Result<String> {
    if !create && !dir.join("secretmanager").join(name).is_dir() {
        return Err(missing(name));
    }
    let number = LocalSecretManager::new(dir).add_version(name, value)?;
    Ok(format!("{name}/versions/{number}"))
}

async fn add_to_google(
    client: &SecretManagerService,
    name: &str,
    value: &[u8],
    create: bool,
) -> Result<String> {
    match add_version(client, name, value).await {
        Ok(version) => return Ok(version),
        Err(e) if code(&e) == Some(Code::NotFound) && create => {}
        Err(e) => return Err(refused(&e, name, "add a version to", "secretVersionAdder")),
    }
    create_secret(client, name).await?;
    add_version(client, name, value)
        .await
        .map_err(|e| refused(&e, name, "add a version to", "secretVersionAdder"))
}

async fn add_version(
    client: &SecretManagerService,
    name: &str,
    value: &[u8],
) -> std::result::Result<String, Error> {
    // Secret Manager checks the payload against it, so a value damaged on the way is refused.
    let payload = SecretPayload::new()
        .set_data(Bytes::copy_from_slice(value))
        .set_data_crc32c(i64::from(crc32c::crc32c(value)));
    let version = client
        .add_secret_version()
        .set_parent(name)
        .set_payload(payload)
        .send()
        .await?;
    Ok(version.name)
}

/// `CreateSecret`: automatic replication for a global secret (a regional one takes none).
/// Created meanwhile by someone else is as good.
async fn create_secret(client: &SecretManagerService, name: &str) -> Result<()> {
    let (parent, id) = name
        .rsplit_once("/secrets/")
        .expect("built as PARENT/secrets/ID");
    let mut secret = Secret::new();
    if !parent.contains("/locations/") {
        secret = secret.set_replication(Replication::new().set_automatic(Automatic::new()));
    }
    let created = client
        .create_secret()
        .set_parent(parent)
        .set_secret_id(id)
        .set_secret(secret)
        .send()
        .await;
    match created {
        Ok(_) => {
            output::note(&format!("created secret {name}"));
            Ok(())
        }
        Err(e) if code(&e) == Some(Code::AlreadyExists) => Ok(()),
        Err(e) => Err(refused(&e, parent, "create a secret in", "admin")),
    }
}

fn code(err: &Error) -> Option<Code> {
    err.status().map(|status| status.code)
}

/// Secret Manager's refusal to `verb` `name`, with what to fix when the cause is known.
fn refused(err: &Error, name: &str, verb: &str, role: &str) -> Failure {
    match code(err) {
        Some(Code::NotFound) if verb.starts_with("add") => missing(name),
        Some(Code::PermissionDenied) => Failure::new(format!(
            "may not {verb} {name}: the caller needs roles/secretmanager.{role} on it ({})",
            fail::google(err)
        )),
        _ => Failure::new(format!("cannot {verb} {name}: {}", fail::google(err))),
    }
}

fn missing(name: &str) -> Failure {
    Failure::new(format!(
        "secret {name} does not exist: give --create to create it (automatic replication)"
    ))
}
