//! Where values come from: an argument, `@FILE`, or stdin (`-`), read into buffers that are
//! wiped when dropped. Errors name the argument or file, never what it holds.

use std::fs::File;
use std::io::{self, IsTerminal, Read};
use std::path::Path;

use zeroize::Zeroizing;

use crate::fail::{Failure, Result};

/// A value read from somewhere, wiped when dropped.
pub type Secret = Zeroizing<Vec<u8>>;

/// What every command says of a value with nothing in it.
pub const EMPTY: &str = "the value is empty: give a file, or pipe the value in";

/// `VALUE` itself, the contents of `@FILE`, or stdin for `-` or no argument; never empty.
pub fn value(arg: Option<&str>) -> Result<Secret> {
    let value = match arg {
        None | Some("-") => stdin()?,
        Some(arg) => match arg.strip_prefix('@') {
            Some(path) => file(Path::new(path), "the file given as the VALUE argument")?,
            None => Zeroizing::new(arg.as_bytes().to_vec()),
        },
    };
    not_empty(value)
}

/// `value`, or the failure every command gives for an empty one.
pub fn not_empty(value: Secret) -> Result<Secret> {
    if value.is_empty() {
        return Err(Failure::new(EMPTY));
    }
    Ok(value)
}

/// The contents of `FILE`, or stdin for `-` or no argument; `what` names the file in a
/// failure (`the file given as argument 1`, or its path when that cannot be a value).
pub fn file_or_stdin(arg: Option<&Path>, what: &str) -> Result<Secret> {
    match arg {
        None => stdin(),
        Some(path) if path == Path::new("-") => stdin(),
        Some(path) => file(path, what),
    }
}

/// All of stdin; at a terminal, a prompt first, or the command would seem to hang.
pub fn stdin() -> Result<Secret> {
    let stdin = io::stdin();
    if stdin.is_terminal() {
        eprintln!("secrets: reading the value from stdin; end with Ctrl-D");
    }
    read_all(stdin.lock())
        .map_err(|e| Failure::new(format!("cannot read the value from stdin: {e}")))
}

/// All of `path`. The failure names it as `what`: a path typed in the wrong place may be a
/// value, so it is never quoted.
pub fn file(path: &Path, what: &str) -> Result<Secret> {
    File::open(path)
        .and_then(read_all)
        .map_err(|e| Failure::new(format!("cannot read {what} ({})", io_reason(&e))))
}

/// The OS's reason alone: `No such file or directory`, without `(os error 2)`.
fn io_reason(err: &io::Error) -> String {
    let text = err.to_string();
    match text.rfind(" (os error ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

/// Reads to the end, growing the buffer by hand so that no copy is left unwiped behind it
/// (`read_to_end` would reallocate it).
fn read_all(mut from: impl Read) -> io::Result<Secret> {
    let mut bytes = Zeroizing::new(Vec::with_capacity(4096));
    let mut chunk = Zeroizing::new([0u8; 8192]);
    loop {
        let read = match from.read(chunk.as_mut_slice()) {
            Ok(0) => return Ok(bytes),
            Ok(read) => read,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if bytes.len() + read > bytes.capacity() {
            let mut grown = Zeroizing::new(Vec::with_capacity((bytes.len() + read) * 2));
            grown.extend_from_slice(&bytes);
            bytes = grown;
        }
        bytes.extend_from_slice(&chunk[..read]);
    }
}

/// `bytes` as text, or a failure that says which value is not UTF-8.
pub fn text(bytes: &[u8], what: &str) -> Result<Zeroizing<String>> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(Zeroizing::new(text.to_owned())),
        Err(_) => Err(Failure::new(format!(
            "{what} is not UTF-8 text: a bundle holds JSON strings (base64-encode binary values first)"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_grow_past_the_first_buffer_whole() {
        let content: Vec<u8> = (0..50_000u32).map(|i| (i % 251) as u8).collect();
        assert_eq!(read_all(content.as_slice()).unwrap().as_slice(), content);
        assert!(read_all(&b""[..]).unwrap().is_empty());
    }

    #[test]
    fn an_argument_is_the_value_and_at_names_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v");
        std::fs::write(&path, b"from a file\n").unwrap();
        let at = format!("@{}", path.display());
        assert_eq!(value(Some(&at)).unwrap().as_slice(), b"from a file\n");
        assert_eq!(value(Some("plain")).unwrap().as_slice(), b"plain");
        let missing = format!("@{}", dir.path().join("s3cr3t").display());
        let why = value(Some(&missing)).unwrap_err().to_string();
        assert_eq!(
            why,
            "cannot read the file given as the VALUE argument (No such file or directory)"
        );
        assert_eq!(value(Some("")).unwrap_err().to_string(), EMPTY);
    }

    #[test]
    fn text_that_is_not_utf8_is_refused_by_name() {
        let why = text(&[0xff, 0xfe], "the value of `A`").unwrap_err();
        assert!(
            why.to_string()
                .starts_with("the value of `A` is not UTF-8 text")
        );
        assert_eq!(text(b"ok", "x").unwrap().as_str(), "ok");
    }
}
