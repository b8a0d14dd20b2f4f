//! Boot benchmark: `Config::load_from` of the derive against hand-written sequential boot code,
//! both with Google's official clients over real HTTP, against the KMS wire server and
//! fake-gcs-server behind a proxy, each answering every request after `L` of latency: configs
//! of 1 to 128 secrets in one struct, `Nested`, a parent with two nested structs whose
//! requests overlap, two structs mixing every source (env, KMS, Cloud Storage, Secret
//! Manager, files), one of them with berglas references too: those need a second round trip,
//! 32 secrets as 32 `#[kms]` fields against the same 32 in one sealed bundle, and 32 secrets
//! over AWS's four sources with AWS's SDK, against moto's server behind a latency proxy.
//!
//! `scripts/bench boot` runs it (it installs fake-gcs-server and moto, and sets
//! `FAKE_GCS_SERVER`, `MOTO_SERVER` and `AWS_PYTHON`).
//! Options: `--latency-ms L` (default 20), `--iterations I` (default 10).

#![forbid(unsafe_code)]

mod aws;
mod baseline;
mod bundle;
mod configs;
mod mixed;
#[path = "../wire/mod.rs"]
mod wire;

use std::collections::HashMap;
use std::future::Future;
use std::time::{Duration, Instant};

use base64::prelude::*;
use secrets_runtime::{Secrets, Sources};

use crate::aws::{AwsBaseline, AwsMixed, AwsWorld};
use crate::baseline::Baseline;
use crate::bundle::{Bundle32, Form, Kms32};
use crate::configs::{
    Config1, Config8, Config32, Config128, NESTED_CIPHERTEXTS, NESTED_FIELDS, NESTED_OBJECTS,
    Nested, mix,
};
use crate::mixed::{MixedBerglas, MixedNoBerglas};
use crate::wire::Servers;

const KEY: &str = "projects/bench/locations/global/keyRings/bench/cryptoKeys/boot";
const BUCKET: &str = "bench-secrets";
const CASES: [Case; 12] = [
    Case::Flat(1),
    Case::Flat(8),
    Case::Flat(32),
    Case::Flat(128),
    Case::Nested,
    Case::Mixed { berglas: false },
    Case::Mixed { berglas: true },
    Case::Kms32,
    Case::Bundle(Form::Ciphertext),
    Case::Bundle(Form::Envelope { padding: 0 }),
    // Past Cloud KMS's 64 KiB of plaintext, which only the envelope can hold.
    Case::Bundle(Form::Envelope { padding: 96 }),
    Case::Aws,
];

/// One row of the table: a config of `n` secrets in one struct, the nested tree, one of
/// the mixed structs, 32 `#[kms]` fields, the same 32 secrets in a bundle, or 32 on AWS.
#[derive(Clone, Copy)]
enum Case {
    Flat(usize),
    Nested,
    Mixed { berglas: bool },
    Kms32,
    Bundle(Form),
    Aws,
}

/// What the cases run against: Google's servers, and moto behind its proxy.
struct World {
    servers: Servers,
    aws: AwsWorld,
}

impl World {
    /// Requests received so far, over every server.
    fn requests(&self) -> usize {
        self.servers.requests() + self.aws.requests()
    }
}

/// The hand-written code the derive is measured against, for each cloud.
struct Baselines {
    google: Baseline,
    aws: AwsBaseline,
}

impl Case {
    fn label(self) -> String {
        match self {
            Self::Flat(n) => n.to_string(),
            Self::Nested => format!("nested: {NESTED_FIELDS} in 3 structs"),
            Self::Mixed { berglas: false } => format!(
                "mixed, no berglas: {} (env, KMS, Storage, Secret Manager, files)",
                mixed::fields(false)
            ),
            Self::Mixed { berglas: true } => format!(
                "mixed + berglas: {} (the same + {} berglas)",
                mixed::fields(true),
                mixed::fields(true) - mixed::fields(false)
            ),
            Self::Kms32 => format!(
                "{}: `#[kms]` fields, a ciphertext each",
                bundle::FIELDS.len()
            ),
            Self::Bundle(Form::Ciphertext) => {
                "bundle: the same 32, `#[bundle]` fields, KMS ciphertext".to_owned()
            }
            Self::Bundle(Form::Envelope { padding: 0 }) => {
                "bundle, envelope: the same 32".to_owned()
            }
            Self::Bundle(Form::Envelope { padding }) => {
                format!("bundle, envelope: the same 32 + {padding} KiB")
            }
            Self::Aws => format!(
                "aws: {} (AWS KMS, S3, Secrets Manager, Parameter Store)",
                aws::fields()
            ),
        }
    }

    /// The requests a load needs, counted from the configs' description, not by the loader.
    fn distinct_requests(self) -> usize {
        match self {
            Self::Flat(n) => {
                let (kms_fields, _, objects) = mix(n);
                kms_fields + objects
            }
            Self::Nested => NESTED_CIPHERTEXTS.len() + NESTED_OBJECTS.len(),
            Self::Mixed { berglas } => mixed::floor(berglas),
            Self::Kms32 => bundle::FIELDS.len(),
            // However many fields read it, and whatever its size.
            Self::Bundle(_) => 1,
            Self::Aws => aws::floor(),
        }
    }

    /// The requests the baseline makes per load: the floor, but for the AWS row's
    /// one-call-per-secret loop.
    fn baseline_requests(self) -> usize {
        match self {
            Self::Aws => aws::one_by_one(),
            _ => self.distinct_requests(),
        }
    }

    /// The env of the case: its ciphertexts, the key and the bucket (and the rest of a mixed
    /// struct's env).
    fn env(self, world: &World) -> HashMap<String, String> {
        let servers = &world.servers;
        if let Self::Aws = self {
            return world.aws.env.clone();
        }
        let plaintexts: Vec<(String, Vec<u8>)> = match self {
            Self::Flat(n) => (0..mix(n).0)
                .map(|i| (format!("CT{i}"), format!("kms-secret-{i}").into_bytes()))
                .collect(),
            Self::Nested => NESTED_CIPHERTEXTS
                .iter()
                .map(|(var, keys)| {
                    let plaintext = if keys.is_empty() {
                        format!("nested-{var}").into_bytes()
                    } else {
                        json_object(&format!("nested-{var}"), *keys)
                    };
                    ((*var).to_owned(), plaintext)
                })
                .collect(),
            Self::Mixed { .. } => mixed::CIPHERTEXTS
                .iter()
                .map(|var| ((*var).to_owned(), format!("kms-{var}").into_bytes()))
                .collect(),
            Self::Kms32 | Self::Bundle(_) | Self::Aws => Vec::new(),
        };
        let mut env: HashMap<String, String> = plaintexts
            .into_iter()
            .map(|(var, plaintext)| {
                let ciphertext = servers.kms.encrypt(KEY, &plaintext);
                (var, BASE64_STANDARD.encode(ciphertext))
            })
            .collect();
        env.insert("KMS_CRYPTO_KEY_ID".into(), KEY.into());
        env.insert("STORAGE_BUCKET".into(), BUCKET.into());
        match self {
            Self::Mixed { .. } => env.extend(mixed::env(servers.files.path())),
            Self::Kms32 => env.extend(bundle::kms_env(&servers.kms)),
            Self::Bundle(form) => env.extend(bundle::bundle_env(&servers.kms, form)),
            Self::Flat(_) | Self::Nested | Self::Aws => {}
        }
        env
    }

    async fn derive(self, sources: &Sources) -> usize {
        match self {
            Self::Flat(1) => load::<Config1>(sources).await,
            Self::Flat(8) => load::<Config8>(sources).await,
            Self::Flat(32) => load::<Config32>(sources).await,
            Self::Flat(128) => load::<Config128>(sources).await,
            Self::Flat(n) => unreachable!("no config of {n} secrets"),
            Self::Nested => load::<Nested>(sources).await,
            Self::Mixed { berglas: false } => load::<MixedNoBerglas>(sources).await,
            Self::Mixed { berglas: true } => load::<MixedBerglas>(sources).await,
            Self::Kms32 => load::<Kms32>(sources).await,
            Self::Bundle(_) => load::<Bundle32>(sources).await,
            Self::Aws => load::<AwsMixed>(sources).await,
        }
    }

    async fn baseline(self, baselines: &Baselines, env: &HashMap<String, String>) -> usize {
        let baseline = &baselines.google;
        match self {
            Self::Flat(n) => baseline.load(n, env).await.len(),
            Self::Nested => baseline.load_nested(env).await.len(),
            Self::Mixed { berglas } => baseline.load_mixed(berglas, env).await.len(),
            Self::Kms32 => baseline.load_kms32(env).await.len(),
            Self::Bundle(_) => baseline.load_bundle(env).await.len(),
            Self::Aws => baselines.aws.load(env).await.len(),
        }
    }
}

/// A JSON object whose `keys` hold `{prefix}-{key}`.
fn json_object(prefix: &str, keys: impl IntoIterator<Item = impl AsRef<str>>) -> Vec<u8> {
    let object: serde_json::Map<String, serde_json::Value> = keys
        .into_iter()
        .map(|key| {
            let key = key.as_ref();
            (key.to_owned(), format!("{prefix}-{key}").into())
        })
        .collect();
    serde_json::to_vec(&object).unwrap()
}

/// The objects of the largest config (smaller ones read a prefix of them), those of `Nested`,
/// what the mixed structs read, and the servers.
async fn servers() -> Servers {
    let (_, gcs_fields, objects) = mix(128);
    let flat = (0..objects).map(|j| {
        let keys = (j * 4..(j + 1) * 4)
            .filter(|i| *i < gcs_fields)
            .map(|i| format!("key{i}"));
        (format!("obj{j}"), json_object("stored", keys))
    });
    let nested = NESTED_OBJECTS.iter().map(|(name, keys)| {
        let content = json_object(&format!("nested-{name}"), *keys);
        ((*name).to_owned(), content)
    });
    let servers = Servers::start(KEY, BUCKET, flat.chain(nested)).await;
    mixed::store(&servers).await;
    servers
}

/// Median time and requests per run of `run`, after one run that is not counted (it builds
/// clients and opens connections, which a function does once per instance).
async fn measure<F, Fut>(world: &World, iterations: usize, mut run: F) -> (Duration, usize)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = usize>,
{
    run().await;
    let before = world.requests();
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
        (world.requests() - before) / iterations,
    )
}

async fn load<C: Secrets>(sources: &Sources) -> usize {
    match C::load_from(sources).await {
        Ok(_) => 1,
        Err(error) => panic!("{error}"),
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
    let aws = AwsWorld::start().await;
    let baselines = Baselines {
        google: Baseline::connect(
            &servers.kms.endpoint(),
            &servers.proxy.endpoint(),
            &servers.sm.endpoint(),
        )
        .await,
        aws: AwsBaseline::connect(&aws.config),
    };
    servers.set_latency(latency);
    aws.proxy.set_latency(latency);
    let world = World { servers, aws };
    let servers = &world.servers;
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
    let mut aws_timeline = None;
    for case in CASES {
        let env = case.env(&world);
        let sources = Sources::builder()
            .env(env.clone())
            .kms_endpoint(servers.kms.endpoint())
            .storage_endpoint(servers.proxy.endpoint())
            .secret_manager_endpoint(servers.sm.endpoint())
            .aws_with(world.aws.config.clone())
            .build();
        let (ours, our_requests) = measure(&world, iterations, || case.derive(&sources)).await;
        if let Case::Aws = case {
            aws_timeline = Some(world.aws.timeline(our_requests));
        }
        let (theirs, their_requests) =
            measure(&world, iterations, || case.baseline(&baselines, &env)).await;
        let distinct = case.distinct_requests();
        println!(
            "| {} | {distinct} | {:.1} ms | {:.2} | {our_requests} | {:.1} ms | {:.2} | {their_requests} | {:.1}× |",
            case.label(),
            ms(ours),
            ours.as_secs_f64() / latency.as_secs_f64(),
            ms(theirs),
            theirs.as_secs_f64() / latency.as_secs_f64(),
            theirs.as_secs_f64() / ours.as_secs_f64(),
        );
        // The floor is the promise: a request shared by fields (or by structs of a tree) is
        // made once, and nothing no field uses is requested.
        assert_eq!(
            our_requests,
            distinct,
            "{}: the derive's requests per load",
            case.label()
        );
        assert_eq!(
            their_requests,
            case.baseline_requests(),
            "{}: the baseline's requests per load",
            case.label()
        );
    }
    if let Some((spread, served)) = aws_timeline {
        println!();
        println!(
            "aws, the derive's last load: its requests reached the proxy within {:.1} ms of each other; the last reply left the proxy {:.1} ms after the first request arrived",
            ms(spread),
            ms(served)
        );
    }
}
