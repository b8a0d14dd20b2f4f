//! What a command prints on stdout: the one thing it was asked for. Notes go to stderr.

use std::io::{self, Write};

use crate::fail::{Failure, Result};

/// `text` and a line break.
pub fn line(text: &str) -> Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush())
        .map_err(|e| failed(&e))
}

/// `bytes` exactly as they are, with nothing added: a secret's plaintext, asked for.
pub fn bytes(bytes: &[u8]) -> Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|e| failed(&e))
}

/// A note for the person at the terminal, on stderr, never holding a value.
pub fn note(text: &str) {
    eprintln!("secrets: {text}");
}

fn failed(e: &io::Error) -> Failure {
    Failure::new(format!("cannot write to stdout: {e}"))
}
