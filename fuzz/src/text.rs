//! A text an env var holds, as the targets that read names and plain values write it.

use arbitrary::Arbitrary;

/// Unset, any text, or a known good value with text around it or spliced in.
#[derive(Arbitrary, Debug)]
pub enum Text {
    Unset,
    /// Any text.
    Any(String),
    /// A known value with text around it (whitespace, most usefully).
    Around {
        known: u8,
        before: String,
        after: String,
    },
    /// A known value with text spliced in.
    Spliced {
        known: u8,
        at: u8,
        text: String,
    },
}

impl Text {
    /// The text, `None` when unset; `known` holds the good values the fuzzer picks from.
    #[must_use]
    pub fn text(&self, known: &[&str]) -> Option<String> {
        let pick = |i: &u8| known[usize::from(*i) % known.len()];
        match self {
            Self::Unset => None,
            Self::Any(text) => Some(text.clone()),
            Self::Around {
                known: i,
                before,
                after,
            } => Some(format!("{before}{}{after}", pick(i))),
            Self::Spliced { known: i, at, text } => {
                let known = pick(i);
                let at = usize::from(*at) % (known.len() + 1);
                Some(format!("{}{text}{}", &known[..at], &known[at..]))
            }
        }
    }
}
