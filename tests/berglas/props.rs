//! What must hold of every berglas reference text and every berglas object body, whatever its
//! bytes: checked by the fuzz targets `berglas_reference` and `berglas_envelope` (fuzz/) on
//! each input, and by `tests/berglas_fuzz_regressions.rs` on every `cargo test`.
//!
//! The parsers are crate-private in secrets-runtime, so the crate including this file includes
//! their source too, as `crate::reference` and `crate::envelope` (see
//! `tests/berglas_fuzz_regressions.rs`).

use std::sync::OnceLock;

use secrets_runtime::{BackendError, ErrorKind};

use crate::envelope::{open, seal, split};
use crate::reference::{Reference, parse};

/// Every secret a harness plants starts with this (as in fuzz/src/lib.rs): no message may show it.
pub const CANARY: &str = "CANARYq7Zx";

/// Checks one reference text: parsing never panics; a parsed reference's canonical text
/// parses back to it and prints the same; a malformed one's message is one of the fixed
/// wordings (numbers aside) and never shows the text, when the text is 8 characters or more
/// and not itself a piece of that wording, nor the canary.
pub fn check_reference(text: &str) {
    match parse(text) {
        Ok(reference) => {
            let canonical = reference.to_string();
            let again = parse(&canonical)
                .unwrap_or_else(|why| panic!("the canonical text {canonical:?} fails: {why}"));
            assert_eq!(again, reference, "{text:?} -> {canonical:?}");
            assert_eq!(again.to_string(), canonical);
            match &reference {
                Reference::Storage { generation, .. } => {
                    assert!(generation.is_none_or(|g| g > 0), "{reference:?}");
                }
                Reference::SecretManager { version, .. } => assert!(!version.is_empty()),
            }
        }
        Err(why) => {
            let message = why.to_string();
            assert!(!message.is_empty());
            assert!(
                !format!("{message} {why:?}").contains(CANARY),
                "{text:?}: {message}"
            );
            let wording = numbers_out(&message);
            assert!(
                wordings().contains(&wording),
                "{text:?}: a message that is no fixed wording: {message}"
            );
            let trimmed = text.trim_ascii();
            if trimmed.chars().count() >= 8 && message.contains(trimmed) {
                let piece = numbers_out(trimmed);
                assert!(
                    wordings().iter().any(|w| w.contains(&piece)),
                    "{text:?}: the message shows the text: {message}"
                );
            }
        }
    }
}

/// `message` with every run of digits written `N`: positions and limits vary, wordings do not.
fn numbers_out(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    for c in message.chars() {
        if !c.is_ascii_digit() {
            out.push(c);
        } else if !out.ends_with('N') {
            out.push('N');
        }
    }
    out
}

/// Every message `parse` can give, numbers out: collected from references that break each
/// rule once, so that a new wording in secrets-names needs no edit here, only a new rule.
fn wordings() -> &'static [String] {
    static WORDINGS: OnceLock<Vec<String>> = OnceLock::new();
    WORDINGS.get_or_init(|| {
        let long_object = format!("berglas://foo/{}", "o".repeat(1025));
        let long_secret = format!("sm://p/{}", "s".repeat(256));
        let malformed = [
            "x",
            "berglas://foo",
            "sm://p",
            "sm://p/a/b",
            "berglas://foo/%zz",
            "berglas://foo/%FF",
            "berglas://a:b/c",
            "berglas://foo/\u{1}",
            "berglas:////x/o",
            "berglas://ab/o",
            "berglas://a./o",
            "berglas://Abc/o",
            "berglas://-ab/o",
            "berglas://a..b/o",
            "berglas://1.2.3.4/o",
            "berglas://google/o",
            "berglas://foo/..",
            "berglas://foo/a%0Ab",
            &long_object,
            "sm://P/s",
            "sm://p/s.s",
            &long_secret,
            "sm://p/s#a.b",
        ];
        malformed
            .iter()
            .map(|text| {
                let why = parse(text).expect_err(text);
                numbers_out(&why.to_string())
            })
            .collect()
    })
}

/// A stand-in for Cloud KMS `encrypt`: reversible, and visibly not the data key.
fn wrap(dek: &[u8]) -> Vec<u8> {
    let mut wrapped = b"wrapped:".to_vec();
    wrapped.extend(dek.iter().rev().map(|b| b ^ 0x5a));
    wrapped
}

/// The inverse of [`wrap`]: `None` for anything `wrap` could not have made.
fn unwrap(wrapped: &[u8]) -> Option<Vec<u8>> {
    let dek = wrapped.strip_prefix(b"wrapped:")?;
    Some(dek.iter().rev().map(|b| b ^ 0x5a).collect())
}

/// A change to an object body, as storage corruption, a hand edit or an attacker would make.
#[derive(Debug, Clone)]
pub enum Edit {
    /// Flip these bits of the byte at this position (modulo the length).
    Flip(usize, u8),
    /// Keep this many bytes (modulo the length + 1).
    Truncate(usize),
    /// Insert these bytes at this position (modulo the length + 1).
    Insert(usize, Vec<u8>),
}

impl Edit {
    fn apply(&self, body: &mut Vec<u8>) {
        match self {
            Edit::Flip(at, bits) => {
                if !body.is_empty() {
                    let at = at % body.len();
                    body[at] ^= bits;
                }
            }
            Edit::Truncate(len) => body.truncate(len % (body.len() + 1)),
            Edit::Insert(at, bytes) => {
                let at = at % (body.len() + 1);
                body.splice(at..at, bytes.iter().copied());
            }
        }
    }
}

/// Seals `CANARY + rest` as berglas would, checks that the body splits and opens back to it,
/// then applies `edits` and checks the edited body: it splits and opens to the same plaintext,
/// or fails as [`check_body`] requires. Returns whether the edited body still opened.
pub fn check_envelope(rest: &[u8], edits: &[Edit]) -> bool {
    let mut plaintext = CANARY.as_bytes().to_vec();
    plaintext.extend_from_slice(rest);
    let mut dek_seen = None;
    let body = seal(&plaintext, |dek| {
        dek_seen = Some(dek.to_vec());
        Ok(wrap(dek))
    })
    .expect("wrap does not fail");
    let dek = dek_seen.expect("seal calls wrap");
    assert_eq!(dek.len(), 32);
    assert!(!body.contains(CANARY), "the body holds the plaintext");
    let envelope = split(body.as_bytes()).expect("a sealed body splits");
    assert_eq!(envelope.wrapped_dek, wrap(&dek));
    let opened = open(&dek, &envelope.sealed).expect("a sealed body opens");
    assert_eq!(opened.as_slice(), plaintext.as_slice());

    let mut edited = body.into_bytes();
    for edit in edits {
        edit.apply(&mut edited);
    }
    match check_body(&edited) {
        // AES-GCM: whatever opens is what was sealed (an edit Go's base64 skips, such as a
        // line break, or bits past the last byte, changes nothing).
        Some(opened) => {
            assert_eq!(opened, plaintext, "an edited body opened to something else");
            true
        }
        None => false,
    }
}

/// Splits and opens any body with the [`wrap`] key service: never panics; fails with
/// `Invalid` (split) or `Decrypt` (open) and a fixed message that shows neither the body nor
/// the canary. Returns the plaintext when it opens.
pub fn check_body(body: &[u8]) -> Option<Vec<u8>> {
    let envelope = match split(body) {
        Ok(envelope) => envelope,
        Err(err) => {
            check_backend_error(&err, ErrorKind::Invalid);
            return None;
        }
    };
    // A wrapped key this key service did not make is refused by it, as Cloud KMS would;
    // one it did make may still be the wrong length.
    let dek = unwrap(&envelope.wrapped_dek)?;
    match open(&dek, &envelope.sealed) {
        Ok(plaintext) => Some(plaintext.to_vec()),
        Err(err) => {
            check_backend_error(&err, ErrorKind::Decrypt);
            None
        }
    }
}

/// A failure of `kind` whose message is one of the fixed envelope messages, so it can show
/// neither the body nor the plaintext.
fn check_backend_error(err: &BackendError, kind: ErrorKind) {
    assert_eq!(err.kind(), kind, "{}", err.message());
    assert!(
        envelope_messages().iter().any(|m| m == err.message()),
        "a message that is no fixed wording: {}",
        err.message()
    );
    assert!(!format!("{err:?}").contains(CANARY));
}

/// Every message `split` and `open` give, collected from bodies and keys that break each rule.
fn envelope_messages() -> &'static [String] {
    static MESSAGES: OnceLock<Vec<String>> = OnceLock::new();
    MESSAGES.get_or_init(|| {
        let sealed = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        let bodies = [
            "no colon".to_owned(),
            format!("!:{sealed}"),
            "AAAA:!".to_owned(),
            format!(":{sealed}"),
            "AAAA:".to_owned(),
        ];
        let mut messages: Vec<String> = bodies
            .iter()
            .map(|body| message(split(body.as_bytes())))
            .collect();
        messages.push(message(open(&[0; 32], &[0; 28])));
        messages.push(message(open(&[0; 16], &[0; 28])));
        messages
    })
}

fn message<T>(result: Result<T, BackendError>) -> String {
    match result {
        Ok(_) => panic!("a malformed body or key passed"),
        Err(err) => err.message().to_owned(),
    }
}
