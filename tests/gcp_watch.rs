//! `Secrets::watch_from` through Google's official Secret Manager client, over real HTTP,
//! against the Secret Manager wire server, on a multi-thread runtime and in real time (the
//! shortest period, one second): a rotation is picked up, and dropping the watch stops the
//! requests the server sees.

#![cfg(feature = "gcp")]

mod common;

use std::time::Duration;

use common::{DB_PASS, quick};
use secrets_runtime::{ExposeSecret, MIN_WATCH_PERIOD, Reload, SecretString, Secrets, Sources};
use secrets_wire_server::SecretManagerServer;

const DB: &str = "projects/app-project/secrets/db-pass";

/// Only guards against a hang: a watch that works answers within a period or two.
const HANG: Duration = Duration::from_mins(1);

#[derive(Secrets)]
struct Config {
    #[secret_manager(secret = "db-pass")]
    db_pass: SecretString,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotation_is_picked_up_over_the_wire_and_drop_stops_the_requests() {
    let server = SecretManagerServer::start().await;
    server.add_version(DB, b"first-db-pass");
    let sources = Sources::builder()
        .env([("GOOGLE_CLOUD_PROJECT", "app-project")])
        .secret_manager_endpoint(server.endpoint())
        .retry(quick())
        .build();
    let mut watch = Config::watch_from(sources, MIN_WATCH_PERIOD).await.unwrap();
    assert_eq!(watch.current().db_pass.expose_secret(), "first-db-pass");
    assert_eq!(server.request_count(), 1);

    let reload = tokio::time::timeout(HANG, watch.reloaded()).await.unwrap();
    assert_eq!(reload, Ok(Reload::Unchanged));
    server.add_version(DB, DB_PASS.as_bytes());
    tokio::time::timeout(HANG, watch.changed())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(watch.current().db_pass.expose_secret(), DB_PASS);
    assert!(
        server.request_count() >= 3,
        "the first load and two reloads"
    );

    drop(watch);
    // A request already on the wire when the watch was dropped may still arrive: count from
    // a moment later.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let requests = server.request_count();
    tokio::time::sleep(MIN_WATCH_PERIOD * 3).await;
    assert_eq!(
        server.request_count(),
        requests,
        "no request once the watch is dropped"
    );
}
