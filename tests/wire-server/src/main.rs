//! Runs a [`KmsServer`] on a fixed port until interrupted, for manual use and benchmarks.
//!
//! ```text
//! secrets-wire-server [--port PORT] [--key NAME]... [--latency-ms MS]
//! ```
//! Each `--key` creates a crypto key (the HTTP `:encrypt` creates none) and prints a sample
//! ciphertext of the empty string under it, so a client can be tried at once.

#![forbid(unsafe_code)]

use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use secrets_wire_server::KmsServer;

const USAGE: &str = "usage: secrets-wire-server [--port PORT] [--key NAME]... [--latency-ms MS]";

/// The command line, parsed.
struct Options {
    port: u16,
    keys: Vec<String>,
    latency: Duration,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut options = Options {
        port: 8086,
        keys: Vec::new(),
        latency: Duration::ZERO,
    };
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--port" => {
                options.port = value()?.parse().map_err(|e| format!("--port: {e}"))?;
            }
            "--key" => options.keys.push(value()?),
            "--latency-ms" => {
                let ms = value()?.parse().map_err(|e| format!("--latency-ms: {e}"))?;
                options.latency = Duration::from_millis(ms);
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(options)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let options = match parse(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(why) => {
            if !why.is_empty() {
                eprintln!("secrets-wire-server: {why}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, options.port));
    let server = match KmsServer::start_on(addr).await {
        Ok(server) => server,
        Err(e) => {
            eprintln!("secrets-wire-server: cannot bind {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    server.faults().set_latency(options.latency);
    for key in &options.keys {
        server.create_key(key);
        println!(
            "key {key}: ciphertext of \"\" = {}",
            STANDARD.encode(server.encrypt(key, b""))
        );
    }
    println!(
        "Cloud KMS test server on {} (Ctrl-C stops it)",
        server.endpoint()
    );
    if let Err(e) = tokio::signal::ctrl_c().await {
        eprintln!("secrets-wire-server: waiting for Ctrl-C: {e}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
