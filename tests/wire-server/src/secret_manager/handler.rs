//! The Secret Manager HTTP+JSON surface: `GET /v1/{version name}:access`, answered the way
//! the official `google-cloud-secretmanager-v1` client reads it, errors in Google's AIP-193
//! shape. Payloads never reach a log or a message.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hyper::body::Incoming;
use hyper::{Method, Request};
use percent_encoding::percent_decode_str;
use serde_json::{Value, json};

use super::State;
use super::names::SecretName;
use super::store::Refusal;
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
    let Some(name) = route(&request) else {
        return Outcome::Reply(error(
            NOT_FOUND,
            "The requested URL was not found on this server.",
        ));
    };
    Outcome::Reply(match access(&state, &name) {
        Ok(body) => {
            state.accesses.fetch_add(1, Ordering::SeqCst);
            reply::json_ok(&body)
        }
        Err((canonical, message)) => error(canonical, &message),
    })
}

/// A refusal: the canonical code and Google's message.
type Rejection = (Canonical, String);

/// `GET /v1/{name}:access` → the decoded version name. The query (`$alt=json;enum-encoding=int`
/// from the official client) does not change the reply.
fn route(request: &Request<Incoming>) -> Option<String> {
    if request.method() != Method::GET {
        return None;
    }
    let name = request
        .uri()
        .path()
        .strip_prefix("/v1/")?
        .strip_suffix(":access")?;
    Some(percent_decode_str(name).decode_utf8().ok()?.into_owned())
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
        .map_err(|refusal| match refusal {
            Refusal::Denied => (
                PERMISSION_DENIED,
                "Permission 'secretmanager.versions.access' denied on resource (or it may not exist)."
                    .to_owned(),
            ),
            Refusal::NotFound(message) => (NOT_FOUND, message),
            Refusal::NotEnabled(message) => (FAILED_PRECONDITION, message),
        })?;
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
