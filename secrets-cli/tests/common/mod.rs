//! Shared by the CLI's tests: the built `secrets` binary run as a user runs it, the wire
//! servers it talks to, and the runtime's view of what it wrote.
#![allow(dead_code)] // each test binary uses its own subset

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use secrets_runtime::Sources;
use secrets_wire_server::{FakeGcs, KmsServer, SecretManagerServer};
use serde_json::{Value, json};

pub const KEY: &str = "projects/p/locations/global/keyRings/r/cryptoKeys/k";
pub const BUCKET: &str = "cli-secrets";
pub const PROJECT: &str = "p";

/// How one run of `secrets` ended.
#[derive(Debug)]
pub struct Run {
    /// The exit status; `None` if a signal ended it.
    pub code: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl Run {
    /// Stdout as text, trimmed of its final line break.
    pub fn out(&self) -> String {
        String::from_utf8(self.stdout.clone())
            .expect("stdout is UTF-8")
            .trim_end_matches('\n')
            .to_owned()
    }

    /// Asserts the run succeeded and returns [`Run::out`].
    #[track_caller]
    pub fn ok(&self) -> String {
        assert_eq!(self.code, Some(0), "secrets failed: {}", self.stderr);
        self.out()
    }

    /// Asserts the run failed with status 1 and returns its one stderr message, checking that
    /// no `secret` shows in any output.
    #[track_caller]
    pub fn failed(&self, secrets: &[&str]) -> String {
        assert_eq!(self.code, Some(1), "expected a failure: {self:?}");
        self.assert_hides(secrets);
        self.stderr.trim_end().to_owned()
    }

    /// No `secret` shows in stdout or stderr.
    #[track_caller]
    pub fn assert_hides(&self, secrets: &[&str]) {
        let stdout = String::from_utf8_lossy(&self.stdout);
        for secret in secrets {
            assert!(
                !self.stderr.contains(secret),
                "stderr shows a value: {self:?}"
            );
            assert!(!stdout.contains(secret), "stdout shows a value: {self:?}");
        }
    }
}

/// The binary with an environment of its own.
#[derive(Clone, Debug, Default)]
pub struct Cli {
    env: Vec<(String, String)>,
}

impl Cli {
    /// Google's services at the given servers, anonymous.
    pub fn gcp(servers: &Servers) -> Cli {
        Cli::default()
            .with("SECRETS_KMS_ENDPOINT", &servers.kms.endpoint())
            .with("STORAGE_EMULATOR_HOST", &servers.gcs.endpoint())
            .with(
                "SECRETS_SECRET_MANAGER_ENDPOINT",
                &servers.secret_manager.endpoint(),
            )
    }

    /// The local backend in `dir`.
    pub fn local(dir: &Path) -> Cli {
        Cli::default().with("SECRETS_LOCAL_DIR", &dir.display().to_string())
    }

    #[must_use]
    pub fn with(mut self, var: &str, value: &str) -> Cli {
        self.env.push((var.to_owned(), value.to_owned()));
        self
    }

    /// Runs `secrets ARGS` with `stdin`, on a blocking thread: the servers it talks to run on
    /// the test's runtime.
    pub async fn run(&self, args: &[&str], stdin: &[u8]) -> Run {
        let (cli, args, stdin) = (
            self.clone(),
            args.iter().map(|a| (*a).to_owned()).collect::<Vec<_>>(),
            stdin.to_vec(),
        );
        tokio::task::spawn_blocking(move || cli.run_now(&args, &stdin))
            .await
            .unwrap()
    }

    fn run_now(&self, args: &[String], stdin: &[u8]) -> Run {
        let mut command = Command::new(env!("CARGO_BIN_EXE_secrets"));
        // Only what the test sets: no backend, endpoint, project or credentials of the
        // machine's (no HOME, so no gcloud login either). Off Google Cloud, a metadata lookup
        // that was not meant to happen fails at once.
        command.env_clear().env("GCE_METADATA_HOST", "127.0.0.1:9");
        command
            .args(args)
            .envs(self.env.iter().map(|(k, v)| (k, v)));
        run_process(command, stdin)
    }
}

/// Runs `command` to its end with `stdin`, collecting its output. Blocking.
pub fn run_process(mut command: Command, stdin: &[u8]) -> Run {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    let mut pipe = child.stdin.take().expect("stdin is piped");
    // A command that does not read stdin may exit before this is written: that is fine.
    let _ = pipe.write_all(stdin);
    drop(pipe);
    let output = child.wait_with_output().unwrap();
    Run {
        code: output.status.code(),
        stdout: output.stdout,
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    }
}

/// A directory for one test's input files, removed with it.
pub struct Files(tempfile::TempDir);

impl Files {
    pub fn new() -> Files {
        Files(tempfile::tempdir().unwrap())
    }

    pub fn dir(&self) -> &Path {
        self.0.path()
    }

    /// Writes `content` to the file `name`, and returns its path as an argument takes it.
    pub fn write(&self, name: &str, content: impl AsRef<[u8]>) -> String {
        let path: PathBuf = self.0.path().join(name);
        std::fs::write(&path, content).unwrap();
        path.display().to_string()
    }
}

/// Cloud KMS, Secret Manager and fake-gcs-server, with the key and a versioned bucket.
pub struct Servers {
    pub kms: KmsServer,
    pub secret_manager: SecretManagerServer,
    pub gcs: FakeGcs,
    _data: tempfile::TempDir,
}

impl Servers {
    pub async fn start() -> Servers {
        let data = tempfile::tempdir().unwrap();
        let gcs = FakeGcs::start(data.path()).await;
        create_bucket(&gcs, BUCKET).await;
        let kms = KmsServer::start().await;
        kms.create_key(KEY);
        Servers {
            kms,
            secret_manager: SecretManagerServer::start().await,
            gcs,
            _data: data,
        }
    }

    /// What a function deployed with `vars` reads, through Google's clients at these servers.
    pub fn sources(&self, vars: &[(&str, &str)]) -> Sources {
        Sources::builder()
            .env(vars.iter().copied())
            .kms_endpoint(self.kms.endpoint())
            .storage_endpoint(self.gcs.endpoint())
            .secret_manager_endpoint(self.secret_manager.endpoint())
            .build()
    }

    /// An object's resource as Cloud Storage's JSON API gives it: metadata, Cache-Control…
    pub async fn object(&self, bucket: &str, object: &str) -> Value {
        let url = format!(
            "{}/storage/v1/b/{bucket}/o/{}",
            self.gcs.endpoint(),
            utf8_percent_encode(object, NON_ALPHANUMERIC)
        );
        let reply = reqwest::get(url).await.unwrap();
        assert!(reply.status().is_success(), "{}", reply.status());
        serde_json::from_slice(&reply.bytes().await.unwrap()).unwrap()
    }
}

/// A bucket that keeps every generation, as berglas's are.
pub async fn create_bucket(gcs: &FakeGcs, bucket: &str) {
    let reply = reqwest::Client::new()
        .post(format!("{}/storage/v1/b", gcs.endpoint()))
        .header("content-type", "application/json")
        .body(json!({ "name": bucket, "versioning": { "enabled": true } }).to_string())
        .send()
        .await
        .unwrap();
    assert!(reply.status().is_success(), "{}", reply.status());
}
