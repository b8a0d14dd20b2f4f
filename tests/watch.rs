//! `Secrets::watch_from`: a config reloaded in the background on the in-memory backends, under
//! Tokio's paused clock (it moves only when every task waits, so periods are exact and the
//! tests do not wait them out). Rotation, failures kept out, no overlapping reloads, drop,
//! change detection and the runtime's end.

mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{API_TOKEN, APP_PASSWORD, DB_PASS, assert_no_secret};
use secrets_runtime::memory::{MemorySecretManager, MemoryStore};
use secrets_runtime::{
    BackendError, BoxFuture, ErrorKind, ExposeSecret, Reload, RetryPolicy, SecretBytes,
    SecretStore, SecretString, Secrets, Sources, Stopped, Watch,
};
use tokio::time::{sleep, timeout};

const DB: &str = "projects/app/secrets/db-pass";
const PERIOD: Duration = Duration::from_mins(1);
/// The longest one jittered period can be: the period and its 10 %.
const ONE_PERIOD: Duration = Duration::from_secs(66);

#[derive(Secrets)]
struct Config {
    #[secret_manager(secret = "db-pass", project = "app")]
    db_pass: SecretString,
    #[gcs(bucket = "my-bucket", object = "app1", key = "password")]
    password: SecretString,
    #[gcs(bucket = "my-bucket", object = "app1", key = "token")]
    token: Option<SecretString>,
}

fn app1(password: &str, other: &str) -> String {
    format!(r#"{{"password": "{password}", "other": "{other}"}}"#)
}

/// The backends, with a handle kept to rotate secrets and count requests.
struct Backends {
    sm: Probe,
    gcs: MemoryStore,
}

impl Backends {
    fn new() -> Self {
        let sm = Probe::default();
        sm.store.add_version(DB, "first-db-pass");
        let gcs = MemoryStore::new().with_object("my-bucket", "app1", app1(APP_PASSWORD, "a"));
        Self { sm, gcs }
    }

    fn sources(&self) -> Sources {
        Sources::builder()
            .secret_manager(self.sm.clone())
            .gcs(self.gcs.clone())
            // A reload as slow as the probe is made to be still ends well within this.
            .retry(
                RetryPolicy::default()
                    .with_deadline(Duration::from_hours(1))
                    .with_attempt_timeout(Duration::from_hours(1)),
            )
            .build()
    }

    async fn watch(&self) -> Watch<Config> {
        Config::watch_from(self.sources(), PERIOD).await.unwrap()
    }
}

/// A Secret Manager that can be made to deny or to answer slowly, and that counts the
/// accesses it was asked for and how many were in flight at once.
#[derive(Clone, Default)]
struct Probe {
    store: MemorySecretManager,
    deny: Arc<AtomicBool>,
    delay: Arc<Mutex<Duration>>,
    calls: Arc<AtomicUsize>,
    in_flight: Arc<AtomicUsize>,
    most_in_flight: Arc<AtomicUsize>,
}

impl Probe {
    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    fn slow(&self, delay: Duration) {
        *self.delay.lock().unwrap() = delay;
    }
}

/// One access in flight; counted out when the access ends or is dropped.
struct InFlight(Arc<AtomicUsize>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl SecretStore for Probe {
    fn access<'a>(
        &'a self,
        name: &'a str,
        max_bytes: usize,
    ) -> BoxFuture<'a, Result<Option<SecretBytes>, BackendError>> {
        Box::pin(async move {
            self.calls.fetch_add(1, Ordering::SeqCst);
            let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            let _in_flight = InFlight(Arc::clone(&self.in_flight));
            self.most_in_flight.fetch_max(now, Ordering::SeqCst);
            let delay = *self.delay.lock().unwrap();
            sleep(delay).await;
            if self.deny.load(Ordering::SeqCst) {
                return Err(BackendError::new(
                    ErrorKind::PermissionDenied,
                    format!("permission secretmanager.versions.access denied on {name}"),
                ));
            }
            self.store.access(name, max_bytes).await
        })
    }
}

/// The next reload's outcome, which comes within one period (of the paused clock: a promise
/// of the watch, not of the machine's speed; a watch that never tells fails here, not hangs).
async fn next_reload(watch: &mut Watch<Config>) -> Reload {
    timeout(ONE_PERIOD, watch.reloaded())
        .await
        .expect("a reload ends within one period")
        .expect("the reloads go on")
}

/// Whether `changed` would return now, without waiting.
async fn changed_now(watch: &mut Watch<Config>) -> bool {
    timeout(Duration::ZERO, watch.changed()).await.is_ok()
}

#[tokio::test(start_paused = true)]
async fn a_rotation_is_seen_within_one_period() {
    let backends = Backends::new();
    let mut watch = backends.watch().await;
    assert_eq!(watch.current().db_pass.expose_secret(), "first-db-pass");

    backends.sm.store.add_version(DB, DB_PASS);
    // Paused time: the period of the virtual clock, the reload's promise, not the machine's
    // speed.
    timeout(ONE_PERIOD, watch.changed())
        .await
        .expect("the rotation is seen within one period")
        .unwrap();
    assert_eq!(watch.current().db_pass.expose_secret(), DB_PASS);
    assert_eq!(backends.sm.calls(), 2, "the first load and one reload");

    backends
        .gcs
        .insert("my-bucket", "app1", app1(API_TOKEN, "a"));
    timeout(ONE_PERIOD, watch.changed()).await.unwrap().unwrap();
    assert_eq!(watch.current().password.expose_secret(), API_TOKEN);
}

#[tokio::test(start_paused = true)]
async fn a_failed_reload_keeps_the_old_config_and_is_reported_then_recovers() {
    let backends = Backends::new();
    let mut watch = backends.watch().await;
    let before = watch.current();
    assert!(watch.last_error().is_none());

    backends.sm.deny.store(true, Ordering::SeqCst);
    let Reload::Failed(why) = next_reload(&mut watch).await else {
        panic!("the reload must fail");
    };
    let failed = why
        .field("db_pass")
        .expect("the field that failed is named");
    assert_eq!(failed.kind(), ErrorKind::PermissionDenied, "{why}");
    assert_eq!(watch.last_error(), Some(why.clone()));
    assert!(
        Arc::ptr_eq(&watch.current(), &before),
        "the old config is kept"
    );
    assert_eq!(watch.current().db_pass.expose_secret(), "first-db-pass");
    assert!(!changed_now(&mut watch).await, "a failure is not a change");
    assert_no_secret("a reload's error", &format!("{why} {why:?} {watch:?}"));

    backends.sm.deny.store(false, Ordering::SeqCst);
    assert_eq!(next_reload(&mut watch).await, Reload::Unchanged);
    assert_eq!(watch.last_error(), None, "recovered");
    assert!(Arc::ptr_eq(&watch.current(), &before));
}

#[tokio::test(start_paused = true)]
async fn a_reload_slower_than_the_period_delays_the_next_instead_of_overlapping_it() {
    let backends = Backends::new();
    let slow = PERIOD * 5 / 2;
    backends.sm.slow(slow);
    let watch = backends.watch().await;

    sleep(Duration::from_mins(30)).await;
    let calls = backends.sm.calls();
    // Each reload takes 2.5 periods and waits about one after it: 30 minutes hold at least
    // five of them, so overlapping ones would have been seen.
    assert!(calls >= 5, "{calls} accesses in 30 minutes");
    assert_eq!(backends.sm.most_in_flight.load(Ordering::SeqCst), 1);
    drop(watch);
}

#[tokio::test(start_paused = true)]
async fn dropping_the_watch_stops_the_requests() {
    let backends = Backends::new();
    let watch = backends.watch().await;
    let clone = watch.clone();

    sleep(Duration::from_mins(10)).await;
    let calls = backends.sm.calls();
    // The first load, and a reload about every minute.
    assert!(calls >= 10, "{calls} accesses in 10 minutes");

    drop(watch);
    sleep(Duration::from_mins(10)).await;
    assert!(
        backends.sm.calls() > calls,
        "a clone keeps the reloads going"
    );

    drop(clone);
    let calls = backends.sm.calls();
    let reads = backends.gcs.read_count();
    sleep(Duration::from_hours(1)).await;
    assert_eq!(
        backends.sm.calls(),
        calls,
        "no access once every Watch is dropped"
    );
    assert_eq!(backends.gcs.read_count(), reads);
}

#[tokio::test(start_paused = true)]
async fn dropping_the_watch_during_a_reload_drops_the_request_in_flight() {
    let backends = Backends::new();
    let watch = backends.watch().await;
    backends.sm.slow(Duration::from_mins(5));

    // The first reload starts within one period and waits five minutes for its answer.
    sleep(ONE_PERIOD + Duration::from_mins(1)).await;
    assert_eq!(backends.sm.in_flight.load(Ordering::SeqCst), 1);
    let calls = backends.sm.calls();

    drop(watch);
    sleep(Duration::from_hours(1)).await;
    assert_eq!(
        backends.sm.in_flight.load(Ordering::SeqCst),
        0,
        "the access was dropped"
    );
    assert_eq!(backends.sm.calls(), calls);
}

#[tokio::test(start_paused = true)]
async fn changed_fires_when_a_field_s_bytes_change_and_not_on_an_identical_reload() {
    let backends = Backends::new();
    let mut watch = backends.watch().await;
    let first = watch.current();

    assert_eq!(next_reload(&mut watch).await, Reload::Unchanged);
    assert!(!changed_now(&mut watch).await);
    assert!(
        Arc::ptr_eq(&watch.current(), &first),
        "the same Arc is kept"
    );

    // A key of the object that no field reads.
    backends
        .gcs
        .insert("my-bucket", "app1", app1(APP_PASSWORD, "b"));
    assert_eq!(next_reload(&mut watch).await, Reload::Unchanged);
    assert!(!changed_now(&mut watch).await);

    // An `Option` field's key appears: absence to a value is a change.
    let with_token = format!(r#"{{"password": "{APP_PASSWORD}", "token": "{API_TOKEN}"}}"#);
    backends.gcs.insert("my-bucket", "app1", with_token);
    assert_eq!(next_reload(&mut watch).await, Reload::Changed);
    assert!(changed_now(&mut watch).await);
    assert!(!changed_now(&mut watch).await, "one change, told once");
    let current = watch.current();
    assert_eq!(current.token.as_ref().unwrap().expose_secret(), API_TOKEN);
    assert_eq!(current.db_pass.expose_secret(), "first-db-pass");

    // Two changes before the handle looks: one `changed`.
    backends.sm.store.add_version(DB, DB_PASS);
    assert_eq!(next_reload(&mut watch).await, Reload::Changed);
    backends.sm.store.add_version(DB, "third-db-pass");
    assert_eq!(next_reload(&mut watch).await, Reload::Changed);
    assert!(changed_now(&mut watch).await);
    assert!(!changed_now(&mut watch).await);
    assert_eq!(watch.current().db_pass.expose_secret(), "third-db-pass");
}

#[tokio::test(start_paused = true)]
async fn the_first_load_s_error_is_returned_and_nothing_is_reloaded() {
    let backends = Backends::new();
    backends.sm.deny.store(true, Ordering::SeqCst);
    let err = Config::watch_from(backends.sources(), PERIOD)
        .await
        .expect_err("no watch without a good config");
    assert_eq!(
        err.field("db_pass").unwrap().kind(),
        ErrorKind::PermissionDenied
    );
    sleep(Duration::from_hours(1)).await;
    assert_eq!(backends.sm.calls(), 1, "the first load only");
}

#[tokio::test(start_paused = true)]
async fn a_period_under_the_minimum_counts_as_the_minimum() {
    let backends = Backends::new();
    let watch = Config::watch_from(backends.sources(), Duration::ZERO)
        .await
        .unwrap();
    sleep(Duration::from_secs(10)).await;
    let calls = backends.sm.calls();
    // Never less than a second between two loads: at most 10 reloads in 10 s after the
    // first load (the tenth falls at the very instant the test wakes), not a stream.
    assert!(
        (1 + 9..=1 + 10).contains(&calls),
        "{calls} accesses in 10 s"
    );
    drop(watch);
}

#[test]
fn when_its_runtime_shuts_down_the_watch_keeps_the_config_and_says_it_stopped() {
    let runtime = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    };
    let backends = Backends::new();
    let first = runtime();
    let mut watch = first.block_on(backends.watch());
    assert!(!watch.is_stopped());
    drop(first);

    assert!(watch.is_stopped());
    assert_eq!(watch.current().db_pass.expose_secret(), "first-db-pass");
    let other = runtime();
    assert_eq!(other.block_on(watch.changed()), Err(Stopped));
    assert_eq!(other.block_on(watch.reloaded()), Err(Stopped));
    assert_eq!(backends.sm.calls(), 1);
}
