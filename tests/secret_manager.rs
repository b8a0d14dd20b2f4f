//! `#[secret_manager]` on the in-memory and local backends: names, versions, projects,
//! absence and errors, as a user tests their own config offline.

mod common;

use common::{API_TOKEN, APP_PASSWORD, DB_PASS, assert_no_secret};
use secrets_runtime::local::LocalSecretManager;
use secrets_runtime::memory::MemorySecretManager;
use secrets_runtime::{ErrorKind, ExposeSecret, SecretString, Secrets, Sources};

const DB: &str = "projects/app-project/secrets/db-pass";
const API: &str = "projects/app-project/secrets/api";
const SHARED: &str = "projects/shared-project/secrets/ca";
const REGIONAL: &str = "projects/app-project/locations/europe-west1/secrets/eu-token";

#[derive(Secrets)]
struct Config {
    #[secret_manager(secret = "db-pass")]
    db_pass: SecretString,
    #[secret_manager(secret = "api", version = "2", key = "token")]
    api_token: SecretString,
    #[secret_manager(secret = "api", version = "2", key = "user")]
    api_user: String,
    #[secret_manager(secret = "projects/shared-project/secrets/ca/versions/prod")]
    ca: Vec<u8>,
    #[secret_manager(secret = "eu-token", location = "europe-west1")]
    eu_token: SecretString,
    #[secret_manager(secret = "not-created")]
    optional: Option<SecretString>,
}

fn store() -> MemorySecretManager {
    let sm = MemorySecretManager::new();
    sm.add_version(DB, "an-old-password");
    sm.add_version(DB, DB_PASS);
    sm.add_version(API, r#"{"token": "old"}"#);
    sm.add_version(API, format!(r#"{{"token": "{API_TOKEN}", "user": "svc"}}"#));
    sm.add_version(SHARED, b"-----BEGIN CERTIFICATE-----".to_vec());
    sm.set_alias(SHARED, "prod", 1);
    sm.add_version(REGIONAL, APP_PASSWORD);
    sm
}

fn sources(sm: &MemorySecretManager, project: Option<&str>) -> Sources {
    let env: Vec<(&str, &str)> = project
        .map(|p| ("GOOGLE_CLOUD_PROJECT", p))
        .into_iter()
        .collect();
    Sources::builder()
        .env(env)
        .secret_manager(sm.clone())
        .build()
}

#[tokio::test]
async fn versions_aliases_keys_projects_and_locations() {
    let sm = store();
    let config = Config::load_from(&sources(&sm, Some("app-project")))
        .await
        .unwrap();
    assert_eq!(config.db_pass.expose_secret(), DB_PASS, "latest");
    assert_eq!(config.api_token.expose_secret(), API_TOKEN);
    assert_eq!(config.api_user, "svc");
    assert_eq!(config.ca, b"-----BEGIN CERTIFICATE-----");
    assert_eq!(config.eu_token.expose_secret(), APP_PASSWORD);
    assert!(config.optional.is_none(), "a secret that does not exist");
    // db-pass, api v2 (two fields), the shared ca, the regional token, not-created.
    assert_eq!(sm.access_count(), 5);
}

#[tokio::test]
async fn without_a_project_variable_the_backend_gives_the_project() {
    // As on Cloud Run: no GOOGLE_CLOUD_PROJECT; Google's backend asks the metadata server.
    let sm = store().with_default_project("app-project");
    let config = Config::load_from(&sources(&sm, None)).await.unwrap();
    assert_eq!(config.db_pass.expose_secret(), DB_PASS);

    let err = Config::load_from(&sources(&store(), None))
        .await
        .err()
        .unwrap();
    let message = err.to_string();
    assert!(message.contains("GOOGLE_CLOUD_PROJECT"), "{message}");
    // The secret in another project needs none, so it is not among the failures.
    assert!(err.fields().iter().all(|f| f.field() != "ca"), "{message}");
}

#[tokio::test]
async fn disabled_and_destroyed_versions_are_errors_that_name_them() {
    let sm = store();
    sm.disable(DB, 2);
    sm.destroy(API, 2);
    let err = Config::load_from(&sources(&sm, Some("app-project")))
        .await
        .err()
        .unwrap();
    let field = |name: &str| {
        let found = err.fields().iter().find(|f| f.field() == name).unwrap();
        found.message().to_owned()
    };
    // `latest` is version 2 even when disabled: no fallback to version 1, as in Secret Manager.
    assert!(
        field("db_pass").contains(&format!("{DB}/versions/2 is disabled")),
        "{err}"
    );
    assert!(
        field("api_token").contains(&format!("{API}/versions/2 is destroyed")),
        "{err}"
    );
    assert_no_secret("error", &format!("{err} {err:?}"));
}

#[derive(Secrets)]
#[secrets(project_env = "APP_PROJECT")]
struct FromEnv {
    #[secret_manager(secret_env = "DB_SECRET")]
    db_pass: SecretString,
    #[secret_manager(secret = "api", project = "app-project", version = "1", key = "token")]
    old_token: String,
}

#[tokio::test]
async fn names_read_from_the_environment_are_checked_without_being_shown() {
    let sm = store();
    let with = |vars: &[(&str, &str)]| {
        Sources::builder()
            .env(vars.iter().copied())
            .secret_manager(sm.clone())
            .build()
    };
    let loaded = FromEnv::load_from(&with(&[
        ("DB_SECRET", "db-pass"),
        ("APP_PROJECT", "app-project"),
    ]))
    .await
    .unwrap();
    assert_eq!(loaded.db_pass.expose_secret(), DB_PASS);
    assert_eq!(loaded.old_token, "old");
    // A full name in the env var brings its own project and version.
    let full = format!("{DB}/versions/1");
    let loaded = FromEnv::load_from(&with(&[("DB_SECRET", &full)]))
        .await
        .unwrap();
    assert_eq!(loaded.db_pass.expose_secret(), "an-old-password");

    // A password pasted where the secret's name belongs.
    let err = FromEnv::load_from(&with(&[
        ("DB_SECRET", DB_PASS),
        ("APP_PROJECT", "app-project"),
    ]))
    .await
    .err()
    .unwrap();
    assert_eq!(err.fields()[0].kind(), ErrorKind::Invalid);
    assert!(err.to_string().contains("env DB_SECRET"), "{err}");
    assert_no_secret("error", &format!("{err} {err:?}"));
    let err = FromEnv::load_from(&with(&[
        ("DB_SECRET", "db-pass"),
        ("APP_PROJECT", "Not A Project"),
    ]))
    .await
    .err()
    .unwrap();
    assert!(err.to_string().contains("env APP_PROJECT"), "{err}");
    assert!(!err.to_string().contains("Not A Project"), "{err}");

    // A token pasted in the wrong variable can pass for a secret id: the error names the var.
    let token = "ghp_Zq8xK2nV7token";
    let err = FromEnv::load_from(&with(&[
        ("DB_SECRET", token),
        ("APP_PROJECT", "app-project"),
    ]))
    .await
    .err()
    .unwrap();
    assert_eq!(
        err.fields()[0].message(),
        "secret projects/app-project/secrets/$DB_SECRET/versions/latest not found"
    );
    assert_eq!(err.fields()[0].origin(), "secret manager $DB_SECRET");
    assert!(!format!("{err} {err:?}").contains(token), "{err}");
}

#[derive(Secrets)]
struct Optional {
    #[secret_manager(secret_env = "WEBHOOK_SECRET")]
    webhook: Option<SecretString>,
    #[secret_manager(secret_env = "DB_SECRET", version = "1")]
    pinned: Option<SecretString>,
}

#[tokio::test]
async fn an_unset_secret_var_is_absence_and_a_full_name_from_env_is_held_to_the_keys() {
    let sm = store();
    let sources = |vars: &[(&str, &str)]| {
        Sources::builder()
            .env(vars.iter().copied())
            .secret_manager(sm.clone())
            .build()
    };
    let loaded = Optional::load_from(&sources(&[])).await.unwrap();
    assert!(loaded.webhook.is_none() && loaded.pinned.is_none());
    // What the derive refuses in a literal (a full name pinning a version, and `version`),
    // refused at boot in a name from env.
    let pinned = format!("{DB}/versions/2");
    let err = Optional::load_from(&sources(&[("DB_SECRET", &pinned)]))
        .await
        .err()
        .unwrap();
    assert_eq!(
        err.fields()[0].message(),
        "env DB_SECRET holds a full secret name with its version, and the field gives `version` too; drop one"
    );
}

#[tokio::test]
async fn without_a_project_the_message_names_the_var_that_was_to_give_it() {
    let err = FromEnv::load_from(
        &Sources::builder()
            .env([("DB_SECRET", "db-pass")])
            .secret_manager(store())
            .build(),
    )
    .await
    .err()
    .unwrap();
    let message = err.fields()[0].message();
    assert!(
        message.starts_with(
            "secret $DB_SECRET version latest (env APP_PROJECT is unset): no project is known"
        ),
        "{message}"
    );
}

#[derive(Secrets)]
struct Db {
    #[secret_manager(secret = "db-pass")]
    latest: SecretString,
    #[secret_manager(secret = "db-pass", version = "1")]
    first: SecretString,
    #[secret_manager(secret = "other")]
    other: Option<SecretString>,
}

#[tokio::test]
async fn the_local_backend_keeps_versions_as_files() {
    let dir = tempfile::tempdir().unwrap();
    let local = LocalSecretManager::new(dir.path());
    assert_eq!(local.add_version(DB, b"an-old-password").unwrap(), 1);
    assert_eq!(local.add_version(DB, DB_PASS.as_bytes()).unwrap(), 2);
    assert!(
        dir.path()
            .join("secretmanager/projects/app-project/secrets/db-pass/versions/2")
            .is_file()
    );
    let sources = Sources::builder()
        .env([("GOOGLE_CLOUD_PROJECT", "app-project")])
        .local(dir.path())
        .build();
    let db = Db::load_from(&sources).await.unwrap();
    assert_eq!(db.latest.expose_secret(), DB_PASS);
    assert_eq!(db.first.expose_secret(), "an-old-password");
    assert!(db.other.is_none());
}
