//! [`Moto`]: runs moto's server, an AWS emulator (PyPI `moto[server]`), as a child process.
//!
//! `scripts/lib/moto.sh` installs it into the project's virtualenv and names the
//! `moto_server` script in the environment variable `MOTO_SERVER`. One port serves every
//! service: moto tells them apart by the credential scope of each request's `SigV4`
//! `Authorization` header, so the AWS SDK reaches it through `AWS_ENDPOINT_URL` alone.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::fake_gcs::{Log, SUPERVISOR, drain_stderr, free_port, stop, tail};

/// The variable naming the `moto_server` script.
pub const MOTO_SERVER: &str = "MOTO_SERVER";

/// How long moto may take to answer its first request: it imports every service's models at
/// startup, a few seconds on a small machine.
const READY_TIMEOUT: Duration = Duration::from_mins(1);
/// Attempts at a free port: another process may take the port between probe and bind.
const PORT_ATTEMPTS: usize = 5;

/// A running moto server, its state in memory. Dropping it kills the process; so does the end
/// of the test process, however it ends (it runs under the same supervising shell as
/// [`FakeGcs`](crate::FakeGcs)), so one may live in a `static` for a whole test binary.
#[derive(Debug)]
pub struct Moto {
    child: Child,
    addr: SocketAddr,
}

impl Moto {
    /// Runs `$MOTO_SERVER -H 127.0.0.1 -p <free port>` and waits until it answers HTTP.
    /// Blocking, so that it can start inside a `OnceLock` shared by a binary's tests.
    ///
    /// # Panics
    /// If `MOTO_SERVER` is unset or names no file, or moto does not come up: the tests that
    /// need it cannot run, and the message says how to get it.
    #[must_use]
    pub fn start() -> Moto {
        let binary = binary();
        let mut last_log = String::new();
        for _ in 0..PORT_ATTEMPTS {
            let port = free_port();
            let (mut child, log) = spawn(&binary, port);
            let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
            match wait_ready(&mut child, addr) {
                Ok(()) => return Moto { child, addr },
                Err(exited) => {
                    stop(&mut child);
                    last_log = tail(&log);
                    // Lost the race for the port: try another one.
                    if exited && last_log.contains("Address already in use") {
                        continue;
                    }
                    panic!(
                        "Moto: {} ({MOTO_SERVER}) {}; its output:\n{last_log}",
                        binary.display(),
                        if exited {
                            "exited at startup"
                        } else {
                            "did not answer within a minute"
                        }
                    );
                }
            }
        }
        panic!("Moto: no free port after {PORT_ATTEMPTS} attempts; last output:\n{last_log}");
    }

    /// `http://127.0.0.1:PORT`, for `AWS_ENDPOINT_URL`, boto3's `endpoint_url` or an
    /// [`AwsProxy`](crate::AwsProxy).
    #[must_use]
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        stop(&mut self.child);
    }
}

/// The script from `MOTO_SERVER`.
fn binary() -> PathBuf {
    let hint = "it must name the moto_server script (from the PyPI package moto[server]). Run \
                the tests through `scripts/test`, which installs it and sets MOTO_SERVER";
    let Some(path) = std::env::var_os(MOTO_SERVER).filter(|p| !p.is_empty()) else {
        panic!("Moto: the environment variable {MOTO_SERVER} is not set; {hint}");
    };
    let path = PathBuf::from(path);
    assert!(
        path.is_file(),
        "Moto: {MOTO_SERVER}={} is not a file; {hint}",
        path.display()
    );
    path
}

/// Starts moto under the supervising shell; its stderr (a line per request) is collected.
fn spawn(binary: &PathBuf, port: u16) -> (Child, Log) {
    let mut child = Command::new("/bin/sh")
        .args(["-c", SUPERVISOR])
        .arg(binary)
        .args(["-H", "127.0.0.1", "-p"])
        .arg(port.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "Moto: cannot run /bin/sh to start {} (named by {MOTO_SERVER}): {e}",
                binary.display()
            )
        });
    let log = drain_stderr(&mut child);
    (child, log)
}

/// Polls moto's own API until it answers, moto exits (`Err(true)`), or [`READY_TIMEOUT`]
/// passes (`Err(false)`). Plain blocking sockets: no runtime needed.
fn wait_ready(child: &mut Child, addr: SocketAddr) -> Result<(), bool> {
    let deadline = Instant::now() + READY_TIMEOUT;
    loop {
        if matches!(child.try_wait(), Ok(Some(_))) {
            return Err(true);
        }
        if answers(addr) {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(false);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Whether `GET /moto-api/` at `addr` gets an HTTP reply.
fn answers(addr: SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_secs(1)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let request = "GET /moto-api/ HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut start = [0; 5];
    stream.read_exact(&mut start).is_ok() && &start == b"HTTP/"
}
