//! Boot benchmark: `Config::load_from` of the derive against hand-written sequential boot code,
//! both with Google's official clients over real HTTP, against the KMS wire server and
//! fake-gcs-server behind a proxy, each answering every request after `L` of latency.
//!
//! `scripts/bench boot` runs it (it installs fake-gcs-server and sets `FAKE_GCS_SERVER`).
//! Options: `--latency-ms L` (default 20), `--iterations I` (default 10).

#![forbid(unsafe_code)]

mod baseline;
mod configs;

use std::collections::HashMap;
use std::future::Future;
use std::time::{Duration, Instant};

use base64::prelude::*;
use secrets_runtime::{Secrets, Sources};
use secrets_wire_server::{FakeGcs, GcsProxy, KmsServer};

use crate::baseline::Baseline;
use crate::configs::{Config1, Config8, Config32, Config128, mix};

const KEY: &str = "projects/bench/locations/global/keyRings/bench/cryptoKeys/boot";
const BUCKET: &str = "bench-secrets";
const SIZES: [usize; 4] = [1, 8, 32, 128];

struct Servers {
    kms: KmsServer,
    proxy: GcsProxy,
    _gcs: FakeGcs,
    _dir: tempfile::TempDir,
}

impl Servers {
    fn requests(&self) -> usize {
        self.kms.request_count() + self.proxy.request_count()
    }

    fn set_latency(&self, latency: Duration) {
        self.kms.faults().set_latency(latency);
        self.proxy.faults().set_latency(latency);
    }
}

/// The objects of the largest config (smaller ones read a prefix of them) and the servers.
async fn servers() -> Servers {
    let dir = tempfile::tempdir().unwrap();
    let (_, gcs_fields, objects) = mix(128);
    std::fs::create_dir_all(dir.path().join(BUCKET)).unwrap();
    for j in 0..objects {
        let keys: serde_json::Map<String, serde_json::Value> = (j * 4..(j + 1) * 4)
            .filter(|i| *i < gcs_fields)
            .map(|i| (format!("key{i}"), format!("stored-secret-{i}").into()))
            .collect();
        std::fs::write(
            dir.path().join(BUCKET).join(format!("obj{j}")),
            serde_json::to_vec(&keys).unwrap(),
        )
        .unwrap();
    }
    let gcs = FakeGcs::start(dir.path()).await;
    let proxy = GcsProxy::start(&gcs.endpoint()).await;
    let kms = KmsServer::start().await;
    kms.create_key(KEY);
    Servers {
        kms,
        proxy,
        _gcs: gcs,
        _dir: dir,
    }
}

fn env(servers: &Servers, n: usize) -> HashMap<String, String> {
    let (kms_fields, _, _) = mix(n);
    let mut env: HashMap<String, String> = (0..kms_fields)
        .map(|i| {
            (
                format!("CT{i}"),
                BASE64_STANDARD.encode(
                    servers
                        .kms
                        .encrypt(KEY, format!("kms-secret-{i}").as_bytes()),
                ),
            )
        })
        .collect();
    env.insert("KMS_CRYPTO_KEY_ID".into(), KEY.into());
    env.insert("STORAGE_BUCKET".into(), BUCKET.into());
    env
}

/// Median time and requests per run of `run`, after one run that is not counted (it builds
/// clients and opens connections, which a function does once per instance).
async fn measure<F, Fut>(servers: &Servers, iterations: usize, mut run: F) -> (Duration, usize)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = usize>,
{
    run().await;
    let before = servers.requests();
    let mut times = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let start = Instant::now();
        let loaded = run().await;
        times.push(start.elapsed());
        assert!(loaded > 0);
    }
    times.sort();
    (
        times[times.len() / 2],
        (servers.requests() - before) / iterations,
    )
}

async fn load<C: Secrets>(sources: &Sources) -> usize {
    match C::load_from(sources).await {
        Ok(_) => 1,
        Err(error) => panic!("{error}"),
    }
}

async fn derive(n: usize, sources: &Sources) -> usize {
    match n {
        1 => load::<Config1>(sources).await,
        8 => load::<Config8>(sources).await,
        32 => load::<Config32>(sources).await,
        128 => load::<Config128>(sources).await,
        _ => unreachable!("no config of {n} secrets"),
    }
}

fn option(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map_or(default, |v| v.parse().expect("a number"))
}

#[tokio::main]
async fn main() {
    let latency = Duration::from_millis(option("--latency-ms", 20));
    let iterations = usize::try_from(option("--iterations", 10)).unwrap();
    let servers = servers().await;
    let baseline = Baseline::connect(&servers.kms.endpoint(), &servers.proxy.endpoint()).await;
    servers.set_latency(latency);
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "latency L = {} ms per request, median of {iterations} loads after one warm-up",
        ms(latency)
    );
    println!();
    println!(
        "| N secrets | distinct requests | derive: time | derive: × L | derive: requests | baseline: time | baseline: × L | baseline: requests | speed-up |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for n in SIZES {
        let env = env(&servers, n);
        let sources = Sources::builder()
            .env(env.clone())
            .kms_endpoint(servers.kms.endpoint())
            .storage_endpoint(servers.proxy.endpoint())
            .build();
        let (kms_fields, _, objects) = mix(n);
        let (ours, our_requests) = measure(&servers, iterations, || derive(n, &sources)).await;
        let (theirs, their_requests) = measure(&servers, iterations, || async {
            baseline.load(n, &env).await.len()
        })
        .await;
        println!(
            "| {n} | {} | {:.1} ms | {:.2} | {our_requests} | {:.1} ms | {:.2} | {their_requests} | {:.1}× |",
            kms_fields + objects,
            ms(ours),
            ours.as_secs_f64() / latency.as_secs_f64(),
            ms(theirs),
            theirs.as_secs_f64() / latency.as_secs_f64(),
            theirs.as_secs_f64() / ours.as_secs_f64(),
        );
    }
}
