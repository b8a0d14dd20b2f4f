//! Google's clients are built, and their requests run, on the process-lifetime runtime the
//! cloud clients share (see `client_runtime` for why: the auth crate's token refresh task must
//! outlive the caller's runtime).

use std::future::Future;

use crate::BackendError;
use crate::client_runtime::on_client_runtime;

/// Runs `work` on the clients' runtime and awaits it from the caller's; dropping the returned
/// future aborts `work`.
pub(super) async fn on_gcp_runtime<T, F>(work: F) -> Result<T, BackendError>
where
    T: Send + 'static,
    F: Future<Output = Result<T, BackendError>> + Send + 'static,
{
    on_client_runtime("Google's clients", work).await
}
