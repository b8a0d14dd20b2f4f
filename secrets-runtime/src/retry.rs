//! Retries of transient backend failures, with exponential backoff and jitter, inside one
//! deadline for the whole load.
//!
//! Backend-agnostic: whatever a backend reports as [`ErrorKind::Unavailable`] (throttling,
//! 5xx, a reset connection, an attempt that timed out) is retried; everything else fails at
//! once. The Google clients' own retry loops are turned off so that this is the only one.

use std::future::Future;
use std::time::Duration;

use aes_gcm::aead::OsRng;
use aes_gcm::aead::rand_core::RngCore;
use tokio::time::{Instant, sleep, timeout_at};

use crate::{BackendError, ErrorKind};

/// How long a load may take and how it retries transient failures.
///
/// The default: a 10 s deadline for the whole load (Lambda allows 10 s for a function's
/// init; Cloud Run's default startup probe waits longer), 3 s per attempt, backoff from
/// 100 ms doubling up to 2 s, each wait jittered between half and all of its length.
///
/// ```
/// use std::time::Duration;
/// let policy = secrets_runtime::RetryPolicy::default().with_deadline(Duration::from_secs(30));
/// assert_eq!(policy.attempt_timeout, Duration::from_secs(3));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// The whole load, every request and retry, ends by then.
    pub deadline: Duration,
    /// One attempt of one request; a slower attempt is abandoned and retried.
    pub attempt_timeout: Duration,
    /// The wait before the first retry.
    pub initial_backoff: Duration,
    /// The longest wait between two attempts.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            deadline: Duration::from_secs(10),
            attempt_timeout: Duration::from_secs(3),
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(2),
        }
    }
}

impl RetryPolicy {
    /// The same policy with another deadline for the whole load.
    #[must_use]
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// The same policy with another limit on one attempt.
    #[must_use]
    pub fn with_attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = timeout;
        self
    }

    /// The same policy with other waits between attempts: `initial`, doubling up to `max`.
    #[must_use]
    pub fn with_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max;
        self
    }

    /// When a load that starts now must end.
    pub(crate) fn deadline_from(&self, start: Instant) -> Instant {
        later(start, self.deadline)
    }

    /// Runs `attempt` until it succeeds, fails for good, or `deadline` passes.
    pub(crate) async fn run<T, F, Fut>(
        &self,
        deadline: Instant,
        mut attempt: F,
    ) -> Result<T, BackendError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, BackendError>>,
    {
        let mut backoff = self.initial_backoff.min(self.max_backoff);
        for attempts in 1u32.. {
            let started = Instant::now();
            let attempt_deadline = deadline.min(later(started, self.attempt_timeout));
            let error = match timeout_at(attempt_deadline, attempt()).await {
                Ok(Ok(value)) => return Ok(value),
                Ok(Err(error)) if error.kind() != ErrorKind::Unavailable => return Err(error),
                Ok(Err(error)) => error,
                Err(_) => BackendError::new(
                    ErrorKind::Unavailable,
                    format!("no answer within {}", millis(attempt_deadline - started)),
                ),
            };
            let wait = jittered(backoff);
            if later(Instant::now(), wait) >= deadline {
                return Err(BackendError::new(
                    ErrorKind::Unavailable,
                    format!(
                        "gave up at the load deadline ({}) after {attempts} attempt{}: {}",
                        millis(self.deadline),
                        if attempts == 1 { "" } else { "s" },
                        error.message()
                    ),
                ));
            }
            sleep(wait).await;
            backoff = backoff.saturating_mul(2).min(self.max_backoff);
        }
        unreachable!("the attempt counter of a retry loop cannot overflow before its deadline")
    }
}

/// `start + d`, or a time far enough away to mean "never" when `d` is huge
/// (`Duration::MAX` is how a caller says "no deadline").
fn later(start: Instant, d: Duration) -> Instant {
    const CENTURY: Duration = Duration::from_hours(100 * 365 * 24);
    start.checked_add(d.min(CENTURY)).unwrap_or(start)
}

/// Between half and all of `backoff`: loads that failed together do not retry in lockstep.
fn jittered(backoff: Duration) -> Duration {
    let half = backoff / 2;
    let spread = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
    half + Duration::from_nanos(OsRng.next_u64() % spread.max(1))
}

fn millis(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{} ms", d.as_millis())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    fn unavailable() -> BackendError {
        BackendError::new(ErrorKind::Unavailable, "503 UNAVAILABLE")
    }

    #[test]
    fn jitter_stays_between_half_and_all() {
        for _ in 0..1000 {
            let wait = jittered(Duration::from_millis(100));
            assert!(
                wait >= Duration::from_millis(50) && wait <= Duration::from_millis(100),
                "{wait:?}"
            );
        }
    }

    // Paused time: the clock advances only when every task waits, so these tests measure
    // the policy, not the machine.
    #[tokio::test(start_paused = true)]
    async fn transient_failures_are_retried_until_success() {
        let calls = AtomicU32::new(0);
        let policy = RetryPolicy::default();
        let result = policy
            .run(policy.deadline_from(Instant::now()), || async {
                match calls.fetch_add(1, Ordering::SeqCst) {
                    0 | 1 => Err(unavailable()),
                    _ => Ok(7),
                }
            })
            .await;
        assert_eq!(result.unwrap(), 7);
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn permanent_failures_are_not_retried() {
        let calls = AtomicU32::new(0);
        let policy = RetryPolicy::default();
        let result: Result<(), _> = policy
            .run(policy.deadline_from(Instant::now()), || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(BackendError::new(ErrorKind::PermissionDenied, "denied"))
            })
            .await;
        assert_eq!(result.unwrap_err().kind(), ErrorKind::PermissionDenied);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_failure_that_never_ends_stops_at_the_deadline() {
        let policy = RetryPolicy::default();
        let start = Instant::now();
        let result: Result<(), _> = policy
            .run(start + policy.deadline, || async { Err(unavailable()) })
            .await;
        let err = result.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unavailable);
        assert!(
            err.message()
                .starts_with("gave up at the load deadline (10 s) after"),
            "{err}"
        );
        assert!(start.elapsed() <= policy.deadline, "{:?}", start.elapsed());
    }

    #[tokio::test(start_paused = true)]
    async fn a_policy_without_limits_does_not_overflow() {
        let policy = RetryPolicy::default()
            .with_deadline(Duration::MAX)
            .with_attempt_timeout(Duration::MAX)
            .with_backoff(Duration::from_secs(5), Duration::MAX);
        let calls = AtomicU32::new(0);
        let result = policy
            .run(policy.deadline_from(Instant::now()), || async {
                match calls.fetch_add(1, Ordering::SeqCst) {
                    0 => Err(unavailable()),
                    _ => Ok(()),
                }
            })
            .await;
        assert!(result.is_ok());
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn a_hanging_attempt_is_abandoned_and_retried() {
        let calls = AtomicU32::new(0);
        let policy = RetryPolicy::default();
        let result = policy
            .run(policy.deadline_from(Instant::now()), || async {
                if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                    std::future::pending::<()>().await;
                }
                Ok("answered")
            })
            .await;
        assert_eq!(result.unwrap(), "answered");
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }
}
