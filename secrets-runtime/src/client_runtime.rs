//! One Tokio runtime, for the life of the process, on which the cloud clients (Google's,
//! AWS's) are built and every request of theirs runs; a load on any runtime hops there and
//! awaits the answer.
//!
//! Why a runtime of our own: the clients tie background work to whatever runtime first runs
//! them, and `Sources::process()` keeps the clients for the whole process. `google-cloud-auth`
//! spawns its token refresh task with `tokio::spawn`; the AWS SDK's hyper connection pool
//! spawns a task per connection. Built on the caller's runtime, that work dies with it (every
//! `#[tokio::test]`, a short-lived runtime in `main` before the server's): the next load that
//! needs a fresh Google token panics inside the auth crate, and the next AWS request may pick
//! a pooled connection whose task is gone ("runtime dropped the dispatch task"). Here the
//! refresh task, the connection pools' tasks and the clients' timers all live on a runtime
//! that never ends, so `load()` works from any runtime, any number of times.
//!
//! The other way out, a canary that notices the building runtime is gone and rebuilds the
//! clients, would still leave each client's background work tied to a runtime the caller
//! owns (and may be shutting down mid-request), and would throw away warm connections and
//! tokens on every new runtime. A hop costs one task spawn and one wake-up per request. Both
//! providers share the one runtime: a struct that reads from both keeps two worker threads,
//! not four.

use std::future::Future;
use std::sync::OnceLock;

use tokio::runtime::{Builder, Handle, Runtime};
use tokio::task::JoinHandle;

use crate::{BackendError, ErrorKind};

/// Two workers: TLS handshakes and JSON decoding of a boot's concurrent requests get both
/// cores of a small instance, and an idle worker costs nothing but its stack.
const WORKERS: usize = 2;

/// The runtime's handle, or why it could not be started (said at every load that needs it).
fn handle(clients: &str) -> Result<&'static Handle, BackendError> {
    // Never dropped: a process-lifetime runtime has nothing to shut down cleanly.
    static RUNTIME: OnceLock<Result<Runtime, String>> = OnceLock::new();
    let runtime = RUNTIME.get_or_init(|| {
        Builder::new_multi_thread()
            .worker_threads(WORKERS)
            .thread_name("secrets-clients")
            .enable_all()
            .build()
            .map_err(|e| e.to_string())
    });
    match runtime {
        Ok(runtime) => Ok(runtime.handle()),
        Err(why) => Err(BackendError::new(
            ErrorKind::Unconfigured,
            format!("cannot start the runtime for {clients}: {why}"),
        )),
    }
}

/// Runs `work` on the clients' runtime and awaits it from the caller's, whichever that is.
/// `clients` names them in errors ("Google's clients", "the AWS SDK's clients"). Dropping the
/// returned future (the load's attempt timed out) aborts `work` too, so an abandoned request
/// does not go on in the background.
pub(crate) async fn on_client_runtime<T, F>(clients: &str, work: F) -> Result<T, BackendError>
where
    T: Send + 'static,
    F: Future<Output = Result<T, BackendError>> + Send + 'static,
{
    let mut task = AbortOnDrop(handle(clients)?.spawn(work));
    match (&mut task.0).await {
        Ok(result) => result,
        // Not the panic's message: it comes from code that may have held the plaintext.
        Err(join) if join.is_panic() => Err(BackendError::new(
            ErrorKind::Other,
            format!("one of {clients} panicked during the request"),
        )),
        Err(_) => Err(BackendError::new(
            ErrorKind::Unavailable,
            format!("the request was cancelled on the runtime of {clients}"),
        )),
    }
}

/// Aborts the task when the caller stops waiting for it.
struct AbortOnDrop<T>(JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLIENTS: &str = "the test's clients";

    fn current_thread() -> Runtime {
        Builder::new_current_thread().enable_all().build().unwrap()
    }

    #[test]
    fn work_runs_on_one_runtime_whichever_runtime_awaits_it() {
        let id = || on_client_runtime(CLIENTS, async { Ok(Handle::current().id()) });
        let first = current_thread().block_on(id()).unwrap();
        // The first caller's runtime is gone: a task spawned then would have died with it.
        let second = current_thread().block_on(id()).unwrap();
        assert_eq!(first, second);
        let caller = current_thread();
        assert_ne!(caller.block_on(id()).unwrap(), caller.handle().id());
    }

    #[test]
    fn a_caller_that_stops_waiting_aborts_the_work() {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let runtime = current_thread();
        runtime.block_on(async {
            let work = on_client_runtime(CLIENTS, async move {
                // Dropped, and `tx` with it, only if the task is aborted.
                let _tx = tx;
                std::future::pending::<Result<(), BackendError>>().await
            });
            let waited = tokio::time::timeout(std::time::Duration::from_millis(20), work).await;
            assert!(waited.is_err(), "the work never ends by itself");
        });
        // Disconnected once the aborted task has dropped `tx`; the wait only guards against a
        // hang, a task left running times out instead.
        assert_eq!(
            rx.recv_timeout(std::time::Duration::from_mins(1)),
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected)
        );
    }

    #[test]
    fn a_panic_is_an_error_that_does_not_repeat_its_message() {
        fn explode() -> Result<(), BackendError> {
            panic!("marker-in-a-panic")
        }
        let result = current_thread().block_on(on_client_runtime(CLIENTS, async { explode() }));
        let err = result.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Other);
        assert_eq!(
            err.message(),
            "one of the test's clients panicked during the request"
        );
    }
}
