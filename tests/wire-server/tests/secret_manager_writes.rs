//! `SecretManagerServer`'s write RPCs, `CreateSecret` and `AddSecretVersion`, against the real
//! official client, `google-cloud-secretmanager-v1`, as the `secrets` CLI and `gcloud` write
//! secrets; and at the HTTP level for the reply's exact JSON.

use bytes::Bytes;
use google_cloud_auth::credentials::anonymous::Builder as Anonymous;
use google_cloud_gax::error::Error;
use google_cloud_gax::error::rpc::Code;
use google_cloud_gax::retry_policy::NeverRetry;
use google_cloud_secretmanager_v1::client::SecretManagerService;
use google_cloud_secretmanager_v1::model::replication::Automatic;
use google_cloud_secretmanager_v1::model::secret_version::State;
use google_cloud_secretmanager_v1::model::{Replication, Secret, SecretPayload, SecretVersion};
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use secrets_wire_server::SecretManagerServer;
use serde_json::{Value, json};

const SECRET: &str = "projects/p/secrets/s";
const REGIONAL: &str = "projects/p/locations/europe-west1/secrets/s";

async fn client(server: &SecretManagerServer) -> SecretManagerService {
    SecretManagerService::builder()
        .with_endpoint(server.endpoint())
        .with_credentials(Anonymous::new().build())
        .with_retry_policy(NeverRetry)
        .build()
        .await
        .expect("client builds")
}

fn crc(data: &[u8]) -> i64 {
    i64::from(crc32c::crc32c(data))
}

/// `CreateSecret` of `secret` (`PARENT/secrets/ID`), with automatic replication or none.
async fn create(
    client: &SecretManagerService,
    secret: &str,
    automatic: bool,
) -> Result<Secret, Error> {
    let (parent, id) = secret.rsplit_once("/secrets/").unwrap();
    let mut body = Secret::new();
    if automatic {
        body = body.set_replication(Replication::new().set_automatic(Automatic::new()));
    }
    client
        .create_secret()
        .set_parent(parent)
        .set_secret_id(id)
        .set_secret(body)
        .send()
        .await
}

/// `AddSecretVersion` of `data` to `secret`, with the checksum `crc` if given.
async fn add(
    client: &SecretManagerService,
    secret: &str,
    data: &[u8],
    crc: Option<i64>,
) -> Result<SecretVersion, Error> {
    let mut payload = SecretPayload::new().set_data(Bytes::copy_from_slice(data));
    if let Some(crc) = crc {
        payload = payload.set_data_crc32c(crc);
    }
    client
        .add_secret_version()
        .set_parent(secret)
        .set_payload(payload)
        .send()
        .await
}

async fn accessed(client: &SecretManagerService, name: &str) -> (String, Bytes) {
    let reply = client
        .access_secret_version()
        .set_name(name)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{name}: {e:?}"));
    (reply.name, reply.payload.expect("a payload").data)
}

/// The canonical code, message and HTTP status of a service error.
fn status_of<T: std::fmt::Debug>(result: Result<T, Error>) -> (Code, String, Option<u16>) {
    let error = result.expect_err("the request is refused");
    let status = error
        .status()
        .unwrap_or_else(|| panic!("expected a service error, got {error:?}"));
    (
        status.code,
        status.message.clone(),
        error.http_status_code(),
    )
}

#[tokio::test]
async fn created_secrets_take_versions_that_are_accessed_back() {
    let server = SecretManagerServer::start().await;
    let client = client(&server).await;

    let secret = create(&client, SECRET, true).await.unwrap();
    assert_eq!(secret.name, SECRET);
    assert!(
        secret
            .replication
            .as_ref()
            .and_then(Replication::automatic)
            .is_some(),
        "the replication policy is echoed: {secret:?}"
    );
    assert!(secret.create_time.is_some(), "{secret:?}");

    let first = add(&client, SECRET, b"one \x00\xff", Some(crc(b"one \x00\xff")))
        .await
        .unwrap();
    assert_eq!(first.name, format!("{SECRET}/versions/1"));
    assert_eq!(first.state, State::Enabled);
    assert!(first.client_specified_payload_checksum);
    // Without a checksum it is still added, and the reply says none was given.
    let second = add(&client, SECRET, b"two", None).await.unwrap();
    assert_eq!(second.name, format!("{SECRET}/versions/2"));
    assert!(!second.client_specified_payload_checksum);
    // The test-facing method and the wire number versions alike.
    assert_eq!(server.add_version(SECRET, b"three"), 3);

    for (version, resolved, data) in [("1", 1, &b"one \x00\xff"[..]), ("latest", 3, b"three")] {
        let (name, bytes) = accessed(&client, &format!("{SECRET}/versions/{version}")).await;
        assert_eq!(name, format!("{SECRET}/versions/{resolved}"));
        assert_eq!(bytes.as_ref(), data);
    }
    let (_, bytes) = accessed(&client, &format!("{SECRET}/versions/2")).await;
    assert_eq!(bytes.as_ref(), b"two");
}

#[tokio::test]
async fn a_created_secret_without_versions_has_nothing_to_access() {
    let server = SecretManagerServer::start().await;
    let client = client(&server).await;
    create(&client, SECRET, true).await.unwrap();
    let refused = client
        .access_secret_version()
        .set_name(format!("{SECRET}/versions/latest"))
        .send()
        .await;
    assert_eq!(
        status_of(refused),
        (
            Code::NotFound,
            format!("Secret [{SECRET}] not found or has no versions."),
            Some(404)
        )
    );
}

#[tokio::test]
async fn adding_to_a_missing_secret_is_not_found_and_creating_twice_already_exists() {
    let server = SecretManagerServer::start().await;
    let client = client(&server).await;

    assert_eq!(
        status_of(add(&client, SECRET, b"x", None).await),
        (
            Code::NotFound,
            format!("Secret [{SECRET}] not found."),
            Some(404)
        )
    );
    create(&client, SECRET, true).await.unwrap();
    assert_eq!(
        status_of(create(&client, SECRET, true).await),
        (
            Code::AlreadyExists,
            format!("Secret [{SECRET}] already exists."),
            Some(409)
        )
    );
    // A secret the test made exists as well.
    server.add_version("projects/p/secrets/t", b"x");
    assert_eq!(
        status_of(create(&client, "projects/p/secrets/t", true).await).0,
        Code::AlreadyExists
    );
}

#[tokio::test]
async fn a_payload_whose_checksum_does_not_match_is_refused_and_not_added() {
    let server = SecretManagerServer::start().await;
    server.add_version(SECRET, b"kept");
    let client = client(&server).await;

    let refused = add(&client, SECRET, b"damaged", Some(crc(b"damaged") ^ 1)).await;
    assert_eq!(
        status_of(refused),
        (
            Code::InvalidArgument,
            "The checksum in field payload.data_crc32c did not match the data in field payload.data."
                .to_owned(),
            Some(400)
        )
    );
    let (name, bytes) = accessed(&client, &format!("{SECRET}/versions/latest")).await;
    assert_eq!(
        (name.as_str(), bytes.as_ref()),
        ("projects/p/secrets/s/versions/1", &b"kept"[..])
    );
}

#[tokio::test]
async fn a_payload_over_64_kib_is_refused() {
    let server = SecretManagerServer::start().await;
    let client = client(&server).await;
    create(&client, SECRET, true).await.unwrap();
    let largest = vec![7u8; 64 * 1024];
    add(&client, SECRET, &largest, Some(crc(&largest)))
        .await
        .unwrap();
    let over = vec![7u8; 64 * 1024 + 1];
    let (code, message, _) = status_of(add(&client, SECRET, &over, None).await);
    assert_eq!(code, Code::InvalidArgument);
    assert!(message.contains("65536 bytes"), "{message}");
}

#[tokio::test]
async fn denied_secrets_refuse_writes_naming_the_permission() {
    let server = SecretManagerServer::start().await;
    server.add_version(SECRET, b"x");
    server.deny(SECRET);
    server.deny("projects/p/secrets/new");
    let client = client(&server).await;
    let denied = |permission: &str| {
        (
            Code::PermissionDenied,
            format!("Permission '{permission}' denied on resource (or it may not exist)."),
            Some(403),
        )
    };
    assert_eq!(
        status_of(add(&client, SECRET, b"y", None).await),
        denied("secretmanager.versions.add")
    );
    assert_eq!(
        status_of(create(&client, "projects/p/secrets/new", true).await),
        denied("secretmanager.secrets.create")
    );
    server.allow(SECRET);
    assert_eq!(
        add(&client, SECRET, b"y", None).await.unwrap().name,
        format!("{SECRET}/versions/2")
    );
}

#[tokio::test]
async fn regional_secrets_take_no_replication_and_global_ones_need_it() {
    let server = SecretManagerServer::start().await;
    let client = client(&server).await;

    let (code, message, _) = status_of(create(&client, SECRET, false).await);
    assert_eq!(code, Code::InvalidArgument, "{message}");
    let (code, message, _) = status_of(create(&client, REGIONAL, true).await);
    assert_eq!(code, Code::InvalidArgument, "{message}");

    assert_eq!(
        create(&client, REGIONAL, false).await.unwrap().name,
        REGIONAL
    );
    let version = add(&client, REGIONAL, b"eu", None).await.unwrap();
    assert_eq!(version.name, format!("{REGIONAL}/versions/1"));
    // The global secret of the same id is another secret, still missing.
    assert_eq!(
        status_of(add(&client, SECRET, b"x", None).await).0,
        Code::NotFound
    );
}

#[tokio::test]
async fn malformed_secret_ids_are_invalid_argument() {
    let server = SecretManagerServer::start().await;
    let client = client(&server).await;
    for bad in ["projects/p/secrets/a.b", "projects/p/secrets/a%20b"] {
        let (code, message, _) = status_of(create(&client, bad, true).await);
        assert_eq!(code, Code::InvalidArgument, "{bad}: {message}");
    }
}

/// POSTs `body` to `path` on `server`: the status and the JSON reply.
async fn post(server: &SecretManagerServer, path: &str, body: &Value) -> (u16, Value) {
    let http = Client::builder(TokioExecutor::new()).build_http();
    let request = Request::post(format!("{}{path}", server.endpoint()))
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap();
    let reply = http.request(request).await.unwrap();
    let status = reply.status().as_u16();
    let body = reply.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&body).unwrap())
}

#[tokio::test]
async fn wire_replies_are_googles_json_with_the_project_as_a_number() {
    let server = SecretManagerServer::start().await;
    server.set_project_number("p", 123);

    let (status, secret) = post(
        &server,
        "/v1/projects/p/secrets?secretId=s&$alt=json%3Benum-encoding%3Dint",
        &json!({ "replication": { "automatic": {} } }),
    )
    .await;
    assert_eq!(status, 200, "{secret}");
    assert_eq!(secret["name"], "projects/123/secrets/s");
    assert_eq!(secret["replication"], json!({ "automatic": {} }));
    let created = secret["createTime"].as_str().unwrap();
    assert!(
        created.len() == 27 && created.ends_with('Z') && created.as_bytes()[10] == b'T',
        "{created}"
    );

    let data = b"s3cr3t";
    let (status, version) = post(
        &server,
        "/v1/projects/123/secrets/s:addVersion",
        &json!({ "payload": { "data": "czNjcjN0", "dataCrc32c": crc(data).to_string() } }),
    )
    .await;
    assert_eq!(status, 200, "{version}");
    assert_eq!(version["name"], "projects/123/secrets/s/versions/1");
    assert_eq!(version["state"], "ENABLED");
    assert_eq!(version["clientSpecifiedPayloadChecksum"], true);

    let (status, error) = post(&server, "/v1/projects/p/secrets/s:addVersion", &json!([])).await;
    assert_eq!(
        (status, &error["error"]["status"]),
        (400, &json!("INVALID_ARGUMENT"))
    );
}
