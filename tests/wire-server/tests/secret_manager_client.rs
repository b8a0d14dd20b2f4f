//! `SecretManagerServer` against the real official client, `google-cloud-secretmanager-v1`,
//! over HTTP; and at the HTTP level for what that client cannot send (malformed names) or
//! does not show (the exact reply body). Also the `MetadataServer`'s project-id endpoint.

use std::time::Duration;

use bytes::Bytes;
use google_cloud_auth::credentials::anonymous::Builder as Anonymous;
use google_cloud_auth::credentials::mds;
use google_cloud_gax::error::Error;
use google_cloud_gax::error::rpc::Code;
use google_cloud_gax::exponential_backoff::ExponentialBackoffBuilder;
use google_cloud_gax::options::RequestOptionsBuilder;
use google_cloud_gax::retry_policy::{Aip194Strict, NeverRetry, RetryPolicyExt};
use google_cloud_secretmanager_v1::builder::secret_manager_service::ClientBuilder;
use google_cloud_secretmanager_v1::client::SecretManagerService;
use google_cloud_secretmanager_v1::model::AccessSecretVersionResponse;
use http_body_util::{BodyExt, Empty};
use hyper::Request;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use secrets_wire_server::{DEFAULT_METADATA_PROJECT, Fault, MetadataServer, SecretManagerServer};
use serde_json::{Value, json};

const SECRET: &str = "projects/p/secrets/s";
const REGIONAL: &str = "projects/p/locations/europe-west1/secrets/s";
const DENIED_MESSAGE: &str =
    "Permission 'secretmanager.versions.access' denied on resource (or it may not exist).";

/// A client for `server` that makes exactly one attempt per call, so each test sees what the
/// server did rather than what the retry loop made of it; anonymous unless told otherwise.
fn builder(server: &SecretManagerServer) -> ClientBuilder {
    SecretManagerService::builder()
        .with_endpoint(server.endpoint())
        .with_credentials(Anonymous::new().build())
        .with_retry_policy(NeverRetry)
}

async fn client(server: &SecretManagerServer) -> SecretManagerService {
    builder(server).build().await.expect("client builds")
}

async fn access(
    client: &SecretManagerService,
    name: &str,
) -> Result<AccessSecretVersionResponse, Error> {
    client.access_secret_version().set_name(name).send().await
}

/// The payload bytes and their checksum as the client returns them.
fn payload(reply: &AccessSecretVersionResponse) -> (Bytes, Option<i64>) {
    let payload = reply.payload.as_ref().expect("a payload");
    (payload.data.clone(), payload.data_crc32c)
}

fn crc(data: &[u8]) -> i64 {
    i64::from(crc32c::crc32c(data))
}

/// The canonical code, message and HTTP status of a service error.
fn status_of(error: &Error) -> (Code, String, Option<u16>) {
    let status = error
        .status()
        .unwrap_or_else(|| panic!("expected a service error, got {error:?}"));
    (
        status.code,
        status.message.clone(),
        error.http_status_code(),
    )
}

/// The payload of `name`, which must be served.
async fn data(client: &SecretManagerService, name: &str) -> Bytes {
    let reply = access(client, name).await;
    payload(&reply.unwrap_or_else(|e| panic!("{name}: {e:?}"))).0
}

/// [`status_of`] the error accessing `name`, which must be refused.
async fn refused(client: &SecretManagerService, name: &str) -> (Code, String, Option<u16>) {
    match access(client, name).await {
        Ok(reply) => panic!("{name} was served as {}", reply.name),
        Err(error) => status_of(&error),
    }
}

#[tokio::test]
async fn access_returns_the_data_and_its_crc() {
    let server = SecretManagerServer::start().await;
    let data = b"s3cr3t \x00\xff bytes";
    assert_eq!(server.add_version(SECRET, data), 1);
    let client = client(&server).await;

    for version in ["1", "latest"] {
        let reply = access(&client, &format!("{SECRET}/versions/{version}"))
            .await
            .expect("access succeeds");
        assert_eq!(reply.name, format!("{SECRET}/versions/1"));
        assert_eq!(payload(&reply), (Bytes::from_static(data), Some(crc(data))));
    }
    assert_eq!((server.access_count(), server.request_count()), (2, 2));
}

#[tokio::test]
async fn latest_is_the_highest_version_and_aliases_resolve_on_the_server() {
    let server = SecretManagerServer::start().await;
    for (n, data) in [b"one", b"two", b"thr"].iter().enumerate() {
        assert_eq!(server.add_version(SECRET, *data), n as u64 + 1);
    }
    server.set_alias(SECRET, "prod", 2);
    let client = client(&server).await;

    for (version, resolved, data) in [("latest", 3, b"thr"), ("prod", 2, b"two"), ("1", 1, b"one")]
    {
        let reply = access(&client, &format!("{SECRET}/versions/{version}"))
            .await
            .unwrap();
        assert_eq!(reply.name, format!("{SECRET}/versions/{resolved}"));
        assert_eq!(payload(&reply).0.as_ref(), data);
    }

    // Moving an alias takes effect on the next access.
    server.set_alias(SECRET, "prod", 1);
    assert_eq!(
        data(&client, &format!("{SECRET}/versions/prod"))
            .await
            .as_ref(),
        b"one"
    );
}

#[tokio::test]
async fn latest_disabled_or_destroyed_fails_without_falling_back() {
    let server = SecretManagerServer::start().await;
    server.add_version(SECRET, b"old");
    server.add_version(SECRET, b"new");
    server.set_alias(SECRET, "current", 2);
    let client = client(&server).await;
    let not_enabled = |state: &str| {
        (
            Code::FailedPrecondition,
            format!("Secret Version [{SECRET}/versions/2] is in {state} state."),
            Some(400),
        )
    };

    server.disable(SECRET, 2);
    for version in ["latest", "2", "current"] {
        let name = format!("{SECRET}/versions/{version}");
        assert_eq!(
            refused(&client, &name).await,
            not_enabled("DISABLED"),
            "{name}"
        );
    }
    assert_eq!(
        data(&client, &format!("{SECRET}/versions/1"))
            .await
            .as_ref(),
        b"old"
    );

    server.enable(SECRET, 2);
    assert_eq!(
        data(&client, &format!("{SECRET}/versions/latest"))
            .await
            .as_ref(),
        b"new"
    );

    server.destroy(SECRET, 2);
    assert_eq!(
        refused(&client, &format!("{SECRET}/versions/latest")).await,
        not_enabled("DESTROYED")
    );
    assert_eq!(server.access_count(), 2, "only served accesses count");
}

#[tokio::test]
async fn unknown_secret_version_and_alias_are_not_found() {
    let server = SecretManagerServer::start().await;
    server.add_version(SECRET, b"x");
    let client = client(&server).await;

    let no_secret = |secret: &str| format!("Secret [{secret}] not found or has no versions.");
    let no_version = |v: &str| format!("Secret Version [{SECRET}/versions/{v}] not found.");
    let cases = [
        (
            "projects/p/secrets/missing/versions/latest",
            no_secret("projects/p/secrets/missing"),
        ),
        (
            "projects/p/secrets/missing/versions/1",
            no_secret("projects/p/secrets/missing"),
        ),
        (
            "projects/other/secrets/s/versions/1",
            no_secret("projects/other/secrets/s"),
        ),
        ("projects/p/secrets/s/versions/2", no_version("2")),
        (
            "projects/p/secrets/s/versions/nosuchalias",
            no_version("nosuchalias"),
        ),
    ];
    for (name, message) in cases {
        assert_eq!(
            refused(&client, name).await,
            (Code::NotFound, message, Some(404)),
            "{name}"
        );
    }
}

#[tokio::test]
async fn denied_secret_is_permission_denied_whether_or_not_it_exists() {
    let server = SecretManagerServer::start().await;
    server.add_version(SECRET, b"x");
    server.deny(SECRET);
    server.deny("projects/p/secrets/missing");
    let client = client(&server).await;

    for name in [
        "projects/p/secrets/s/versions/latest",
        "projects/p/secrets/missing/versions/1",
    ] {
        assert_eq!(
            refused(&client, name).await,
            (Code::PermissionDenied, DENIED_MESSAGE.to_owned(), Some(403)),
            "{name}"
        );
    }
    server.allow(SECRET);
    assert_eq!(
        data(&client, "projects/p/secrets/s/versions/latest")
            .await
            .as_ref(),
        b"x"
    );
}

#[tokio::test]
async fn regional_secrets_are_their_own_secrets() {
    let server = SecretManagerServer::start().await;
    server.add_version(REGIONAL, b"regional");
    let client = client(&server).await;

    let reply = access(&client, &format!("{REGIONAL}/versions/latest"))
        .await
        .unwrap();
    assert_eq!(reply.name, format!("{REGIONAL}/versions/1"));
    assert_eq!(
        payload(&reply),
        (Bytes::from_static(b"regional"), Some(crc(b"regional")))
    );

    assert_eq!(
        refused(&client, &format!("{SECRET}/versions/latest"))
            .await
            .0,
        Code::NotFound
    );
    assert_eq!(
        refused(
            &client,
            "projects/p/locations/us-east1/secrets/s/versions/1"
        )
        .await
        .1,
        "Secret [projects/p/locations/us-east1/secrets/s] not found or has no versions."
    );
}

#[tokio::test]
async fn wrong_crc_is_returned_as_sent_and_omitted_crc_is_none() {
    let server = SecretManagerServer::start().await;
    server.add_version(SECRET, b"check me");
    let client = client(&server).await;
    let name = format!("{SECRET}/versions/latest");
    let crc_of_reply = async || {
        let reply = access(&client, &name)
            .await
            .expect("the client does not check the CRC");
        assert_eq!(payload(&reply).0.as_ref(), b"check me");
        payload(&reply).1
    };

    server.set_wrong_crc(true);
    assert_eq!(crc_of_reply().await, Some(crc(b"check me") ^ 0xFFFF_FFFF));
    server.set_omit_crc(true);
    assert_eq!(crc_of_reply().await, None);
    server.set_omit_crc(false);
    server.set_wrong_crc(false);
    assert_eq!(crc_of_reply().await, Some(crc(b"check me")));
}

#[tokio::test]
async fn faults_fail_one_attempt_then_service_resumes() {
    let server = SecretManagerServer::start().await;
    server.add_version(SECRET, b"x");
    let name = format!("{SECRET}/versions/latest");
    let once = client(&server).await;

    server.faults().push(Fault::Unavailable);
    server.faults().push(Fault::ResourceExhausted);
    assert_eq!(refused(&once, &name).await.0, Code::Unavailable);
    assert_eq!(refused(&once, &name).await.0, Code::ResourceExhausted);
    assert_eq!(data(&once, &name).await.as_ref(), b"x");

    // A client that retries, as production code does: one 503 costs one more request.
    let retrying = builder(&server)
        .with_retry_policy(Aip194Strict.with_attempt_limit(3))
        .with_backoff_policy(
            ExponentialBackoffBuilder::new()
                .with_initial_delay(Duration::from_millis(10))
                .with_maximum_delay(Duration::from_millis(50))
                .build()
                .unwrap(),
        )
        .build()
        .await
        .unwrap();
    server.faults().push(Fault::Unavailable);
    let before = server.request_count();
    assert_eq!(data(&retrying, &name).await.as_ref(), b"x");
    assert_eq!(server.request_count() - before, 2);
    assert_eq!(server.access_count(), 2);
}

#[tokio::test]
async fn reset_and_hang_are_client_errors_then_service_resumes() {
    let server = SecretManagerServer::start().await;
    server.add_version(SECRET, b"x");
    let client = client(&server).await;
    let name = format!("{SECRET}/versions/1");
    // Warm a pooled connection first, so the reset hits a connection the client reuses.
    data(&client, &name).await;

    server.faults().push(Fault::Reset);
    let error = tokio::time::timeout(Duration::from_secs(30), access(&client, &name))
        .await
        .expect("a reset is reported, not waited on")
        .unwrap_err();
    assert!(error.is_io() && error.status().is_none(), "{error:?}");

    server.faults().push(Fault::Hang);
    let hung = client
        .access_secret_version()
        .set_name(&name)
        .with_attempt_timeout(Duration::from_millis(300))
        .send();
    let error = tokio::time::timeout(Duration::from_secs(30), hung)
        .await
        .expect("the attempt timeout ends the hang")
        .unwrap_err();
    assert!(error.is_timeout(), "{error:?}");

    assert_eq!(data(&client, &name).await.as_ref(), b"x");
}

#[tokio::test]
async fn project_number_is_shown_in_replies_and_accepted_in_requests() {
    let server = SecretManagerServer::start().await;
    server.add_version(SECRET, b"x");
    server.set_project_number("p", 123_456);
    let client = client(&server).await;

    for asked in ["projects/p/secrets/s", "projects/123456/secrets/s"] {
        let reply = access(&client, &format!("{asked}/versions/latest"))
            .await
            .unwrap();
        assert_eq!(reply.name, "projects/123456/secrets/s/versions/1");
    }
    assert_eq!(
        refused(&client, "projects/p/secrets/missing/versions/1")
            .await
            .1,
        "Secret [projects/123456/secrets/missing] not found or has no versions."
    );
    // A denial given by number holds for the id as well.
    server.deny("projects/123456/secrets/s");
    assert_eq!(
        refused(&client, &format!("{SECRET}/versions/1")).await.0,
        Code::PermissionDenied
    );
}

#[tokio::test]
async fn tokens_from_the_metadata_server_are_required_and_accepted() {
    let metadata = MetadataServer::start(Duration::from_mins(5)).await;
    let server = SecretManagerServer::start().await;
    server.add_version(SECRET, b"x");
    server.require_tokens(metadata.tokens());
    let name = format!("{SECRET}/versions/latest");

    let anonymous = client(&server).await;
    assert_eq!(
        refused(&anonymous, &name).await,
        (
            Code::Unauthenticated,
            "Request is missing required authentication credential. Expected OAuth 2 access \
             token, login cookie or other valid authentication credential."
                .to_owned(),
            Some(401)
        )
    );

    let credentials = mds::Builder::default()
        .with_endpoint(format!("http://{}", metadata.host()))
        .build()
        .unwrap();
    let authorized = builder(&server)
        .with_credentials(credentials)
        .build()
        .await
        .unwrap();
    assert_eq!(data(&authorized, &name).await.as_ref(), b"x");
    let tokens = metadata.tokens();
    assert_eq!(
        (tokens.rejected(), tokens.accepted(), tokens.used()),
        (1, 1, 1)
    );
    assert_eq!(server.access_count(), 1);
}

/// `GET {url}` with `headers`; returns status, content type and body text.
async fn get(url: &str, headers: &[(&str, &str)]) -> (u16, String, String) {
    let client = Client::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
    let mut request = Request::get(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let reply = client
        .request(request.body(Empty::new()).unwrap())
        .await
        .unwrap();
    let status = reply.status().as_u16();
    let content_type = reply
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = reply.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        content_type,
        String::from_utf8(body.to_vec()).unwrap(),
    )
}

#[tokio::test]
async fn wire_reply_is_googles_json_and_the_query_is_ignored() {
    let server = SecretManagerServer::start().await;
    server.add_version(SECRET, b"hi");
    let (status, content_type, body) = get(
        &format!(
            "{}/v1/{SECRET}/versions/latest:access?%24alt=json%3Benum-encoding%3Dint",
            server.endpoint()
        ),
        &[],
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        json!({
            "name": format!("{SECRET}/versions/1"),
            "payload": { "data": "aGk=", "dataCrc32c": crc(b"hi").to_string() },
        })
    );
}

#[tokio::test]
async fn malformed_names_are_invalid_argument_in_googles_error_shape() {
    let server = SecretManagerServer::start().await;
    server.add_version(SECRET, b"x");
    for name in [
        "projects/p/secrets/s/versions/0",
        "projects/p/secrets/s/versions/NEW",
        "projects/p/secrets/bad.id/versions/1",
        "projects/p/keyRings/r/secrets/s/versions/1",
    ] {
        let (status, _, body) = get(&format!("{}/v1/{name}:access", server.endpoint()), &[]).await;
        assert_eq!(status, 400, "{name}");
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            body,
            json!({ "error": {
                "code": 400,
                "message": format!(
                    "Invalid resource name [{name}]: expected projects/*/secrets/*/versions/* \
                     or projects/*/locations/*/secrets/*/versions/*."
                ),
                "status": "INVALID_ARGUMENT",
            }}),
            "{name}"
        );
    }
    let (status, _, _) = get(
        &format!("{}/v1/{SECRET}/versions/1", server.endpoint()),
        &[],
    )
    .await;
    assert_eq!(status, 404, "no :access, no route");
    assert_eq!(server.access_count(), 0);
}

#[tokio::test]
async fn metadata_server_reports_its_project_id() {
    let metadata = MetadataServer::start(Duration::from_mins(1)).await;
    let url = format!(
        "http://{}/computeMetadata/v1/project/project-id",
        metadata.host()
    );
    let flavor = [("Metadata-Flavor", "Google")];

    let (status, content_type, body) = get(&url, &flavor).await;
    assert_eq!((status, body.as_str()), (200, DEFAULT_METADATA_PROJECT));
    assert_eq!(content_type, "application/text");

    metadata.set_project_id("my-project-42");
    assert_eq!(get(&url, &flavor).await.2, "my-project-42");

    let (status, _, _) = get(&url, &[]).await;
    assert_eq!(
        status, 403,
        "the real server refuses requests without the header"
    );
    assert_eq!(metadata.project_id_count(), 2);
}
