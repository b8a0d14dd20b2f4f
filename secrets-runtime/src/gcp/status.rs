//! From the Google clients' errors to [`BackendError`]: the class that decides retry or not,
//! and a message that names the resource and, for a permission error, the IAM role to grant.

use std::error::Error as _;

use google_cloud_gax::error::Error;
use google_cloud_gax::error::rpc::Code;

use super::adc::{HINT, NoMetadataServer};
use crate::{BackendError, ErrorKind};

/// What a request was about, for messages.
pub(super) struct Resource<'a> {
    /// `key projects/.../cryptoKeys/k`, `object gs://bucket/name`.
    pub(super) name: &'a str,
    /// The predefined role that grants the call.
    pub(super) role: &'a str,
    /// The class for a rejected argument: a bad ciphertext is [`ErrorKind::Decrypt`].
    pub(super) invalid: ErrorKind,
}

pub(super) fn backend_error(err: &Error, resource: &Resource<'_>) -> BackendError {
    let Resource {
        name,
        role,
        invalid,
    } = resource;
    // Cloud Storage's JSON errors carry an HTTP code but no gRPC status name, which the
    // client reads as UNKNOWN: the HTTP code is then the better guide.
    let code = match (err.status().map(|s| s.code), err.http_status_code()) {
        (Some(Code::Unknown) | None, Some(http)) => from_http(http),
        (Some(code), _) => Some(code),
        (None, None) => None,
    };
    let detail = err.status().map_or_else(
        || {
            err.http_status_code()
                .map(|c| format!("HTTP {c}"))
                .unwrap_or_default()
        },
        |s| s.message.clone(),
    );
    let Some(code) = code else {
        return match err.http_status_code() {
            // A reply this code does not map (a redirect, 405, 413...): not worth another
            // attempt, and its body (which may be anything) stays out of the message.
            Some(http) => {
                BackendError::new(ErrorKind::Other, format!("{name}: unexpected HTTP {http}"))
            }
            None => transport_error(err, name),
        };
    };
    let (kind, text) = match code {
        Code::PermissionDenied => (
            ErrorKind::PermissionDenied,
            format!(
                "permission denied on {name}: grant the function's service account {role} on it ({detail})"
            ),
        ),
        Code::Unauthenticated => (
            ErrorKind::PermissionDenied,
            format!("the credentials were rejected for {name} ({detail})"),
        ),
        Code::NotFound => (ErrorKind::NotFound, format!("{name} not found ({detail})")),
        Code::InvalidArgument | Code::OutOfRange => {
            (*invalid, format!("{name} rejected the request: {detail}"))
        }
        // A disabled or destroyed key version, for example: the request was fine.
        Code::FailedPrecondition => (
            ErrorKind::Other,
            format!("{name} cannot be used now: {detail}"),
        ),
        code if transient(code) => (
            ErrorKind::Unavailable,
            format!("{name}: {} ({detail})", code.name()),
        ),
        code => (
            ErrorKind::Other,
            format!("{name}: {} ({detail})", code.name()),
        ),
    };
    BackendError::new(kind, text)
}

/// The status an HTTP code stands for, as Google's APIs map them.
fn from_http(http: u16) -> Option<Code> {
    Some(match http {
        400 => Code::InvalidArgument,
        401 => Code::Unauthenticated,
        403 => Code::PermissionDenied,
        404 => Code::NotFound,
        409 => Code::Aborted,
        412 => Code::FailedPrecondition,
        408 | 504 => Code::DeadlineExceeded,
        429 => Code::ResourceExhausted,
        501 => Code::Unimplemented,
        503 => Code::Unavailable,
        500..=599 => Code::Internal,
        _ => return None,
    })
}

/// No reply to classify: the request did not get through, or credentials could not be had.
fn transport_error(err: &Error, name: &str) -> BackendError {
    if err.is_timeout() || err.is_connect() || err.is_io() || err.is_transport() {
        return BackendError::new(
            ErrorKind::Unavailable,
            format!("{name}: {}", root_cause(err)),
        );
    }
    // ADC fell back to a metadata server that is not there: not an outage, and no retry.
    if let Some(absent) = caused_by::<NoMetadataServer>(err) {
        return BackendError::new(
            ErrorKind::Unconfigured,
            // Not the resource (the field's origin names it): one cause, the same words for
            // every field it stops, said once in the load's error.
            format!("no Google Cloud credentials: {absent}; {HINT}"),
        );
    }
    // A token the metadata server could not hand out this time is worth another attempt.
    if err.is_authentication() && err.is_transient_and_before_rpc() {
        return BackendError::new(
            ErrorKind::Unavailable,
            format!(
                "{name}: could not get an access token this time ({})",
                root_cause(err)
            ),
        );
    }
    if err.is_authentication() {
        return BackendError::new(
            ErrorKind::Unconfigured,
            format!(
                "no Google Cloud credentials: Application Default Credentials found none ({}); {HINT}",
                root_cause(err)
            ),
        );
    }
    BackendError::new(ErrorKind::Other, format!("{name}: {err}"))
}

/// The codes Google's guidance (AIP-194) and throttling make worth another attempt.
fn transient(code: Code) -> bool {
    matches!(
        code,
        Code::Unavailable
            | Code::ResourceExhausted
            | Code::DeadlineExceeded
            | Code::Aborted
            | Code::Internal
            | Code::Unknown
    )
}

/// A reply that failed its checksum check: `name` is `key …` or `object gs://…`. Never the
/// checksums themselves: the CRC of a short secret can be brute-forced.
pub(super) fn integrity(name: &str, why: &str) -> BackendError {
    BackendError::new(
        ErrorKind::Integrity,
        format!("{name}: {why}; the value was not used"),
    )
}

/// A client that could not be built: almost always missing credentials.
pub(super) fn build_error(client: &str, err: &(dyn std::error::Error + 'static)) -> BackendError {
    let (err, cause) = (err.to_string(), root_cause(err));
    // The auth crate's errors often end with their cause already: said once.
    let detail = if err.contains(&cause) {
        err
    } else {
        format!("{err} ({cause})")
    };
    BackendError::new(
        ErrorKind::Unconfigured,
        format!("cannot build the {client} client: {detail}; {HINT}"),
    )
}

/// The innermost cause of an error: the clients wrap the useful part (a reset connection,
/// a refused port, a missing credentials file) in layers of context that repeat each other.
pub(super) fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = err;
    while let Some(inner) = cause.source() {
        cause = inner;
    }
    cause.to_string()
}

/// Whether `err` or one of its sources is a `T`.
pub(super) fn caused_by<T: std::error::Error + 'static>(err: &Error) -> Option<&T> {
    let mut source = err.source();
    while let Some(inner) = source {
        if let Some(found) = inner.downcast_ref::<T>() {
            return Some(found);
        }
        source = inner.source();
    }
    None
}
