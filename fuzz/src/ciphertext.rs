//! Ciphertext as an env var holds it, for the targets whose fields decrypt (`kms_ciphertext`,
//! `aws_sources`): edits of real ciphertext bytes, the ways base64 text gets laid out in an
//! env var, and the decoder the README promises, written here independently of the runtime's.

use arbitrary::Arbitrary;
use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::prelude::*;

/// What a ciphertext env var holds: nothing, any text, or real ciphertext as `S` describes
/// it (made by the target's key service).
#[derive(Arbitrary, Debug)]
pub enum CipherVar<S> {
    Unset,
    /// Whatever the fuzzer writes: whitespace, line breaks, non-base64, pasted plaintext.
    Text(String),
    Sealed(S),
}

impl<S> CipherVar<S> {
    /// The var's text (`None`: unset) and, when it holds real ciphertext, what `seal` made
    /// it from: `seal` returns the text and that original.
    pub fn plan<O>(&self, seal: impl FnOnce(&S) -> (String, O)) -> (Option<String>, Option<O>) {
        match self {
            Self::Unset => (None, None),
            Self::Text(text) => (Some(text.clone()), None),
            Self::Sealed(sealed) => {
                let (text, original) = seal(sealed);
                (Some(text), Some(original))
            }
        }
    }
}

/// A change to the ciphertext bytes.
#[derive(Arbitrary, Debug)]
pub enum CipherEdit {
    None,
    Truncate(u16),
    FlipBit { at: u16, bit: u8 },
    Append(Vec<u8>),
    Drop { at: u16, len: u8 },
}

impl CipherEdit {
    /// `ciphertext` with this edit made.
    #[must_use]
    pub fn apply(&self, ciphertext: &[u8]) -> Vec<u8> {
        let mut bytes = ciphertext.to_vec();
        match self {
            Self::None => {}
            Self::Truncate(len) => bytes.truncate(usize::from(*len)),
            Self::FlipBit { at, bit } => {
                let at = usize::from(*at) % bytes.len();
                bytes[at] ^= 1 << (bit % 8);
            }
            Self::Append(more) => bytes.extend_from_slice(more),
            Self::Drop { at, len } => {
                let at = usize::from(*at) % bytes.len();
                let end = (at + usize::from(*len)).min(bytes.len());
                bytes.drain(at..end);
            }
        }
        bytes
    }
}

/// How the base64 text is laid out in the env var.
#[derive(Arbitrary, Debug)]
pub enum Layout {
    Plain,
    /// `base64` wraps at 76 columns; any width, `\n` or `\r\n`.
    Wrapped {
        width: u8,
        crlf: bool,
    },
    /// Padding stripped.
    Unpadded,
    /// Whitespace (or anything) around it, as `echo` and editors add.
    Around {
        before: String,
        after: String,
    },
    /// Text inserted in the middle: a copy-paste gone wrong.
    Insert {
        at: u16,
        text: String,
    },
    /// URL-safe alphabet instead of the standard one.
    UrlSafe,
}

impl Layout {
    /// `bytes` in base64, laid out this way.
    #[must_use]
    pub fn text(&self, bytes: &[u8]) -> String {
        let encoded = BASE64_STANDARD.encode(bytes);
        match self {
            Self::Plain => encoded,
            Self::Wrapped { width, crlf } => {
                let width = usize::from(*width).max(1);
                let newline = if *crlf { "\r\n" } else { "\n" };
                let lines: Vec<&str> = encoded
                    .as_bytes()
                    .chunks(width)
                    .map(|chunk| std::str::from_utf8(chunk).expect("base64 is ASCII"))
                    .collect();
                lines.join(newline) + newline
            }
            Self::Unpadded => encoded.trim_end_matches('=').to_owned(),
            Self::Around { before, after } => format!("{before}{encoded}{after}"),
            Self::Insert { at, text } => {
                let at = usize::from(*at) % (encoded.len() + 1);
                format!("{}{text}{}", &encoded[..at], &encoded[at..])
            }
            Self::UrlSafe => BASE64_URL_SAFE.encode(bytes),
        }
    }
}

/// The decoder the README promises: standard alphabet, padding optional, every ASCII
/// whitespace ignored. `None` when the text is blank.
#[must_use]
pub fn reference_decode(text: &str) -> Option<Result<Vec<u8>, ()>> {
    const ENGINE: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    if compact.is_empty() {
        return None;
    }
    Some(ENGINE.decode(compact).map_err(|_| ()))
}
