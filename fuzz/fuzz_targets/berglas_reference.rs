//! berglas references (`berglas://BUCKET/OBJECT#GEN`, `sm://PROJECT/SECRET#VERSION`), as an env
//! var of a `#[berglas]` field holds them: any text, or one built from parts the fuzzer picks,
//! each maybe percent-escaped or holding the canary, with a query, a fragment and whitespace.
//!
//! Besides "no panic": a parsed reference's canonical text parses back to it; a malformed
//! one's message is a fixed wording that never shows the text or the canary
//! (`tests/berglas/props.rs`).

#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use secrets_runtime_fuzz::{CANARY, check_reference};

#[derive(Arbitrary, Debug)]
enum Input {
    /// Any text.
    Text(String),
    /// A reference put together from parts.
    Built {
        prefix: Prefix,
        first: Part,
        rest: Part,
        query: Option<String>,
        fragment: Option<Part>,
        before: Space,
        after: Space,
    },
}

#[derive(Arbitrary, Debug)]
enum Prefix {
    Storage,
    /// `berglas:///`: the one leading slash berglas drops.
    StorageSlash,
    SecretManager,
    /// Anything else.
    Other(String),
}

#[derive(Arbitrary, Debug)]
struct Part {
    text: String,
    /// Start with the canary: a secret pasted where a name goes.
    canary: bool,
    /// Write every byte outside `[a-z0-9._-]` as `%XX`.
    escaped: bool,
}

/// Whitespace the parser trims: none, a newline, CRLF, spaces and tabs.
#[derive(Arbitrary, Debug)]
enum Space {
    None,
    Newline,
    CrLf,
    Blanks,
}

impl Part {
    fn render(&self) -> String {
        let text = if self.canary {
            format!("{CANARY}{}", self.text)
        } else {
            self.text.clone()
        };
        if !self.escaped {
            return text;
        }
        let mut out = String::new();
        for byte in text.bytes() {
            if byte.is_ascii_lowercase() || byte.is_ascii_digit() || b"._-".contains(&byte) {
                out.push(char::from(byte));
            } else {
                out.push_str(&format!("%{byte:02X}"));
            }
        }
        out
    }
}

impl Space {
    fn render(&self) -> &'static str {
        match self {
            Space::None => "",
            Space::Newline => "\n",
            Space::CrLf => "\r\n",
            Space::Blanks => " \t ",
        }
    }
}

impl Input {
    fn text(&self) -> String {
        match self {
            Input::Text(text) => text.clone(),
            Input::Built {
                prefix,
                first,
                rest,
                query,
                fragment,
                before,
                after,
            } => {
                let prefix = match prefix {
                    Prefix::Storage => "berglas://",
                    Prefix::StorageSlash => "berglas:///",
                    Prefix::SecretManager => "sm://",
                    Prefix::Other(other) => other,
                };
                let mut text = format!(
                    "{}{prefix}{}/{}",
                    before.render(),
                    first.render(),
                    rest.render()
                );
                if let Some(query) = query {
                    text.push('?');
                    text.push_str(query);
                }
                if let Some(fragment) = fragment {
                    text.push('#');
                    text.push_str(&fragment.render());
                }
                text.push_str(after.render());
                text
            }
        }
    }
}

fuzz_target!(|input: Input| {
    check_reference(&input.text());
});
