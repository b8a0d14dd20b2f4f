//! Retries of transient backend failures, with exponential backoff and jitter, inside one
//! deadline for the whole load.
//!
//! Backend-agnostic: whatever a backend reports as [`ErrorKind::Unavailable`] (throttling,
//! 5xx, a reset connection, an attempt that timed out) is retried; everything else fails at
//! once. The Google clients' own retry loops are turned off so that this is the only one.

use std::future::Future;
use std::time::Duration;

use std::task::Poll;

use tokio::time::{Instant, sleep, timeout_at};

use crate::{BackendError, ErrorKind};

/// The shortest wait between two attempts: a zero backoff would turn a backend that answers
/// 503 at once into a stream of requests until the deadline.
const MIN_BACKOFF: Duration = Duration::from_millis(10);

/// The shortest attempt: one with no time at all could never succeed.
const MIN_ATTEMPT: Duration = Duration::from_millis(10);

/// How long a load may take and how it retries transient failures.
///
/// The default: a 10 s deadline for the whole load (Lambda allows 10 s for a function's
/// init; Cloud Run's default startup probe waits longer), 3 s per attempt, backoff from
/// 100 ms doubling up to 2 s, each wait jittered between half and all of its length.
///
/// A request that keeps failing transiently fails at the deadline, not before: when the next
/// wait would reach past it, the request waits half the time left and makes a last attempt.
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
    /// One attempt of one request; a slower attempt is abandoned and retried. At least 10 ms:
    /// less counts as 10 ms.
    pub attempt_timeout: Duration,
    /// The wait before the first retry. At least 10 ms: less counts as 10 ms.
    pub initial_backoff: Duration,
    /// The longest wait between two attempts. At least 10 ms: less counts as 10 ms.
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

    /// The same policy with another limit on one attempt (at least 10 ms).
    #[must_use]
    pub fn with_attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = timeout;
        self
    }

    /// The same policy with other waits between attempts: `initial`, doubling up to `max`
    /// (each at least 10 ms).
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
        // The fields are public: the floors apply here, whatever set them.
        let attempt_timeout = self.attempt_timeout.max(MIN_ATTEMPT);
        let max_backoff = self.max_backoff.max(MIN_BACKOFF);
        let mut backoff = self.initial_backoff.clamp(MIN_BACKOFF, max_backoff);
        let mut last = false;
        let mut attempts = 0u32;
        // The last error a reply carried: an attempt that the deadline itself cut short says
        // nothing new, and "503 UNAVAILABLE" is a better reason to give than "no answer
        // within 12 ms".
        let mut answered: Option<BackendError> = None;
        loop {
            attempts = attempts.saturating_add(1);
            let error = match within(deadline, attempt_timeout, attempt()).await {
                Ok(Ok(value)) => return Ok(value),
                Ok(Err(error)) if error.kind() != ErrorKind::Unavailable => return Err(error),
                Ok(Err(error)) => {
                    answered = Some(error.clone());
                    error
                }
                Err(abandoned) => match (abandoned.cut_by_deadline, answered.take()) {
                    (true, Some(last_answer)) => last_answer,
                    (_, kept) => {
                        answered = kept;
                        unanswered(abandoned.waited)
                    }
                },
            };
            let left = deadline.saturating_duration_since(Instant::now());
            // The floor holds after the jitter too: no wait is shorter than the minimum.
            let wait = jittered(backoff).max(MIN_BACKOFF);
            if wait < left {
                sleep(wait).await;
            } else if !last && left >= MIN_BACKOFF + MIN_ATTEMPT {
                // The next wait would reach the deadline: rather than give up with time
                // left, make one last attempt in the second half of it.
                last = true;
                sleep(left / 2).await;
            } else {
                // No attempt fits before the deadline: fail there, as the message says, and
                // not earlier than a backoff would have.
                sleep(left).await;
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
            backoff = backoff.saturating_mul(2).min(max_backoff);
        }
    }
}

/// An attempt given up: how long it was waited for, and whether the load's deadline (not
/// the attempt's own limit) cut it short.
struct Abandoned {
    waited: Duration,
    cut_by_deadline: bool,
}

/// `attempt`, abandoned after `timeout` or at `deadline`, whichever comes first. The clock is
/// read and the timer armed only for an attempt that does not answer at once: one that does
/// (an in-memory backend, a local file) costs neither.
async fn within<T>(
    deadline: Instant,
    timeout: Duration,
    attempt: impl Future<Output = T>,
) -> Result<T, Abandoned> {
    let mut attempt = std::pin::pin!(attempt);
    let first = std::future::poll_fn(|cx| Poll::Ready(attempt.as_mut().poll(cx))).await;
    if let Poll::Ready(answer) = first {
        return Ok(answer);
    }
    let started = Instant::now();
    let until = deadline.min(later(started, timeout));
    timeout_at(until, attempt).await.map_err(|_| Abandoned {
        waited: until - started,
        cut_by_deadline: until == deadline,
    })
}

fn unanswered(waited: Duration) -> BackendError {
    BackendError::new(
        ErrorKind::Unavailable,
        format!("no answer within {}", millis(waited)),
    )
}

/// `start + d`, or a time far enough away to mean "never" when `d` is huge
/// (`Duration::MAX` is how a caller says "no deadline").
fn later(start: Instant, d: Duration) -> Instant {
    later_within(start, d, Duration::from_hours(100 * 365 * 24))
}

/// `start + d`, with `d` cut to `ceiling`, or to as far as the clock reaches on a platform
/// where that is less: never is still far away, not now.
fn later_within(start: Instant, d: Duration, ceiling: Duration) -> Instant {
    let mut d = d.min(ceiling);
    loop {
        if let Some(at) = start.checked_add(d) {
            return at;
        }
        // Halving ends at zero, which always fits.
        d /= 2;
    }
}

/// Between half and all of `backoff`: loads that failed together do not retry in lockstep.
fn jittered(backoff: Duration) -> Duration {
    let half = backoff / 2;
    let spread = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
    half + Duration::from_nanos(random() % spread.max(1))
}

/// A random number, good for jitter and nothing more: std's per-process random hash keys,
/// which change with every `RandomState`, over the current time. No cipher crate needed.
pub(crate) fn random() -> u64 {
    use std::hash::BuildHasher;
    std::hash::RandomState::new().hash_one(std::time::Instant::now())
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
        // Paused time: exactly the deadline, not a backoff's length before it.
        assert_eq!(start.elapsed(), policy.deadline);
    }

    /// A deadline shorter than the first wait: the one retry there is time for is made,
    /// halfway through the time left, instead of none.
    fn short_deadline() -> RetryPolicy {
        RetryPolicy::default()
            .with_deadline(Duration::from_secs(1))
            .with_backoff(Duration::from_secs(2), Duration::from_secs(2))
    }

    #[tokio::test(start_paused = true)]
    async fn the_time_left_before_the_deadline_is_used_for_a_last_attempt() {
        let calls = AtomicU32::new(0);
        let policy = short_deadline();
        let start = Instant::now();
        let result = policy
            .run(policy.deadline_from(start), || async {
                match calls.fetch_add(1, Ordering::SeqCst) {
                    0 => Err(unavailable()),
                    _ => Ok("second attempt"),
                }
            })
            .await;
        assert_eq!(result.unwrap(), "second attempt");
        assert_eq!(start.elapsed(), Duration::from_millis(500));
    }

    #[tokio::test(start_paused = true)]
    async fn giving_up_happens_at_the_deadline_as_the_message_says() {
        let calls = AtomicU32::new(0);
        let policy = short_deadline();
        let start = Instant::now();
        let result: Result<(), _> = policy
            .run(policy.deadline_from(start), || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(unavailable())
            })
            .await;
        assert_eq!(
            result.unwrap_err().message(),
            "gave up at the load deadline (1 s) after 2 attempts: 503 UNAVAILABLE"
        );
        assert_eq!(start.elapsed(), policy.deadline);
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn a_zero_backoff_waits_the_minimum_between_attempts() {
        let calls = AtomicU32::new(0);
        let policy = RetryPolicy::default()
            .with_deadline(Duration::from_secs(1))
            .with_backoff(Duration::ZERO, Duration::ZERO);
        let result: Result<(), _> = policy
            .run(policy.deadline_from(Instant::now()), || async {
                // A storm never lets paused time advance: stop it here, as a failure below.
                if calls.fetch_add(1, Ordering::SeqCst) > 10_000 {
                    return Err(BackendError::new(ErrorKind::Other, "request storm"));
                }
                Err(unavailable())
            })
            .await;
        assert_eq!(result.unwrap_err().kind(), ErrorKind::Unavailable);
        // Waits of at least 10 ms, jitter included: at most 100 of them in 1 s, plus the
        // first try.
        let calls = calls.load(Ordering::SeqCst);
        assert!((90..=101).contains(&calls), "{calls} attempts in 1 s");
    }

    #[tokio::test(start_paused = true)]
    async fn a_zero_attempt_timeout_still_gives_an_attempt_time() {
        let policy = RetryPolicy::default()
            .with_deadline(Duration::from_secs(1))
            .with_attempt_timeout(Duration::ZERO);
        let calls = AtomicU32::new(0);
        let result = policy
            .run(policy.deadline_from(Instant::now()), || async {
                calls.fetch_add(1, Ordering::SeqCst);
                sleep(Duration::from_millis(5)).await;
                Ok("answered in 5 ms")
            })
            .await;
        assert_eq!(result.unwrap(), "answered in 5 ms");
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn a_deadline_past_the_clock_s_reach_is_far_away_not_now() {
        let start = Instant::now();
        // No clock reaches `Duration::MAX` ahead: the fallback must still point far ahead.
        let never = later_within(start, Duration::MAX, Duration::MAX);
        assert!(never - start > Duration::from_hours(50 * 365 * 24));
        let soon = later_within(start, Duration::from_secs(3), Duration::MAX);
        assert_eq!(soon - start, Duration::from_secs(3));
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

    #[tokio::test(start_paused = true)]
    async fn a_last_attempt_cut_short_by_the_deadline_reports_the_last_answer() {
        let calls = AtomicU32::new(0);
        let policy = RetryPolicy::default().with_deadline(Duration::from_secs(2));
        let result: Result<(), _> = policy
            .run(policy.deadline_from(Instant::now()), || async {
                // Every attempt is refused until the deadline is close; then one hangs.
                if calls.fetch_add(1, Ordering::SeqCst) < 4 {
                    Err(unavailable())
                } else {
                    std::future::pending().await
                }
            })
            .await;
        let err = result.unwrap_err();
        assert!(calls.load(Ordering::SeqCst) >= 5, "{err}");
        assert!(err.message().ends_with(": 503 UNAVAILABLE"), "{err}");
    }
}
