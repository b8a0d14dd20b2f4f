//! The requests of one load, one batch per provider family: every request of every batch
//! at once, each retried if it fails transiently, all within one deadline.

use std::any::Any;
use std::sync::Arc;

use futures_util::future::join_all;
use tokio::time::Instant;

use crate::backend::BoxFuture;
use crate::family::{Family, check_size};
use crate::{BackendError, Sources};

/// What one request brought back: the bytes, `None` for "does not exist", or why not.
pub(crate) type Reply = crate::backend_aws::BatchReply;

/// A request's place: which batch, which request in it.
#[derive(Clone, Copy)]
pub(crate) struct RequestId {
    pub(crate) batch: usize,
    pub(crate) index: usize,
}

/// The distinct requests of one family. A struct has tens of fields, so a linear search
/// beats hashing when interning.
pub(crate) struct Batch<F: Family> {
    requests: Vec<F::Request>,
}

/// A [`Batch`] of any family, as the plan holds them.
pub(crate) trait AnyBatch: Send + Sync {
    fn as_any_mut(&mut self) -> &mut dyn Any;
    /// Every request at once; the replies in request order.
    fn send<'a>(&'a self, sources: &'a Sources, deadline: Instant) -> BoxFuture<'a, Vec<Reply>>;
    /// The reply `None` as an error, for a field that needs the value.
    fn not_found(&self, index: usize) -> BackendError;
}

impl<F: Family> Batch<F> {
    pub(crate) fn new() -> Self {
        Self {
            requests: Vec::new(),
        }
    }

    pub(crate) fn intern(&mut self, request: F::Request) -> usize {
        if let Some(index) = self.requests.iter().position(|known| *known == request) {
            return index;
        }
        self.requests.push(request);
        self.requests.len() - 1
    }
}

impl<F: Family> AnyBatch for Batch<F> {
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }

    fn send<'a>(&'a self, sources: &'a Sources, deadline: Instant) -> BoxFuture<'a, Vec<Reply>> {
        Box::pin(async move {
            let policy = &sources.retry;
            // The client is built (if it is built on first use) under the same deadline.
            let backend: Arc<F::Backend> = match policy.run(deadline, || F::backend(sources)).await
            {
                Ok(backend) => backend,
                Err(why) => {
                    // No client is not "no value": a build error of kind `Missing` (from a
                    // user's builder) must not turn every `Option` field into `None`.
                    let why = match why.kind() {
                        crate::ErrorKind::Missing => {
                            BackendError::new(crate::ErrorKind::Unconfigured, why.message())
                        }
                        _ => why,
                    };
                    return self.requests.iter().map(|_| Err(why.clone())).collect();
                }
            };
            let max = sources.max_object_bytes;
            if F::BATCH > 1 {
                return send_grouped::<F>(&backend, &self.requests, sources, deadline).await;
            }
            let replies = self.requests.iter().map(|request| {
                let backend = &backend;
                async move {
                    let reply = policy
                        .run(deadline, || F::send(backend, request, max))
                        .await
                        .map_err(|why| permission_hint::<F>(why))?;
                    // A backend is asked to keep to the cap; this holds for one that does not,
                    // before anything parses what it returned.
                    if let (true, Some(bytes)) = (F::CAPPED, &reply) {
                        check_size(request, bytes.len() as u64, max)?;
                    }
                    Ok(reply)
                }
            });
            join_all(replies).await
        })
    }

    // Absence, as a missing JSON key is: `Missing` for a required field, whichever source.
    fn not_found(&self, index: usize) -> BackendError {
        BackendError::new(
            crate::ErrorKind::Missing,
            format!("{} not found", self.requests[index]),
        )
    }
}

/// A family's requests in groups of `F::BATCH`, one call per group, every group at once. A
/// failed call (after its retries) fails each request of its group.
async fn send_grouped<F: Family>(
    backend: &F::Backend,
    requests: &[F::Request],
    sources: &Sources,
    deadline: Instant,
) -> Vec<Reply> {
    let (policy, max) = (&sources.retry, sources.max_object_bytes);
    let groups: Vec<Vec<&F::Request>> = requests
        .chunks(F::BATCH)
        .map(|group| group.iter().collect())
        .collect();
    let calls = groups.iter().map(|group| async move {
        let replies = policy
            .run(deadline, || F::send_batch(backend, group, max))
            .await;
        match replies {
            Ok(replies) if replies.len() == group.len() => group
                .iter()
                .zip(replies)
                .map(|(request, reply)| {
                    let reply = reply.map_err(permission_hint::<F>)?;
                    if let (true, Some(bytes)) = (F::CAPPED, &reply) {
                        check_size(request, bytes.len() as u64, max)?;
                    }
                    Ok(reply)
                })
                .collect::<Vec<Reply>>(),
            Ok(replies) => {
                let why = BackendError::new(
                    crate::ErrorKind::Other,
                    format!(
                        "the {} backend answered {} of {} requests",
                        F::NAME,
                        replies.len(),
                        group.len()
                    ),
                );
                group.iter().map(|_| Err(why.clone())).collect()
            }
            Err(why) => {
                let why = permission_hint::<F>(why);
                group.iter().map(|_| Err(why.clone())).collect::<Vec<_>>()
            }
        }
    });
    join_all(calls).await.into_iter().flatten().collect()
}

/// A denied permission names the role that grants it, whoever's backend reported it.
fn permission_hint<F: Family>(why: BackendError) -> BackendError {
    // A message that names a role already (Google's backends do) says what to grant.
    let named = why.message().contains(F::PERMISSION) || why.message().contains("roles/");
    if why.kind() != crate::ErrorKind::PermissionDenied || named {
        return why;
    }
    let message = format!(
        "{}; the caller needs {} on it",
        why.message(),
        F::PERMISSION
    );
    BackendError::new(why.kind(), message)
}

/// Every batch's requests at once; a family no field needs never builds a client.
pub(crate) async fn send_all(batches: &[Box<dyn AnyBatch>], sources: &Sources) -> Vec<Vec<Reply>> {
    let deadline = sources.retry.deadline_from(Instant::now());
    join_all(batches.iter().map(|batch| batch.send(sources, deadline))).await
}
