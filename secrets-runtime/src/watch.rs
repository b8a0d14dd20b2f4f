//! `Watch`: a config loaded once, then reloaded in the background for the life of a
//! long-lived instance, so that a rotated secret reaches it without a restart.
//!
//! One task does every reload, one after the other: two reloads never overlap, and the wait
//! before the next starts when the previous ends. A reload is an ordinary load (the same
//! sources, deadline and retries); what it found is compared with the previous load's bytes,
//! field by field, before any conversion: the user's types need no `PartialEq`, and secret
//! types have none.

use std::any::type_name;
use std::borrow::Borrow;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::AbortHandle;
use zeroize::Zeroizing;

use crate::backend::SecretBytes;
use crate::loaded::Loaded;
use crate::{Error, Secrets, Sources, load};

/// The shortest period: less counts as this. Reloading secrets more often than once a second
/// is never what is meant, and a zero period would be a stream of requests.
pub const MIN_WATCH_PERIOD: Duration = Duration::from_secs(1);

/// A config that reloads itself in the background; made by
/// [`Secrets::watch`](crate::Secrets::watch) or [`Secrets::watch_from`](crate::Secrets::watch_from).
///
/// - **Reloads**: every `period` (at least [`MIN_WATCH_PERIOD`]), jittered uniformly by ±10 % so
///   that the instances of one deploy do not ask the backends in lockstep. One reload at a
///   time: the wait before the next starts when the previous one ends, so a reload slower
///   than the period delays the next rather than overlapping it. Each reload is one load,
///   with the [`RetryPolicy`](crate::RetryPolicy) of its [`Sources`]: it ends by its deadline.
/// - **The value**: [`current`](Watch::current) gives the last good config, cheaply (an
///   `Arc` clone under a read lock). A failed reload keeps it.
/// - **Failures** are reported, never logged (this crate logs nothing) and never swallowed:
///   [`reloaded`](Watch::reloaded) gives each reload's outcome, a failure with its [`Error`]
///   (which names fields and sources, never a value), and [`last_error`](Watch::last_error)
///   says whether the latest reload failed, for a health check.
/// - **Changes**: [`changed`](Watch::changed) fires when a reload read other bytes than the
///   load before it for some field (a picked JSON key counts only if its own value changed;
///   an `Option` field appearing or disappearing counts). A reload that read the same bytes
///   keeps the `Arc` `current` gave before. To compare, the watch keeps a copy of each field's
///   raw bytes, in buffers wiped when replaced: an exact comparison (a hash could hide a
///   rotation behind a collision, and a keyed one would keep its key beside it in the same
///   memory), at the cost of one more copy of values the config already holds.
/// - **Stopping**: the background task is aborted when the last clone of the `Watch` is
///   dropped: a request in flight is dropped with it and no other is made.
///
/// # Runtime
/// The first load runs where `watch` is awaited; the reloads run in a task spawned on that
/// same Tokio runtime (Google's clients still make each request on their own runtime, as every
/// load does). Any runtime works, a current-thread one too: there, reloads run while the
/// runtime is driven (inside its `block_on`, as `#[tokio::main]` does for the whole program).
/// If that runtime shuts down, the task ends with it: `current` keeps the last good config,
/// [`is_stopped`](Watch::is_stopped) turns true, and `changed` and `reloaded` return
/// [`Stopped`]. So watch from the runtime that serves, not from one made only for boot.
///
/// ```
/// use std::time::Duration;
/// use secrets_runtime::{ExposeSecret, Reload, SecretString, Secrets};
///
/// #[derive(Secrets)]
/// struct Config {
///     #[secret_manager(secret = "db-pass")]
///     db_pass: SecretString,
/// }
///
/// # async fn serve() -> Result<(), secrets_runtime::Error> {
/// let mut config = Config::watch(Duration::from_secs(300)).await?;
/// let mut events = config.clone();
/// tokio::spawn(async move {
///     while let Ok(reload) = events.reloaded().await {
///         if let Reload::Failed(why) = reload {
///             eprintln!("kept the previous config: {why}");
///         }
///     }
/// });
/// loop {
///     let db_pass = config.current().db_pass.expose_secret().len();
///     // ... connect with it; then wait for a rotation and connect again.
///     if config.changed().await.is_err() {
///         break; // The runtime is shutting down.
///     }
/// }
/// # Ok(()) }
/// ```
#[must_use = "the reloads stop when the Watch is dropped"]
pub struct Watch<T> {
    state: watch::Receiver<State<T>>,
    /// What this handle has seen: `changed` and `reloaded` wait for newer.
    seen_changes: u64,
    seen_reloads: u64,
    /// Shared by the clones; the last one dropped aborts the task.
    task: Arc<AbortOnDrop>,
}

/// How one reload went, as [`Watch::reloaded`] tells it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reload {
    /// Some field's bytes differ from the previous load: [`Watch::current`] gives the new
    /// config.
    Changed,
    /// Every field read the same bytes as before: the config is kept as it was.
    Unchanged,
    /// The reload failed: the previous config is kept. The error names every failed field.
    Failed(Error),
}

/// The reloads of a [`Watch`] have ended: the runtime their task ran on shut down (or a
/// field's conversion panicked in it). [`Watch::current`] still gives the last good config.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stopped;

impl fmt::Display for Stopped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the config's reloads have stopped: the runtime they ran on has shut down")
    }
}

impl std::error::Error for Stopped {}

/// What the task publishes.
struct State<T> {
    config: Arc<T>,
    /// How many reloads changed the config.
    changes: u64,
    /// How many reloads have ended, and how the latest went (`Unchanged` before the first:
    /// never told, as `reloaded` waits for a number it has not seen).
    reloads: u64,
    latest: Reload,
}

impl<T: Secrets + Send + Sync + 'static> Watch<T> {
    /// Loads from `sources`, then spawns the reloads on the current runtime.
    pub(crate) async fn start<S>(sources: S, period: Duration) -> Result<Self, Error>
    where
        S: Borrow<Sources> + Send + Sync + 'static,
    {
        let (config, raw) = load_raw::<T>(Borrow::borrow(&sources)).await?;
        let (publish, state) = watch::channel(State {
            config: Arc::new(config),
            changes: 0,
            reloads: 0,
            latest: Reload::Unchanged,
        });
        let task = tokio::spawn(reload_every(sources, period, raw, publish));
        Ok(Self {
            state,
            seen_changes: 0,
            seen_reloads: 0,
            task: Arc::new(AbortOnDrop(task.abort_handle())),
        })
    }
}

impl<T> Watch<T> {
    /// The last good config.
    #[must_use]
    pub fn current(&self) -> Arc<T> {
        Arc::clone(&self.state.borrow().config)
    }

    /// Waits until a reload changes the config (see [`Watch`] for what counts), then returns:
    /// [`current`](Watch::current) gives the new one. A change since this handle's last
    /// `changed` (or since it was made or cloned) returns at once; several changes in between
    /// return once. `Err(Stopped)` when the reloads have ended.
    pub async fn changed(&mut self) -> Result<(), Stopped> {
        let seen = self.seen_changes;
        let state = self.state.wait_for(|state| state.changes != seen);
        self.seen_changes = state.await.map_err(|_| Stopped)?.changes;
        Ok(())
    }

    /// Waits until a reload this handle has not told of ends, and says how it went. A reader
    /// that falls behind gets the latest outcome, not a backlog: with periods of at least a
    /// second, a loop that logs each outcome sees every one. `Err(Stopped)` when the reloads
    /// have ended.
    pub async fn reloaded(&mut self) -> Result<Reload, Stopped> {
        let seen = self.seen_reloads;
        let state = self.state.wait_for(|state| state.reloads != seen);
        let state = state.await.map_err(|_| Stopped)?;
        self.seen_reloads = state.reloads;
        Ok(state.latest.clone())
    }

    /// Why the latest reload failed, or `None` if it succeeded (or none has ended yet): while
    /// this is `Some`, [`current`](Watch::current) is the config of an earlier load.
    #[must_use]
    pub fn last_error(&self) -> Option<Error> {
        match &self.state.borrow().latest {
            Reload::Failed(why) => Some(why.clone()),
            Reload::Changed | Reload::Unchanged => None,
        }
    }

    /// Whether the reloads have ended (see [`Stopped`]).
    #[must_use]
    pub fn is_stopped(&self) -> bool {
        self.state.has_changed().is_err()
    }
}

/// A clone shares the reloads (they stop when the last clone is dropped) and starts with the
/// original's view of what it has seen.
impl<T> Clone for Watch<T> {
    fn clone(&self) -> Self {
        Self {
            state: self.state.clone(),
            seen_changes: self.seen_changes,
            seen_reloads: self.seen_reloads,
            task: Arc::clone(&self.task),
        }
    }
}

impl<T> fmt::Debug for Watch<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the config: it holds secrets.
        let state = self.state.borrow();
        f.debug_struct("Watch")
            .field("config", &type_name::<T>())
            .field("reloads", &state.reloads)
            .field("changes", &state.changes)
            .field("latest", &state.latest)
            .finish_non_exhaustive()
    }
}

/// The reloads, one after the other, until aborted (or the runtime ends).
async fn reload_every<T, S>(
    sources: S,
    period: Duration,
    mut previous: Raw,
    publish: watch::Sender<State<T>>,
) where
    T: Secrets,
    S: Borrow<Sources>,
{
    loop {
        // The floor after the jitter: no wait is ever shorter than the minimum.
        tokio::time::sleep(jittered(period).max(MIN_WATCH_PERIOD)).await;
        let (outcome, config) = match load_raw::<T>(Borrow::borrow(&sources)).await {
            Ok((_, raw)) if raw == previous => (Reload::Unchanged, None),
            Ok((config, raw)) => {
                previous = raw;
                (Reload::Changed, Some(Arc::new(config)))
            }
            Err(why) => (Reload::Failed(why), None),
        };
        publish.send_modify(|state| {
            if let Some(config) = config {
                state.config = config;
                state.changes += 1;
            }
            state.reloads += 1;
            state.latest = outcome;
        });
    }
}

/// Every field's bytes from one load, in order (`None`: absent), copied into buffers wiped
/// when dropped.
#[derive(PartialEq)]
struct Raw(Vec<Option<SecretBytes>>);

/// One load of `T`, with the bytes it was made from.
async fn load_raw<T: Secrets>(sources: &Sources) -> Result<(T, Raw), Error> {
    let loaded: Loaded = load::fetch(sources, T::__SPEC).await;
    let raw = Raw(loaded
        .raw()
        .map(|bytes| bytes.map(|bytes| Zeroizing::new(bytes.to_vec())))
        .collect());
    Ok((loaded.assemble()?, raw))
}

/// `period` ± 10 %, uniformly.
fn jittered(period: Duration) -> Duration {
    let spread = period / 10;
    let width = u64::try_from(spread.as_nanos() * 2).unwrap_or(u64::MAX);
    period
        .saturating_sub(spread)
        .saturating_add(Duration::from_nanos(
            crate::retry::random() % width.saturating_add(1),
        ))
}

/// Aborts the reloads when the last `Watch` lets go of it.
struct AbortOnDrop(AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_stays_within_ten_percent() {
        let period = Duration::from_secs(100);
        let waits: Vec<Duration> = (0..1000).map(|_| jittered(period)).collect();
        for wait in &waits {
            assert!(
                (Duration::from_secs(90)..=Duration::from_secs(110)).contains(wait),
                "{wait:?}"
            );
        }
        // Spread over the range, not stuck at one end.
        assert!(waits.iter().any(|w| *w < Duration::from_secs(97)));
        assert!(waits.iter().any(|w| *w > Duration::from_secs(103)));
    }

    #[test]
    fn jitter_of_a_period_without_end_does_not_overflow() {
        assert!(jittered(Duration::MAX) >= Duration::MAX.saturating_sub(Duration::MAX / 10));
    }
}
