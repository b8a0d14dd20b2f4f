//! From the AWS SDK's errors to [`BackendError`]: the class that decides retry or not, and a
//! message that names the resource and, for a denial, the IAM action to grant.
//!
//! Every service's error goes through [`failure`] first, which settles what needs no
//! knowledge of the operation (no reply, missing credentials, a reply without an error code);
//! a service module then reads the codes of its own operation and hands the rest to
//! [`service_error`]. AWS's error messages are quoted (they name the denied principal and the
//! missing policy, which is what one needs to fix a denial) but cut short; they never carry a
//! value: no AWS API echoes a plaintext, a secret or a parameter value in an error.

use std::error::Error as StdError;

use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_kms::config::http::HttpResponse;
use aws_sdk_kms::error::{ProvideErrorMetadata, SdkError};

use crate::{BackendError, ErrorKind};

/// The longest stretch of an AWS error message quoted: enough for an access denial's
/// principal, action and resource.
const MAX_QUOTED: usize = 400;

/// Error codes AWS services use for throttling, as the SDK's own retry classifier lists them:
/// worth another attempt within the load's deadline.
const THROTTLING: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
];

/// Codes of a server-side failure or a request that timed out on the way: transient.
const TRANSIENT: &[&str] = &[
    "RequestTimeout",
    "RequestTimeoutException",
    "InternalFailure",
    "InternalError",
    "InternalServerError",
    "InternalServiceError",
    "ServiceUnavailable",
    "ServiceUnavailableException",
    "KMSInternalException",
    "DependencyTimeoutException",
];

/// Codes that say the request's credentials were refused, not the permission.
const REJECTED_CREDENTIALS: &[&str] = &[
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "InvalidAccessKeyId",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "IncompleteSignature",
    "MissingAuthenticationToken",
    "ExpiredToken",
    "ExpiredTokenException",
    "RequestExpired",
];

/// What a failed call was about, for messages.
pub(super) struct Call<'a> {
    /// What was asked for: `AWS KMS key alias/app`, `object s3://b/o`, `secret prod/db`.
    pub(super) what: &'a str,
    /// What a denial needs, as a sentence: `the function's role needs kms:Decrypt on it`.
    pub(super) needs: &'a str,
}

/// An SDK error, sorted: an error code a service module may read further, or settled here.
pub(super) enum Failure<'e> {
    /// The service answered with an error code.
    Service(Reply<'e>),
    /// Nothing for the service module to add.
    Settled(BackendError),
}

/// An error reply of the service.
#[derive(Debug, Clone, Copy)]
pub(super) struct Reply<'e> {
    /// `AccessDeniedException`, `NoSuchKey`...
    pub(super) code: &'e str,
    /// AWS's message, if any.
    pub(super) message: Option<&'e str>,
    /// The HTTP status.
    pub(super) status: u16,
}

impl Reply<'_> {
    /// ` (CODE: message)`, the message cut short, for the end of a sentence.
    pub(super) fn detail(&self) -> String {
        match self.message.map(str::trim).filter(|m| !m.is_empty()) {
            Some(message) => format!(" ({}: {})", self.code, quoted(message)),
            None => format!(" ({})", self.code),
        }
    }
}

/// Sorts `err`, from a call about `call`.
pub(super) fn failure<'e, E>(err: &'e SdkError<E, HttpResponse>, call: &Call<'_>) -> Failure<'e>
where
    E: ProvideErrorMetadata + StdError + 'static,
{
    let what = call.what;
    let settled = |kind, text: String| Failure::Settled(BackendError::new(kind, text));
    match err {
        SdkError::ServiceError(service) => {
            let status = service.raw().status().as_u16();
            match service.err().code() {
                Some(code) => Failure::Service(Reply {
                    code,
                    message: service.err().message(),
                    status,
                }),
                // An error reply without a code (an empty 5xx body, a proxy's page).
                None => Failure::Settled(by_status(status, what)),
            }
        }
        SdkError::TimeoutError(_) => settled(
            ErrorKind::Unavailable,
            format!("{what}: AWS did not answer in time"),
        ),
        SdkError::DispatchFailure(dispatch) => {
            if let Some(why) = credentials_error(err, what) {
                return Failure::Settled(why);
            }
            // A refused connection, a reset, a DNS failure, a connect timeout: the request
            // did not get through this time. A "user" error is a request that cannot be sent
            // at all (an endpoint URL the client cannot use).
            let kind = if dispatch.is_user() {
                ErrorKind::Other
            } else {
                ErrorKind::Unavailable
            };
            settled(kind, format!("{what}: {}", root_cause(err)))
        }
        SdkError::ResponseError(response) => {
            let status = response.raw().status().as_u16();
            if status >= 500 {
                return Failure::Settled(by_status(status, what));
            }
            // A reply that is not AWS's (a captive portal, a wrong endpoint): its body stays out
            // of the message.
            settled(
                ErrorKind::Other,
                format!("{what}: the reply (HTTP {status}) could not be read as AWS's"),
            )
        }
        SdkError::ConstructionFailure(_) => {
            if let Some(why) = credentials_error(err, what) {
                return Failure::Settled(why);
            }
            settled(
                ErrorKind::Other,
                format!(
                    "{what}: the request could not be built: {}",
                    root_cause(err)
                ),
            )
        }
        _ => settled(ErrorKind::Other, format!("{what}: {}", root_cause(err))),
    }
}

/// What every service means by `reply`, once the operation's own codes have been read.
pub(super) fn service_error(reply: &Reply<'_>, call: &Call<'_>) -> BackendError {
    let Call { what, needs } = call;
    let code = reply.code;
    let detail = reply.detail();
    let (kind, text) = if THROTTLING.contains(&code) || reply.status == 429 {
        (
            ErrorKind::Unavailable,
            format!("{what}: AWS throttled the request{detail}"),
        )
    } else if TRANSIENT.contains(&code) || reply.status >= 500 || reply.status == 408 {
        (
            ErrorKind::Unavailable,
            format!("{what}: AWS could not answer now{detail}"),
        )
    } else if matches!(code, "AccessDeniedException" | "AccessDenied")
        || reply.status == 403 && !REJECTED_CREDENTIALS.contains(&code)
    {
        (
            ErrorKind::PermissionDenied,
            format!("permission denied on {what}: {needs}{detail}"),
        )
    } else if REJECTED_CREDENTIALS.contains(&code) {
        (
            ErrorKind::PermissionDenied,
            format!("AWS rejected the credentials for {what}{detail}"),
        )
    } else {
        (
            ErrorKind::Other,
            format!("{what}: AWS refused the request{detail}"),
        )
    };
    BackendError::new(kind, text)
}

/// A reply with no error code, by its HTTP status.
fn by_status(status: u16, what: &str) -> BackendError {
    let kind = match status {
        408 | 429 | 500..=599 => ErrorKind::Unavailable,
        _ => ErrorKind::Other,
    };
    BackendError::new(kind, format!("{what}: AWS answered HTTP {status}"))
}

/// The credentials the request could not be signed with, if that is why it failed.
fn credentials_error(err: &(dyn StdError + 'static), what: &str) -> Option<BackendError> {
    let found = caused_by::<CredentialsError>(err)?;
    let cause = root_cause(found);
    Some(match found {
        CredentialsError::CredentialsNotLoaded(_) => BackendError::new(
            ErrorKind::Unconfigured,
            format!(
                "no AWS credentials for {what}: the SDK's default chain found none ({cause}); Lambda, ECS and EKS give the function its role's credentials, elsewhere set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE; or set SECRETS_LOCAL_DIR to use the local backend"
            ),
        ),
        CredentialsError::InvalidConfiguration(_) => BackendError::new(
            ErrorKind::Unconfigured,
            format!("the AWS credentials for {what} are misconfigured: {cause}"),
        ),
        // The metadata service or STS could not hand them out this time.
        CredentialsError::ProviderTimedOut(_) | CredentialsError::ProviderError(_) => {
            BackendError::new(
                ErrorKind::Unavailable,
                format!("{what}: could not get AWS credentials this time ({cause})"),
            )
        }
        _ => BackendError::new(
            ErrorKind::Other,
            format!("{what}: could not get AWS credentials ({cause})"),
        ),
    })
}

/// `message` cut to [`MAX_QUOTED`] characters.
fn quoted(message: &str) -> String {
    match message.char_indices().nth(MAX_QUOTED) {
        Some((at, _)) => format!("{}…", &message[..at]),
        None => message.to_owned(),
    }
}

/// The innermost cause of an error: the SDK wraps the useful part (a refused port, a missing
/// credentials file) in layers of context.
pub(super) fn root_cause(err: &(dyn StdError + 'static)) -> String {
    let mut cause = err;
    while let Some(inner) = cause.source() {
        cause = inner;
    }
    cause.to_string()
}

/// Whether `err` or one of its sources is a `T`.
pub(super) fn caused_by<'e, T: StdError + 'static>(
    err: &'e (dyn StdError + 'static),
) -> Option<&'e T> {
    let mut source = Some(err);
    while let Some(inner) = source {
        if let Some(found) = inner.downcast_ref::<T>() {
            return Some(found);
        }
        source = inner.source();
    }
    None
}

/// A client that cannot be built: no region, most often.
pub(super) fn unconfigured(text: String) -> BackendError {
    BackendError::new(ErrorKind::Unconfigured, text)
}

#[cfg(test)]
pub(super) mod tests {
    use aws_sdk_kms::config::http::HttpResponse;
    use aws_sdk_kms::error::{ConnectorError, ErrorMetadata, SdkError};
    use aws_sdk_kms::operation::decrypt::DecryptError;
    use aws_sdk_s3::primitives::SdkBody;

    use super::*;

    pub(crate) const CALL: Call<'static> = Call {
        what: "AWS KMS key alias/app",
        needs: "the function's role needs kms:Decrypt on it",
    };

    /// An error reply of `status` with `code` and `message`, as the SDK makes one.
    pub(crate) fn service<E>(error: E, status: u16) -> SdkError<E, HttpResponse> {
        let raw = HttpResponse::new(status.try_into().unwrap(), SdkBody::empty());
        SdkError::service_error(error, raw)
    }

    pub(crate) fn generic(code: &str, message: &str) -> DecryptError {
        DecryptError::generic(ErrorMetadata::builder().code(code).message(message).build())
    }

    fn settled(err: &SdkError<DecryptError, HttpResponse>) -> BackendError {
        match failure(err, &CALL) {
            Failure::Settled(why) => why,
            Failure::Service(reply) => service_error(&reply, &CALL),
        }
    }

    fn kind_of(code: &str, status: u16) -> ErrorKind {
        settled(&service(generic(code, "m"), status)).kind()
    }

    #[test]
    fn throttling_and_server_failures_are_retried() {
        for (code, status) in [
            ("ThrottlingException", 400),
            ("LimitExceededException", 400),
            ("SlowDown", 503),
            ("Whatever", 429),
            ("KMSInternalException", 500),
            ("InternalServerError", 500),
            ("ServiceUnavailable", 503),
            ("Unknown5xx", 502),
            ("RequestTimeout", 400),
        ] {
            assert_eq!(kind_of(code, status), ErrorKind::Unavailable, "{code}");
        }
        let why = settled(&service(
            generic("ThrottlingException", "Rate exceeded"),
            400,
        ));
        assert_eq!(
            why.message(),
            "AWS KMS key alias/app: AWS throttled the request (ThrottlingException: Rate exceeded)"
        );
    }

    #[test]
    fn a_denial_names_the_action_and_quotes_aws() {
        let why = settled(&service(
            generic(
                "AccessDeniedException",
                "User: arn:aws:sts::1:assumed-role/fn/x is not authorized to perform: kms:Decrypt",
            ),
            400,
        ));
        assert_eq!(why.kind(), ErrorKind::PermissionDenied);
        assert_eq!(
            why.message(),
            "permission denied on AWS KMS key alias/app: the function's role needs kms:Decrypt on it (AccessDeniedException: User: arn:aws:sts::1:assumed-role/fn/x is not authorized to perform: kms:Decrypt)"
        );
        assert_eq!(kind_of("AccessDenied", 403), ErrorKind::PermissionDenied);
        let rejected = settled(&service(generic("ExpiredTokenException", "expired"), 400));
        assert_eq!(rejected.kind(), ErrorKind::PermissionDenied);
        assert_eq!(
            rejected.message(),
            "AWS rejected the credentials for AWS KMS key alias/app (ExpiredTokenException: expired)"
        );
        assert_eq!(
            kind_of("InvalidClientTokenId", 403),
            ErrorKind::PermissionDenied
        );
    }

    #[test]
    fn other_refusals_are_final_and_long_messages_are_cut() {
        assert_eq!(kind_of("ValidationException", 400), ErrorKind::Other);
        let long = "x".repeat(1000);
        let why = settled(&service(generic("ValidationException", &long), 400));
        assert!(why.message().len() < 500, "{why}");
        assert!(why.message().ends_with("…)"), "{why}");
    }

    #[test]
    fn a_reply_without_a_code_goes_by_its_status() {
        let bare = DecryptError::generic(ErrorMetadata::builder().build());
        let why = settled(&service(bare, 502));
        assert_eq!(
            (why.kind(), why.message()),
            (
                ErrorKind::Unavailable,
                "AWS KMS key alias/app: AWS answered HTTP 502"
            )
        );
        let bare = DecryptError::generic(ErrorMetadata::builder().build());
        assert_eq!(settled(&service(bare, 404)).kind(), ErrorKind::Other);
    }

    #[test]
    fn no_reply_is_transient() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let err: SdkError<DecryptError, HttpResponse> =
            SdkError::dispatch_failure(ConnectorError::io(Box::new(io)));
        let why = settled(&err);
        assert_eq!(
            (why.kind(), why.message()),
            (ErrorKind::Unavailable, "AWS KMS key alias/app: refused")
        );
        let err: SdkError<DecryptError, HttpResponse> =
            SdkError::timeout_error("attempt timeout".to_owned());
        assert_eq!(settled(&err).kind(), ErrorKind::Unavailable);
    }

    #[test]
    fn missing_credentials_are_unconfigured_with_a_hint() {
        let none = CredentialsError::not_loaded("no providers in chain provided credentials");
        let err: SdkError<DecryptError, HttpResponse> =
            SdkError::dispatch_failure(ConnectorError::other(Box::new(none), None));
        let why = settled(&err);
        assert_eq!(why.kind(), ErrorKind::Unconfigured);
        assert!(
            why.message().starts_with(
                "no AWS credentials for AWS KMS key alias/app: the SDK's default chain found none (no providers in chain provided credentials); Lambda, ECS and EKS"
            ),
            "{why}"
        );
        let late = CredentialsError::provider_timed_out(std::time::Duration::from_secs(5));
        let err: SdkError<DecryptError, HttpResponse> =
            SdkError::dispatch_failure(ConnectorError::other(Box::new(late), None));
        assert_eq!(settled(&err).kind(), ErrorKind::Unavailable);
    }
}
