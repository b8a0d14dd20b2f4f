//! Building replies: JSON bodies, and the two error shapes Google's APIs use.
//!
//! Cloud KMS (like every newer Google API) answers errors in the AIP-193 shape, `{"error":
//! {"code", "message", "status"}}`; the official clients take the code from `status`, so that
//! field must name the canonical code. Cloud Storage's JSON API keeps its older shape with
//! `errors: [{message, domain, reason}]` and no `status`.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Response, StatusCode};
use serde_json::{Value, json};

use crate::fault::Fault;
use crate::serve::{Outcome, Reply};

/// Which error shape a server speaks.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Flavor {
    /// AIP-193 errors, as Cloud KMS and Secret Manager send them.
    Aip193,
    /// Cloud Storage JSON API errors.
    Storage,
}

/// A canonical error: HTTP code, canonical status name, Cloud Storage reason.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Canonical {
    pub(crate) http: u16,
    pub(crate) status: &'static str,
    pub(crate) reason: &'static str,
}

pub(crate) const INVALID_ARGUMENT: Canonical = Canonical {
    http: 400,
    status: "INVALID_ARGUMENT",
    reason: "invalid",
};
pub(crate) const UNAUTHENTICATED: Canonical = Canonical {
    http: 401,
    status: "UNAUTHENTICATED",
    reason: "authError",
};
pub(crate) const PERMISSION_DENIED: Canonical = Canonical {
    http: 403,
    status: "PERMISSION_DENIED",
    reason: "forbidden",
};
pub(crate) const NOT_FOUND: Canonical = Canonical {
    http: 404,
    status: "NOT_FOUND",
    reason: "notFound",
};
pub(crate) const RESOURCE_EXHAUSTED: Canonical = Canonical {
    http: 429,
    status: "RESOURCE_EXHAUSTED",
    reason: "rateLimitExceeded",
};
pub(crate) const INTERNAL: Canonical = Canonical {
    http: 500,
    status: "INTERNAL",
    reason: "backendError",
};
pub(crate) const BAD_GATEWAY: Canonical = Canonical {
    http: 502,
    status: "UNAVAILABLE",
    reason: "backendError",
};
pub(crate) const UNAVAILABLE: Canonical = Canonical {
    http: 503,
    status: "UNAVAILABLE",
    reason: "backendError",
};

/// A `200 OK` with a JSON body.
pub(crate) fn json_ok(body: &Value) -> Reply {
    json_reply(200, body)
}

/// An error reply in `flavor`'s shape.
pub(crate) fn error(flavor: Flavor, canonical: Canonical, message: &str) -> Reply {
    let body = match flavor {
        Flavor::Aip193 => json!({
            "error": {
                "code": canonical.http,
                "message": message,
                "status": canonical.status,
            }
        }),
        Flavor::Storage => json!({
            "error": {
                "code": canonical.http,
                "message": message,
                "errors": [{
                    "message": message,
                    "domain": "global",
                    "reason": canonical.reason,
                }],
            }
        }),
    };
    json_reply(canonical.http, &body)
}

/// What a server does for an injected `fault`: an error reply, a reset or a hang.
pub(crate) fn fault(flavor: Flavor, fault: Fault) -> Outcome {
    let (canonical, message) = match fault {
        Fault::Unavailable => (UNAVAILABLE, "The service is currently unavailable."),
        Fault::ResourceExhausted => (
            RESOURCE_EXHAUSTED,
            "Quota exceeded for quota metric 'Requests' (injected fault).",
        ),
        Fault::Internal => (INTERNAL, "Internal error encountered."),
        Fault::Reset => return Outcome::Reset,
        Fault::Hang => return Outcome::Hang,
    };
    Outcome::Reply(error(flavor, canonical, message))
}

/// Draws the fate of a request that just arrived: waits the configured latency, then returns
/// the injected fault's outcome, or `None` to serve the request normally.
pub(crate) async fn injected(faults: &crate::Faults, flavor: Flavor) -> Option<Outcome> {
    carry_out(faults.draw(), flavor).await
}

/// Carries out a fate drawn earlier with `Faults::draw`: waits its latency, then returns the
/// fault's outcome, or `None` to serve the request normally. For servers that must draw on
/// arrival but look at the request body before answering.
pub(crate) async fn carry_out(
    (drawn, latency): (Option<Fault>, Duration),
    flavor: Flavor,
) -> Option<Outcome> {
    // A hung request never replies, so there is nothing to delay.
    if latency > Duration::ZERO && drawn != Some(Fault::Hang) {
        tokio::time::sleep(latency).await;
    }
    drawn.map(|f| fault(flavor, f))
}

fn json_reply(code: u16, body: &Value) -> Reply {
    let mut reply = Response::new(Full::new(Bytes::from(body.to_string())));
    *reply.status_mut() = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    reply.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=UTF-8"),
    );
    reply
}
