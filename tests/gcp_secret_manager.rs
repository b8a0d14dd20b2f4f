//! `#[secret_manager]` through Google's official Secret Manager client, over real HTTP, against
//! the project's Secret Manager wire server: names in every form, absence, every failure
//! class, retries, shared accesses and the default project from the metadata server.

#![cfg(feature = "gcp")]

mod common;

use std::time::Duration;

use common::{API_TOKEN, APP_PASSWORD, DB_PASS, assert_no_secret, failure, quick};
use secrets_runtime::gcp::GcpSecretManager;
use secrets_runtime::{ErrorKind, ExposeSecret, SecretString, Secrets, Sources};
use secrets_wire_server::{Fault, MetadataServer, SecretManagerServer};

const DB: &str = "projects/app-project/secrets/db-pass";
const API: &str = "projects/app-project/secrets/api";
const SHARED: &str = "projects/shared-project/secrets/ca";
const REGIONAL: &str = "projects/app-project/locations/europe-west1/secrets/eu-token";
const CA: &[u8] = b"-----BEGIN CERTIFICATE-----";

#[derive(Debug, Secrets)]
struct Config {
    #[secret_manager(secret = "db-pass")]
    db_pass: SecretString,
    /// The same version as `db_pass`, by its full name: one access for both.
    #[secret_manager(secret = "projects/app-project/secrets/db-pass")]
    db_pass_again: SecretString,
    #[secret_manager(secret = "db-pass", version = "1")]
    old_db_pass: String,
    #[secret_manager(secret = "api", key = "token")]
    api_token: SecretString,
    #[secret_manager(secret = "api", key = "user")]
    api_user: String,
    /// Another project, by alias.
    #[secret_manager(secret = "projects/shared-project/secrets/ca/versions/prod")]
    ca: Vec<u8>,
    #[secret_manager(secret = "eu-token", location = "europe-west1")]
    eu_token: SecretString,
    #[secret_manager(secret = "not-created")]
    optional: Option<SecretString>,
}

/// A server holding every secret `Config` reads but `not-created`.
async fn server() -> SecretManagerServer {
    let server = SecretManagerServer::start().await;
    assert_eq!(server.add_version(DB, b"an-old-password"), 1);
    assert_eq!(server.add_version(DB, DB_PASS.as_bytes()), 2);
    let api = format!(r#"{{"token": "{API_TOKEN}", "user": "svc"}}"#);
    server.add_version(API, api.as_bytes());
    server.add_version(SHARED, CA);
    server.add_version(SHARED, b"a newer certificate");
    server.set_alias(SHARED, "prod", 1);
    server.add_version(REGIONAL, APP_PASSWORD.as_bytes());
    server
}

/// The official client at `server`, `GOOGLE_CLOUD_PROJECT=app-project`, with a short deadline
/// and quick retries so that failure tests end soon.
fn sources(server: &SecretManagerServer) -> Sources {
    Sources::builder()
        .env([("GOOGLE_CLOUD_PROJECT", "app-project")])
        .secret_manager_endpoint(server.endpoint())
        .retry(quick())
        .build()
}

#[tokio::test]
async fn every_name_form_through_the_official_client_once_per_version() {
    let server = server().await;
    let config = Config::load_from(&sources(&server)).await.unwrap();
    assert_eq!(
        config.db_pass.expose_secret(),
        DB_PASS,
        "latest is version 2"
    );
    assert_eq!(config.db_pass_again.expose_secret(), DB_PASS);
    assert_eq!(config.old_db_pass, "an-old-password", "pinned version 1");
    assert_eq!(config.api_token.expose_secret(), API_TOKEN);
    assert_eq!(config.api_user, "svc");
    assert_eq!(config.ca, CA, "alias prod is version 1, not latest");
    assert_eq!(config.eu_token.expose_secret(), APP_PASSWORD, "regional");
    assert!(config.optional.is_none(), "NOT_FOUND is absence");
    // db-pass latest (two fields), db-pass 1, api latest (two keys), ca prod, eu-token; and
    // not-created, asked and not found.
    assert_eq!(server.access_count(), 5);
    assert_eq!(server.request_count(), 6);
    assert_no_secret("Debug", &format!("{config:?}"));
}

#[derive(Debug, Secrets)]
#[expect(dead_code, reason = "loaded only to fail")]
struct Required {
    #[secret_manager(secret = "not-created")]
    missing: SecretString,
    #[secret_manager(secret = "db-pass", version = "9")]
    no_such_version: Option<SecretString>,
}

#[tokio::test]
async fn a_required_secret_that_does_not_exist_is_missing() {
    let server = server().await;
    let err = Required::load_from(&sources(&server)).await.unwrap_err();
    assert_no_secret("error", &format!("{err} {err:?}"));
    let failed = err.field("missing").unwrap();
    // Absence, as a missing JSON key is.
    assert_eq!(failed.kind(), ErrorKind::Missing, "{failed}");
    assert_eq!(
        failed.message(),
        "secret projects/app-project/secrets/not-created/versions/latest not found"
    );
    assert!(
        err.field("no_such_version").is_none(),
        "a version that does not exist is absence too: {err}"
    );
}

#[derive(Debug, Secrets)]
struct Api {
    #[secret_manager(secret = "api", key = "token")]
    token: Option<SecretString>,
}

#[tokio::test]
async fn permission_denied_names_the_secret_and_the_role_and_is_not_retried() {
    let server = server().await;
    server.deny(API);
    let failed = failure(Api::load_from(&sources(&server)).await, "token");
    assert_eq!(failed.kind(), ErrorKind::PermissionDenied, "{failed}");
    assert!(
        failed.message().starts_with(&format!(
            "permission denied on secret {API}/versions/latest: grant the function's service account roles/secretmanager.secretAccessor on it"
        )),
        "{failed}"
    );
    assert_eq!(server.request_count(), 1, "403 is permanent");
}

#[tokio::test]
async fn disabled_and_destroyed_versions_are_named_in_the_error() {
    let server = server().await;
    // Google names the project by number in its messages; the error names what Google did.
    server.set_project_number("app-project", 123_456_789);
    server.disable(DB, 2);
    server.destroy(API, 1);
    let err = Config::load_from(&sources(&server)).await.unwrap_err();
    assert_no_secret("error", &format!("{err} {err:?}"));
    let db = err.field("db_pass").unwrap();
    assert_eq!(db.kind(), ErrorKind::Other, "{db}");
    // `latest` is the disabled version 2: no fallback to version 1.
    assert_eq!(
        db.message(),
        "secret version projects/123456789/secrets/db-pass/versions/2 is disabled; enable it or pin another version"
    );
    let api = err.field("api_token").unwrap();
    assert_eq!(
        api.message(),
        "secret version projects/123456789/secrets/api/versions/1 is destroyed; pin another version (a destroyed version cannot be restored)"
    );
    assert!(err.field("old_db_pass").is_none(), "version 1 is enabled");
    assert_eq!(
        server.request_count(),
        6,
        "a disabled version is not retried"
    );
}

#[tokio::test]
async fn a_wrong_checksum_is_never_used_and_a_missing_one_is_accepted() {
    let server = server().await;
    server.set_wrong_crc(true);
    let failed = failure(Api::load_from(&sources(&server)).await, "token");
    assert_eq!(failed.kind(), ErrorKind::Integrity, "{failed}");
    assert_eq!(
        failed.message(),
        format!(
            "secret {API}/versions/latest: the payload does not match its CRC32C checksum; the value was not used"
        )
    );

    server.set_omit_crc(true);
    let api = Api::load_from(&sources(&server)).await.unwrap();
    assert_eq!(api.token.unwrap().expose_secret(), API_TOKEN);
}

#[tokio::test]
async fn a_payload_over_the_cap_is_too_large() {
    let server = server().await;
    let sources = Sources::builder()
        .env([("GOOGLE_CLOUD_PROJECT", "app-project")])
        .secret_manager_endpoint(server.endpoint())
        .max_object_bytes(16)
        .build();
    let failed = failure(Api::load_from(&sources).await, "token");
    assert_eq!(failed.kind(), ErrorKind::TooLarge, "{failed}");
    assert!(
        failed
            .message()
            .starts_with(&format!("secret {API}/versions/latest is ")),
        "{failed}"
    );
}

#[tokio::test]
async fn unavailable_then_success_within_one_load() {
    let server = server().await;
    server.faults().push(Fault::Unavailable);
    let api = Api::load_from(&sources(&server)).await.unwrap();
    assert_eq!(api.token.unwrap().expose_secret(), API_TOKEN);
    assert_eq!(
        (server.request_count(), server.access_count()),
        (2, 1),
        "the 503, then the access"
    );
}

#[tokio::test]
async fn unavailable_forever_fails_at_the_deadline_as_unavailable() {
    let server = server().await;
    server.faults().set_always(Some(Fault::Unavailable));
    let failed = failure(Api::load_from(&sources(&server)).await, "token");
    assert_eq!(failed.kind(), ErrorKind::Unavailable, "{failed}");
    assert!(failed.message().contains("UNAVAILABLE"), "{failed}");
    assert!(server.request_count() > 1, "retried before giving up");
}

/// No `GOOGLE_CLOUD_PROJECT`, as on Cloud Run: the project comes from the metadata server at
/// `metadata_host`.
async fn without_project(server: &SecretManagerServer, metadata_host: String) -> Sources {
    let sm = GcpSecretManager::connect(Some(server.endpoint()))
        .await
        .unwrap()
        .with_metadata_host(metadata_host);
    Sources::builder()
        .env(Vec::<(String, String)>::new())
        .secret_manager(sm)
        .retry(quick())
        .build()
}

#[tokio::test]
async fn without_a_project_variable_the_metadata_server_gives_the_project_once() {
    let server = server().await;
    let metadata = MetadataServer::start(Duration::from_mins(1)).await;
    metadata.set_project_id("app-project");
    let sources = without_project(&server, metadata.host()).await;
    for _ in 0..2 {
        let config = Config::load_from(&sources).await.unwrap();
        assert_eq!(config.db_pass.expose_secret(), DB_PASS);
        assert_eq!(config.eu_token.expose_secret(), APP_PASSWORD);
    }
    // Five distinct requests of each load needed the project: asked once for the process.
    assert_eq!(metadata.project_id_count(), 1);
}

#[tokio::test]
async fn a_metadata_server_that_does_not_answer_says_how_to_set_the_project() {
    let server = server().await;
    // A port that was just free: nothing listens there.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let sources = without_project(&server, closed.to_string()).await;
    let failed = failure(Api::load_from(&sources).await, "token");
    assert_eq!(failed.kind(), ErrorKind::Unconfigured, "{failed}");
    assert!(
        failed.message().starts_with(&format!(
            "secret api version latest (env GOOGLE_CLOUD_PROJECT is unset): no project is known: set the project's env var (GOOGLE_CLOUD_PROJECT unless the struct's `project_env` names another), or give the field `project = \"..\"`; the metadata server at {closed} gave none ("
        )),
        "{failed}"
    );
    assert_eq!(server.request_count(), 0, "no access without a project");
}
