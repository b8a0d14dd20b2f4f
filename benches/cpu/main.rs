//! CPU cost of one load of 32 secrets on the in-memory backends: no network, so what is
//! measured is the loader itself (resolution, de-duplication, base64, AES-256-GCM, JSON,
//! conversion) against the same work done by hand with the same backends.
//!
//! `cargo bench --bench cpu` (options: `--loads N`, default 20000).

#![forbid(unsafe_code)]

#[path = "../boot/configs.rs"]
#[allow(dead_code)] // the boot benchmark's other configs
mod configs;

use std::hint::black_box;
use std::time::{Duration, Instant};

use base64::prelude::*;
use secrets_runtime::memory::{MemoryKms, MemoryStore};
use secrets_runtime::{Kms, ObjectStore, Secrets, Sources};

use crate::configs::{Config32, mix};

const KEY: &str = "projects/bench/locations/global/keyRings/bench/cryptoKeys/cpu";
const BUCKET: &str = "bench-secrets";

/// The in-memory backends and env of a config of 32 secrets.
fn setup() -> (MemoryKms, MemoryStore, Vec<(String, String)>) {
    let (kms_fields, gcs_fields, objects) = mix(32);
    let kms = MemoryKms::new();
    let store = MemoryStore::new();
    let mut env: Vec<(String, String)> = (0..kms_fields)
        .map(|i| {
            (
                format!("CT{i}"),
                BASE64_STANDARD.encode(kms.encrypt(KEY, format!("kms-secret-{i}").as_bytes())),
            )
        })
        .collect();
    env.push(("KMS_CRYPTO_KEY_ID".into(), KEY.into()));
    env.push(("STORAGE_BUCKET".into(), BUCKET.into()));
    for j in 0..objects {
        let keys: serde_json::Map<String, serde_json::Value> = (j * 4..(j + 1) * 4)
            .filter(|i| *i < gcs_fields)
            .map(|i| (format!("key{i}"), format!("stored-secret-{i}").into()))
            .collect();
        store.insert(
            BUCKET,
            &format!("obj{j}"),
            serde_json::to_vec(&keys).unwrap(),
        );
    }
    (kms, store, env)
}

/// The same secrets, read by hand: decode, decrypt, read, parse, pick. The floor the loader's
/// bookkeeping sits on.
async fn by_hand(kms: &MemoryKms, store: &MemoryStore, env: &[(String, String)]) -> usize {
    let (kms_fields, gcs_fields, objects) = mix(32);
    let mut total = 0;
    for (_, ciphertext) in &env[..kms_fields] {
        let bytes = BASE64_STANDARD.decode(ciphertext).unwrap();
        total += kms.decrypt(KEY, &bytes).await.unwrap().len();
    }
    for j in 0..objects {
        let body = store
            .read(BUCKET, &format!("obj{j}"), 1 << 20)
            .await
            .unwrap()
            .unwrap();
        let object: serde_json::Value = serde_json::from_slice(&body).unwrap();
        for i in (j * 4..(j + 1) * 4).filter(|i| *i < gcs_fields) {
            total += object[format!("key{i}")].as_str().unwrap().len();
        }
    }
    total
}

/// Mean time per run of `run`, over `runs` runs after `runs / 10` not counted.
async fn time<F, Fut>(runs: u32, run: &mut F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = usize>,
{
    for _ in 0..runs / 10 {
        black_box(run().await);
    }
    let start = Instant::now();
    for _ in 0..runs {
        black_box(run().await);
    }
    start.elapsed() / runs
}

/// Mean time per load of `derive` and of `by_hand`, `loads` each, measured in ten turns of
/// a tenth each: a build another user starts on this shared machine then slows both alike,
/// where timing one after the other would put it all on one side of the ratio.
async fn time_both<D, DFut, H, HFut>(
    loads: u32,
    mut derive: D,
    mut by_hand: H,
) -> (Duration, Duration)
where
    D: FnMut() -> DFut,
    DFut: std::future::Future<Output = usize>,
    H: FnMut() -> HFut,
    HFut: std::future::Future<Output = usize>,
{
    const TURNS: u32 = 10;
    let (mut ours, mut theirs) = (Duration::ZERO, Duration::ZERO);
    for _ in 0..TURNS {
        ours += time(loads / TURNS, &mut derive).await;
        theirs += time(loads / TURNS, &mut by_hand).await;
    }
    (ours / TURNS, theirs / TURNS)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let loads: u32 = args
        .iter()
        .position(|a| a == "--loads")
        .and_then(|i| args.get(i + 1))
        .map_or(20_000, |v| v.parse().expect("a number"));
    let (kms, store, env) = setup();
    let sources = Sources::builder()
        .env(env.clone())
        .kms(kms.clone())
        .gcs(store.clone())
        .build();
    let (derive, manual) = time_both(
        loads,
        || async { usize::from(Config32::load_from(&sources).await.is_ok()) },
        || by_hand(&kms, &store, &env),
    )
    .await;
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    println!(
        "one load of 32 secrets (16 ciphertexts, 16 JSON keys in 4 objects), in-memory backends, mean of {loads} in ten turns:"
    );
    println!();
    println!("| code | time per load |");
    println!("|---|---:|");
    println!("| `Config32::load_from` (derive) | {:.1} µs |", us(derive));
    println!(
        "| the same reads by hand, sequential | {:.1} µs |",
        us(manual)
    );
    println!(
        "| ratio | {:.2}× |",
        derive.as_secs_f64() / manual.as_secs_f64()
    );
}
