//! Cold-start benchmark: a fresh process per run, from the first line of `main` to a loaded
//! 32-secret config, over Google's official clients and real HTTP against the KMS and Secret
//! Manager wire servers and fake-gcs-server behind a proxy, each answering every request
//! after `L` of latency. Client construction, the first connections and Tokio's start are
//! all inside the figure, as they are at a function's cold start.
//!
//! The children, built into this same binary and run in turns: `Cold32::load()` (the derive,
//! configured by env as in production); the hand-written boot code of `hand.rs`, the same
//! clients and every request at once, with the clients built one after the other (as such
//! code is usually written) or all at once (the floor); and, to see where the derive's time
//! goes, the derive given its three backends built first, one after the other, through the
//! runtime's public `connect` functions. The servers run in this (the parent) process; each
//! child times itself from `main` to loaded and the parent times it from spawn to exit.
//!
//! `scripts/bench cold` runs it (it installs fake-gcs-server and sets `FAKE_GCS_SERVER`).
//! Options: `--latency-ms L` (default 20), `--runs N` (default 20 of each child, after 2
//! warm-up runs of each that are not counted); to look into the figures, `--one-cpu` (the
//! children run on CPU 0 alone, under `taskset`, as on a 1-vCPU instance) and
//! `--child-env VAR=VALUE` (repeatable: more env for every child).

#![forbid(unsafe_code)]

mod config;
mod hand;
#[path = "../wire/mod.rs"]
mod wire;

use std::collections::HashMap;
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use base64::prelude::*;
use secrets_runtime::gcp::{GcpKms, GcpSecretManager, GcpStore};
use secrets_runtime::{Secrets, Sources};

use crate::config::{BUCKET, Cold32, KEY, PROJECT};
use crate::wire::Servers;

/// The argument that makes this binary a child, followed by its kind.
const CHILD: &str = "--child";
const WARM_UP: usize = 2;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Derive,
    Hand,
    HandParallel,
    DeriveSplit,
}

const KINDS: [Kind; 4] = [
    Kind::Derive,
    Kind::Hand,
    Kind::HandParallel,
    Kind::DeriveSplit,
];

impl Kind {
    fn arg(self) -> &'static str {
        match self {
            Self::Derive => "derive",
            Self::Hand => "hand",
            Self::HandParallel => "hand-parallel",
            Self::DeriveSplit => "derive-split",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::Derive => "derive: `Cold32::load()`",
            Self::Hand => "hand-written: clients one after the other, then every request at once",
            Self::HandParallel => "hand-written: clients at once, then every request at once",
            Self::DeriveSplit => {
                "diagnostic: the derive's backends built first (`connect`), then `load_from`"
            }
        }
    }
}

/// A child's own clock: when each phase ended, from the first line of `main`.
pub struct Phases {
    start: Instant,
    marks: Vec<(&'static str, Duration)>,
}

impl Phases {
    /// Records that `phase` ends now.
    pub fn mark(&mut self, phase: &'static str) {
        self.marks.push((phase, self.start.elapsed()));
    }
}

/// Env var `name` of the child, which the parent set.
///
/// # Panics
/// If it is unset: the parent sets every variable a child reads.
#[must_use]
pub fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("env {name} is unset"))
}

fn main() -> ExitCode {
    let start = Instant::now();
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == CHILD) {
        return child(&args[i + 1], start);
    }
    parent(&args);
    ExitCode::SUCCESS
}

/// A cold start: Tokio's runtime as `#[tokio::main]` builds it, then the load. Prints when
/// each phase ended; the values are checked after the clock stops, and never printed.
fn child(kind: &str, start: Instant) -> ExitCode {
    let mut phases = Phases {
        start,
        marks: Vec::new(),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    phases.mark("runtime");
    let values = runtime.block_on(async {
        match kind {
            "derive" => match Cold32::load().await {
                Ok(config) => config.values(),
                Err(error) => panic!("{error}"),
            },
            "hand" => hand::load(&mut phases, false).await,
            "hand-parallel" => hand::load(&mut phases, true).await,
            "derive-split" => derive_split(&mut phases).await,
            _ => panic!("no child {kind}"),
        }
    });
    phases.mark("loaded");
    let expected = config::expected();
    let wrong = values.iter().zip(&expected).filter(|(a, b)| a != b).count();
    if values.len() != expected.len() || wrong > 0 {
        eprintln!(
            "{wrong} of {} values differ from what the servers hold",
            values.len()
        );
        return ExitCode::FAILURE;
    }
    for (phase, at) in &phases.marks {
        println!("{phase} {}", at.as_nanos());
    }
    ExitCode::SUCCESS
}

/// The derive with its backends built first, one after the other, each phase marked.
async fn derive_split(phases: &mut Phases) -> Vec<String> {
    let kms = GcpKms::connect(Some(var("SECRETS_KMS_ENDPOINT")))
        .await
        .expect("KMS backend");
    phases.mark("kms client");
    let storage = GcpStore::connect(Some(var("STORAGE_EMULATOR_HOST")))
        .await
        .expect("Storage backend");
    phases.mark("storage client");
    let secret_manager = GcpSecretManager::connect(Some(var("SECRETS_SECRET_MANAGER_ENDPOINT")))
        .await
        .expect("Secret Manager backend");
    phases.mark("clients");
    let sources = Sources::builder()
        .kms(kms)
        .gcs(storage)
        .secret_manager(secret_manager)
        .build();
    match Cold32::load_from(&sources).await {
        Ok(config) => config.values(),
        Err(error) => panic!("{error}"),
    }
}

/// The servers, holding what `config` describes.
async fn servers() -> Servers {
    let objects = config::OBJECTS
        .iter()
        .map(|object| (object.0.to_owned(), config::value("stored", *object)));
    let servers = Servers::start(KEY, BUCKET, objects).await;
    for secret in config::SECRETS {
        let name = format!("projects/{PROJECT}/secrets/{}", secret.0);
        servers
            .sm
            .add_version(&name, &config::value("managed", *secret));
    }
    for file in config::FILES {
        let path = servers.files.path().join(file.0);
        std::fs::write(path, config::value("mounted", *file)).unwrap();
    }
    servers
}

/// All a child's env: the ciphertexts, names and paths, and the endpoints (every child reads
/// the derive's variables).
fn child_env(servers: &Servers) -> HashMap<String, String> {
    let mut env = config::env(servers.files.path());
    for (var, plaintext) in config::plaintexts() {
        let ciphertext = servers.kms.encrypt(KEY, &plaintext);
        env.insert(var.to_owned(), BASE64_STANDARD.encode(ciphertext));
    }
    env.insert("SECRETS_KMS_ENDPOINT".into(), servers.kms.endpoint());
    env.insert("STORAGE_EMULATOR_HOST".into(), servers.proxy.endpoint());
    env.insert(
        "SECRETS_SECRET_MANAGER_ENDPOINT".into(),
        servers.sm.endpoint(),
    );
    env
}

/// One run of a child.
struct Sample {
    /// From `main` to loaded, by the child's clock.
    inside: Duration,
    /// From spawn to exit, by the parent's.
    wall: Duration,
    /// When each of the child's phases ended.
    phases: Vec<(String, Duration)>,
}

/// How children are started.
struct Launch {
    env: HashMap<String, String>,
    /// Under `taskset -c 0`.
    one_cpu: bool,
}

/// Runs a child of `kind` as `launch` says, and checks it made the floor of requests.
fn run(kind: Kind, launch: &Launch, servers: &Servers) -> Sample {
    let exe = std::env::current_exe().expect("this binary");
    let mut command = if launch.one_cpu {
        let mut taskset = Command::new("/usr/bin/taskset");
        taskset.args(["-c", "0"]).arg(exe);
        taskset
    } else {
        Command::new(exe)
    };
    let before = servers.requests();
    let spawned = Instant::now();
    let output = command
        .args([CHILD, kind.arg()])
        .env_clear()
        .envs(&launch.env)
        .output()
        .expect("spawn the child");
    let wall = spawned.elapsed();
    assert!(
        output.status.success(),
        "the {} child failed: {}",
        kind.arg(),
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        servers.requests() - before,
        config::floor(),
        "the {} child's requests",
        kind.arg()
    );
    let phases: Vec<(String, Duration)> = String::from_utf8(output.stdout)
        .expect("UTF-8")
        .lines()
        .map(|line| {
            let (phase, nanos) = line.rsplit_once(' ').expect("PHASE NANOS");
            let nanos = nanos.parse().expect("nanoseconds");
            (phase.to_owned(), Duration::from_nanos(nanos))
        })
        .collect();
    let inside = phases
        .iter()
        .find(|(phase, _)| phase == "loaded")
        .expect("loaded")
        .1;
    Sample {
        inside,
        wall,
        phases,
    }
}

fn parent(args: &[String]) {
    let option = |name: &str, default: u64| -> u64 {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .map_or(default, |v| v.parse().expect("a number"))
    };
    let latency = Duration::from_millis(option("--latency-ms", 20));
    let runs = usize::try_from(option("--runs", 20)).unwrap();
    // Multi-threaded: the servers answer on its workers while this thread waits for a child.
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let servers = runtime.block_on(servers());
    let mut env = child_env(&servers);
    for (i, arg) in args.iter().enumerate() {
        if arg == "--child-env" {
            let (var, value) = args[i + 1].split_once('=').expect("VAR=VALUE");
            env.insert(var.to_owned(), value.to_owned());
        }
    }
    let launch = Launch {
        env,
        one_cpu: args.iter().any(|a| a == "--one-cpu"),
    };
    servers.set_latency(latency);

    for _ in 0..WARM_UP {
        for kind in KINDS {
            run(kind, &launch, &servers);
        }
    }
    let mut samples: HashMap<&str, Vec<Sample>> = HashMap::new();
    for round in 0..runs {
        // Each goes first in turn, so that none always follows the same other.
        let mut order = KINDS;
        order.rotate_left(round % KINDS.len());
        for kind in order {
            let sample = run(kind, &launch, &servers);
            samples.entry(kind.arg()).or_default().push(sample);
        }
    }
    report(latency, runs, &samples);
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Median, first and third quartile, min and max.
fn spread(mut values: Vec<f64>) -> [f64; 5] {
    values.sort_by(f64::total_cmp);
    // Nearest rank `num/den` of the way up: what is reported is a measured value.
    let at = |num: usize, den: usize| values[((values.len() - 1) * num + den / 2) / den];
    [
        at(1, 2),
        at(1, 4),
        at(3, 4),
        values[0],
        values[values.len() - 1],
    ]
}

/// A spread as three cells: median, quartiles, min–max, `unit` after the median.
fn cells([median, q1, q3, min, max]: [f64; 5], digits: usize, unit: &str) -> String {
    format!("{median:.digits$}{unit} | {q1:.digits$}–{q3:.digits$} | {min:.digits$}–{max:.digits$}")
}

fn report(latency: Duration, runs: usize, samples: &HashMap<&str, Vec<Sample>>) {
    let floor = config::floor();
    println!(
        "latency L = {} ms per request; {runs} runs of each child, in turns, after {WARM_UP} warm-up runs of each; {floor} requests per run (asserted)",
        ms(latency)
    );
    println!();
    println!(
        "| child | main → loaded: median | quartiles | min–max | spawn → exit: median | quartiles | min–max |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for kind in KINDS {
        let runs = &samples[kind.arg()];
        let inside = spread(runs.iter().map(|s| ms(s.inside)).collect());
        let wall = spread(runs.iter().map(|s| ms(s.wall)).collect());
        println!(
            "| {} | {} | {} |",
            kind.label(),
            cells(inside, 1, " ms"),
            cells(wall, 1, " ms")
        );
    }
    // Run i of each was made in the same round, close together: their ratio cancels what
    // moved the machine's load between rounds.
    for theirs in [Kind::Hand, Kind::HandParallel] {
        let ratios = |f: fn(&Sample) -> Duration| {
            let ours = &samples[Kind::Derive.arg()];
            let pairs = ours.iter().zip(&samples[theirs.arg()]);
            spread(
                pairs
                    .map(|(o, t)| f(o).as_secs_f64() / f(t).as_secs_f64())
                    .collect(),
            )
        };
        println!(
            "| derive / {}, paired by round | {} | {} |",
            theirs.arg(),
            cells(ratios(|s| s.inside), 3, ""),
            cells(ratios(|s| s.wall), 3, "")
        );
    }
    println!();
    println!("Phases (median end, from `main`, ms):");
    for kind in KINDS {
        let runs = &samples[kind.arg()];
        let line: Vec<String> = runs[0]
            .phases
            .iter()
            .enumerate()
            .map(|(i, (phase, _))| {
                let at = spread(runs.iter().map(|s| ms(s.phases[i].1)).collect());
                format!("{phase} {:.1}", at[0])
            })
            .collect();
        println!("- {}: {}", kind.arg(), line.join(", "));
    }
}
