//! Why a command failed, said once on stderr: what went wrong and what to fix. Messages are
//! built from names (keys, objects, secrets, files, entries), never from values.

use std::fmt;

use secrets_runtime::BackendError;

/// A failed command: exit status 1 and this message.
#[derive(Debug)]
pub struct Failure(String);

impl Failure {
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }

    /// The same failure, said of `what` (`key K`, `gs://b/o`): `what: message`.
    #[must_use]
    pub fn of(self, what: &str) -> Self {
        Self(format!("{what}: {}", self.0))
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The runtime's messages already name the resource and, when denied, the role to grant.
impl From<BackendError> for Failure {
    fn from(err: BackendError) -> Self {
        Self(err.message().to_owned())
    }
}

/// The status a Google client's error carries, in words: `NOT_FOUND: Secret [..] not found.`
/// A reply without a status (a transport error) is said as the client says it; neither kind
/// holds a request's payload.
pub fn google(err: &google_cloud_gax::error::Error) -> String {
    match err.status() {
        Some(status) => format!("{}: {}", status.code.name(), status.message),
        None => err.to_string(),
    }
}

pub type Result<T> = std::result::Result<T, Failure>;
