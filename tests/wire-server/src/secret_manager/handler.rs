//! The Secret Manager HTTP+JSON surface, answered the way the official
//! `google-cloud-secretmanager-v1` client reads it, errors in Google's AIP-193 shape:
//! `GET /v1/{version name}:access`, `POST /v1/{secret name}:addVersion` and
//! `POST /v1/{parent}/secrets?secretId=S` (`CreateSecret`). Payloads never reach a log or a
//! message.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::{Method, Request};
use percent_encoding::percent_decode_str;
use serde_json::{Value, json};

use super::State;
use super::names::SecretName;
use super::store::Refusal;
use crate::kms::fields::{bytes_field, verify_crc};
use crate::reply::{
    self, Canonical, Flavor, INVALID_ARGUMENT, NOT_FOUND, PERMISSION_DENIED, UNAUTHENTICATED,
};
use crate::serve::{Outcome, Reply};

/// Secret Manager's answer for a version that is disabled or destroyed. Only this server
/// sends it, so it lives here rather than with the shared codes.
const FAILED_PRECONDITION: Canonical = Canonical {
    http: 400,
    status: "FAILED_PRECONDITION",
    reason: "failedPrecondition",
};
/// Secret Manager's answer to creating a secret that exists.
const ALREADY_EXISTS: Canonical = Canonical {
    http: 409,
    status: "ALREADY_EXISTS",
    reason: "alreadyExists",
};
/// Secret Manager refuses a payload over 64 KiB.
const MAX_PAYLOAD: usize = 64 * 1024;

/// The RPCs this server implements, with the names their paths carry (decoded).
enum Rpc {
    /// The version name.
    Access(String),
    /// The secret name.
    AddVersion(String),
    /// The secret's name, built from the parent and `secretId`.
    Create(String),
}

impl Rpc {
    /// The IAM permission Secret Manager checks, for its denial message.
    fn permission(&self) -> &'static str {
        match self {
            Rpc::Access(_) => "secretmanager.versions.access",
            Rpc::AddVersion(_) => "secretmanager.versions.add",
            Rpc::Create(_) => "secretmanager.secrets.create",
        }
    }
}

/// Serves one request.
pub(super) async fn handle(state: Arc<State>, request: Request<Incoming>) -> Outcome {
    state.requests.fetch_add(1, Ordering::SeqCst);
    if let Some(tokens) = state.tokens.get()
        && let Err(why) = tokens.check_headers(request.headers())
    {
        return Outcome::Reply(error(UNAUTHENTICATED, why.google_message()));
    }
    // Drawn on arrival, so that queued faults go to requests in the order they arrive.
    if let Some(outcome) = reply::injected(&state.faults, Flavor::Aip193).await {
        return outcome;
    }
    let Some(rpc) = route(&request) else {
        return Outcome::Reply(error(
            NOT_FOUND,
            "The requested URL was not found on this server.",
        ));
    };
    let body = match rpc {
        Rpc::Access(_) => Value::Null,
        Rpc::AddVersion(_) | Rpc::Create(_) => match read_json(request).await {
            Ok(body) => body,
            Err((canonical, message)) => return Outcome::Reply(error(canonical, &message)),
        },
    };
    let result = match &rpc {
        Rpc::Access(name) => access(&state, name).inspect(|_| {
            state.accesses.fetch_add(1, Ordering::SeqCst);
        }),
        Rpc::AddVersion(secret) => add_version(&state, secret, &body),
        Rpc::Create(secret) => create(&state, secret, &body),
    };
    Outcome::Reply(match result {
        Ok(body) => reply::json_ok(&body),
        Err((canonical, message)) => error(canonical, &message),
    })
}

/// A refusal: the canonical code and Google's message.
type Rejection = (Canonical, String);

/// `GET /v1/{name}:access`, `POST /v1/{name}:addVersion` or `POST /v1/{parent}/secrets` with
/// `secretId` in the query → the RPC. The rest of the query (`$alt=json;enum-encoding=int`
/// from the official client) does not change the reply.
fn route(request: &Request<Incoming>) -> Option<Rpc> {
    let path = request.uri().path().strip_prefix("/v1/")?;
    let decoded = |name: &str| Some(percent_decode_str(name).decode_utf8().ok()?.into_owned());
    match *request.method() {
        Method::GET => Some(Rpc::Access(decoded(path.strip_suffix(":access")?)?)),
        Method::POST => {
            if let Some(secret) = path.strip_suffix(":addVersion") {
                return Some(Rpc::AddVersion(decoded(secret)?));
            }
            let parent = decoded(path.strip_suffix("/secrets")?)?;
            let id = request.uri().query()?.split('&').find_map(|pair| {
                let value = pair.strip_prefix("secretId=")?;
                Some(percent_decode_str(value).decode_utf8().ok()?.into_owned())
            })?;
            Some(Rpc::Create(format!("{parent}/secrets/{id}")))
        }
        _ => None,
    }
}

/// The request's body as JSON, as Google's front end reads it.
async fn read_json(request: Request<Incoming>) -> Result<Value, Rejection> {
    let invalid = || {
        (
            INVALID_ARGUMENT,
            "Invalid JSON payload received.".to_owned(),
        )
    };
    let body = request
        .into_body()
        .collect()
        .await
        .map_err(|_| invalid())?
        .to_bytes();
    serde_json::from_slice(&body)
        .ok()
        .filter(Value::is_object)
        .ok_or_else(invalid)
}

/// Google's words for a name that is not a secret's.
fn invalid_secret(name: &str) -> Rejection {
    (
        INVALID_ARGUMENT,
        format!(
            "Invalid resource name [{name}]: expected projects/*/secrets/* or \
             projects/*/locations/*/secrets/*."
        ),
    )
}

/// A store's refusal of `rpc` as Secret Manager answers it.
fn refused(rpc: &Rpc, refusal: Refusal) -> Rejection {
    match refusal {
        Refusal::Denied => (
            PERMISSION_DENIED,
            format!(
                "Permission '{}' denied on resource (or it may not exist).",
                rpc.permission()
            ),
        ),
        Refusal::NotFound(message) => (NOT_FOUND, message),
        Refusal::NotEnabled(message) => (FAILED_PRECONDITION, message),
        Refusal::AlreadyExists(message) => (ALREADY_EXISTS, message),
    }
}

fn access(state: &State, name: &str) -> Result<Value, Rejection> {
    let Some((secret, version)) = SecretName::parse_version(name) else {
        return Err((
            INVALID_ARGUMENT,
            format!(
                "Invalid resource name [{name}]: expected projects/*/secrets/*/versions/* or \
                 projects/*/locations/*/secrets/*/versions/*."
            ),
        ));
    };
    let accessed = state
        .store
        .access(secret, &version)
        .map_err(|refusal| refused(&Rpc::Access(name.to_owned()), refusal))?;
    let mut crc = crc32c::crc32c(&accessed.data);
    if state.wrong_crc.load(Ordering::SeqCst) {
        // Flipping every bit keeps the value a valid u32 and guarantees a mismatch.
        crc ^= 0xFFFF_FFFF;
    }
    let mut payload = json!({ "data": STANDARD.encode(&accessed.data) });
    if !state.omit_crc.load(Ordering::SeqCst) {
        // An int64 in proto3 JSON: a decimal string.
        payload["dataCrc32c"] = Value::String(crc.to_string());
    }
    Ok(json!({ "name": accessed.name, "payload": payload }))
}

fn error(canonical: Canonical, message: &str) -> Reply {
    reply::error(Flavor::Aip193, canonical, message)
}

/// `AddSecretVersion`: the payload's CRC32C, when sent, must match its data, as Secret
/// Manager checks it; the reply is the new `SecretVersion`.
fn add_version(state: &State, secret: &str, body: &Value) -> Result<Value, Rejection> {
    let Some(parsed) = SecretName::parse(secret) else {
        return Err(invalid_secret(secret));
    };
    let invalid = |message: String| (INVALID_ARGUMENT, message);
    let Some(payload) = body.get("payload").filter(|p| p.is_object()) else {
        return Err(invalid("Secret Version payload is required.".to_owned()));
    };
    let data = bytes_field(payload, "data", "payload.data").map_err(invalid)?;
    if data.len() > MAX_PAYLOAD {
        return Err(invalid(format!(
            "Secret Version payload data is larger than the maximum of {MAX_PAYLOAD} bytes."
        )));
    }
    let checksummed = verify_crc(
        payload,
        &data,
        "dataCrc32c",
        "payload.data_crc32c",
        "payload.data",
    )
    .map_err(invalid)?;
    let rpc = Rpc::AddVersion(secret.to_owned());
    let name = state
        .store
        .add(parsed, data)
        .map_err(|refusal| refused(&rpc, refusal))?;
    Ok(json!({
        "name": name,
        "createTime": now(),
        "state": "ENABLED",
        "etag": "\"1\"",
        "clientSpecifiedPayloadChecksum": checksummed,
    }))
}

/// `CreateSecret`: a global secret needs a replication policy and a regional one takes
/// none, as in Secret Manager; the reply is the new `Secret`.
fn create(state: &State, secret: &str, body: &Value) -> Result<Value, Rejection> {
    let Some(parsed) = SecretName::parse(secret) else {
        return Err(invalid_secret(secret));
    };
    let replication = body.get("replication").filter(|r| !r.is_null());
    match (&parsed.location, replication) {
        (None, None) => {
            return Err((
                INVALID_ARGUMENT,
                "Secret.replication is required for a global secret.".to_owned(),
            ));
        }
        (Some(_), Some(_)) => {
            return Err((
                INVALID_ARGUMENT,
                "Secret.replication must not be set for a regional secret.".to_owned(),
            ));
        }
        _ => {}
    }
    let rpc = Rpc::Create(secret.to_owned());
    let name = state
        .store
        .create(parsed)
        .map_err(|refusal| refused(&rpc, refusal))?;
    let mut reply = json!({ "name": name, "createTime": now(), "etag": "\"1\"" });
    if let Some(replication) = replication {
        reply["replication"] = replication.clone();
    }
    Ok(reply)
}

/// Now as a protobuf `Timestamp` in JSON: RFC 3339 in UTC.
fn now() -> String {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let secs = since.as_secs();
    let (days, day_secs) = (secs / 86_400, secs % 86_400);
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm, for days ≥ 0).
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:06}Z",
        day_secs / 3600,
        day_secs % 3600 / 60,
        day_secs % 60,
        since.subsec_micros()
    )
}
