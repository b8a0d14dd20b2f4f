//! `#[secret_manager]` through the production paths, as on Cloud Run: `Secrets::load()` with
//! the process's own sources, Application Default Credentials finding a local metadata server
//! (`GCE_METADATA_HOST`) that issues tokens the Secret Manager wire server requires, and no
//! project variable, so the project comes from the same metadata server.
//!
//! `GCE_METADATA_HOST` must be in the process environment, so the load runs in a child (see
//! `common::child`).

#![cfg(feature = "gcp")]

mod common;

use std::time::Duration;

use common::child::{in_child, run_child};
use common::{API_TOKEN, DB_PASS, assert_no_secret};
use secrets_runtime::gcp::{CREDENTIALS_ENV, SECRET_MANAGER_ENDPOINT_ENV};
use secrets_runtime::{ErrorKind, ExposeSecret, SecretString, Secrets, Sources};
use secrets_wire_server::{MetadataServer, SecretManagerServer};

const TOKEN_LIFETIME: Duration = Duration::from_mins(5);

#[derive(Debug, Secrets)]
struct Config {
    #[secret_manager(secret = "db-pass")]
    db_pass: SecretString,
    #[secret_manager(secret = "api", location = "europe-west1", key = "token")]
    api_token: SecretString,
}

/// Both secrets, in the project the metadata server reports.
async fn servers() -> (SecretManagerServer, MetadataServer) {
    let sm = SecretManagerServer::start().await;
    let metadata = MetadataServer::start(TOKEN_LIFETIME).await;
    metadata.set_project_id("metadata-says");
    sm.require_tokens(metadata.tokens());
    sm.add_version("projects/metadata-says/secrets/db-pass", DB_PASS.as_bytes());
    sm.add_version(
        "projects/metadata-says/locations/europe-west1/secrets/api",
        format!(r#"{{"token": "{API_TOKEN}"}}"#).as_bytes(),
    );
    (sm, metadata)
}

#[test]
fn loads_with_metadata_server_tokens_and_project() {
    if in_child() {
        return load_in_child();
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (sm, metadata) = runtime.block_on(servers());
    // The servers answer from `runtime`'s worker threads while this thread waits. No
    // GOOGLE_CLOUD_PROJECT, as on Cloud Run.
    let output = run_child(
        "loads_with_metadata_server_tokens_and_project",
        &[
            ("GCE_METADATA_HOST", metadata.host()),
            (SECRET_MANAGER_ENDPOINT_ENV, sm.endpoint()),
            (CREDENTIALS_ENV, "adc".to_owned()),
        ],
    );
    assert!(output.contains("loaded in the child"), "{output}");

    let tokens = metadata.tokens();
    assert_eq!(tokens.rejected(), 0, "every request carried a valid token");
    assert_eq!(
        tokens.accepted(),
        sm.request_count(),
        "and every request was checked"
    );
    assert_eq!(sm.access_count(), 2);
    assert_eq!(metadata.project_id_count(), 1, "the project, asked once");
}

/// The child: `Config::load()` with the sources the environment selects.
fn load_in_child() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let config = runtime
        .block_on(Config::load())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.db_pass.expose_secret(), DB_PASS);
    assert_eq!(config.api_token.expose_secret(), API_TOKEN);
    println!("loaded in the child");
}

/// The check the child relies on bites: an endpoint override sends no token unless ADC is
/// asked for, and the server refuses the request.
#[tokio::test]
async fn an_endpoint_override_is_anonymous_unless_adc_is_asked_for() {
    let (sm, metadata) = servers().await;
    let sources = Sources::builder()
        .env([("GOOGLE_CLOUD_PROJECT", "metadata-says")])
        .secret_manager_endpoint(sm.endpoint())
        .build();
    let err = Config::load_from(&sources)
        .await
        .expect_err("no token, no access");
    assert_no_secret("error", &format!("{err} {err:?}"));
    let failed = err.field("db_pass").unwrap();
    assert_eq!(failed.kind(), ErrorKind::PermissionDenied, "{failed}");
    assert!(
        failed.message().starts_with(
            "the credentials were rejected for secret projects/metadata-says/secrets/db-pass/versions/latest (Request is missing required authentication credential."
        ),
        "{failed}"
    );
    assert_eq!(
        (metadata.tokens().rejected(), metadata.tokens().issued()),
        (2, 0)
    );
    assert_eq!(sm.access_count(), 0);
}
