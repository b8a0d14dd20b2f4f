//! Latency and fault injection, shared by [`KmsServer`](crate::KmsServer) and
//! [`GcsProxy`](crate::GcsProxy).
//!
//! Each server draws at most one fault per request, when the request arrives, so the order in
//! which queued faults are handed out follows the order in which requests reach the server.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use aes_gcm::aead::OsRng;
use aes_gcm::aead::rand_core::RngCore;

/// A failure a server can answer with instead of serving the request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// HTTP 503, status `UNAVAILABLE`: what Google returns during a brief outage.
    Unavailable,
    /// HTTP 429, status `RESOURCE_EXHAUSTED`: quota or rate limit exceeded.
    ResourceExhausted,
    /// HTTP 500, status `INTERNAL`.
    Internal,
    /// The TCP connection is reset (`SO_LINGER` 0, then close) without a byte of reply.
    Reset,
    /// The request is never answered; the connection stays open until the client gives up or
    /// the server is dropped.
    Hang,
}

impl Fault {
    /// The HTTP status code of a fault that has a reply; `None` for `Reset` and `Hang`.
    #[must_use]
    pub fn http_status(self) -> Option<u16> {
        match self {
            Fault::Unavailable => Some(503),
            Fault::ResourceExhausted => Some(429),
            Fault::Internal => Some(500),
            Fault::Reset | Fault::Hang => None,
        }
    }
}

/// One million: the denominator of [`Faults::set_rate`].
const PER_MILLION: u32 = 1_000_000;

/// The injection settings of one server. Interior mutability: tests change them through the
/// `&Faults` the server hands out while the server keeps running.
#[derive(Debug, Default)]
pub struct Faults {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    latency: Duration,
    queue: VecDeque<Fault>,
    always: Option<Fault>,
    rate: Option<(u32, Fault)>,
}

impl Faults {
    /// Creates settings with no latency and no faults.
    #[must_use]
    pub fn new() -> Faults {
        Faults::default()
    }

    /// Waits `d` before every reply (faulted replies included); `Duration::ZERO` turns it off.
    pub fn set_latency(&self, d: Duration) {
        self.lock().latency = d;
    }

    /// The current latency.
    #[must_use]
    pub fn latency(&self) -> Duration {
        self.lock().latency
    }

    /// Queues `fault` for the next request that has no queued fault yet (first in, first out);
    /// requests after the queue runs dry are served normally.
    pub fn push(&self, fault: Fault) {
        self.lock().queue.push_back(fault);
    }

    /// Makes every request fail with `fault` until called with `None`. Takes precedence over
    /// the queue, which keeps its entries for later.
    pub fn set_always(&self, fault: Option<Fault>) {
        self.lock().always = fault;
    }

    /// Makes each request that got neither an `always` nor a queued fault fail with `fault`
    /// with probability `per_million / 1_000_000` (e.g. `10_000` = 1 %); `0` turns it off.
    pub fn set_rate(&self, per_million: u32, fault: Fault) {
        self.lock().rate = (per_million > 0).then_some((per_million.min(PER_MILLION), fault));
    }

    /// Clears latency and every fault.
    pub fn reset(&self) {
        *self.lock() = State::default();
    }

    /// Decides the fate of one arriving request: the fault it gets, if any, and the latency
    /// to add before its reply.
    pub(crate) fn draw(&self) -> (Option<Fault>, Duration) {
        let mut state = self.lock();
        let fault = state
            .always
            .or_else(|| state.queue.pop_front())
            .or_else(|| {
                let (per_million, fault) = state.rate?;
                (OsRng.next_u32() % PER_MILLION < per_million).then_some(fault)
            });
        (fault, state.latency)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding this lock cannot leave `State` half-updated (every update is a
        // single assignment), so a poisoned lock is still safe to use.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_is_fifo_then_normal_service() {
        let faults = Faults::new();
        faults.push(Fault::Unavailable);
        faults.push(Fault::Internal);
        assert_eq!(faults.draw().0, Some(Fault::Unavailable));
        assert_eq!(faults.draw().0, Some(Fault::Internal));
        assert_eq!(faults.draw().0, None);
    }

    #[test]
    fn always_wins_over_queue_until_cleared() {
        let faults = Faults::new();
        faults.push(Fault::Internal);
        faults.set_always(Some(Fault::Hang));
        assert_eq!(faults.draw().0, Some(Fault::Hang));
        assert_eq!(faults.draw().0, Some(Fault::Hang));
        faults.set_always(None);
        assert_eq!(faults.draw().0, Some(Fault::Internal));
        assert_eq!(faults.draw().0, None);
    }

    #[test]
    fn rate_extremes() {
        let faults = Faults::new();
        faults.set_rate(PER_MILLION, Fault::ResourceExhausted);
        assert!((0..100).all(|_| faults.draw().0 == Some(Fault::ResourceExhausted)));
        faults.set_rate(0, Fault::ResourceExhausted);
        assert!((0..100).all(|_| faults.draw().0.is_none()));
    }

    #[test]
    fn latency_is_reported_with_every_draw() {
        let faults = Faults::new();
        faults.set_latency(Duration::from_millis(7));
        assert_eq!(faults.draw().1, Duration::from_millis(7));
        faults.reset();
        assert_eq!(faults.draw(), (None, Duration::ZERO));
    }
}
