//! A JSON string's contents, unescaped straight into a buffer that is wiped when dropped.
//!
//! `serde_json` unescapes a string that holds an escape (`\n` in a PEM key, `\"` in a
//! password) through a scratch buffer that grows by reallocation and is freed unwiped; for a
//! secret that would leave copies in freed memory. The literal comes from the parser, so it
//! is valid JSON; what `serde_json` still refuses (a lone surrogate) is refused here too.

use zeroize::Zeroize;

use crate::backend::SecretBytes;

/// The contents of `literal` (`"..."`, quotes included), or `None` when it is not a string
/// that unescapes to UTF-8. Never reallocates: unescaping only ever shortens the text.
pub(crate) fn unescape(literal: &str) -> Option<SecretBytes> {
    let inner = literal.strip_prefix('"')?.strip_suffix('"')?.as_bytes();
    let mut out = SecretBytes::new(Vec::with_capacity(inner.len()));
    let mut i = 0;
    while i < inner.len() {
        // The text up to the next escape, copied as one run: most strings hold none.
        let run = inner[i..]
            .iter()
            .position(|&b| b == b'\\')
            .unwrap_or(inner.len() - i);
        out.extend_from_slice(&inner[i..i + run]);
        i += run;
        if i == inner.len() {
            break;
        }
        let escaped = *inner.get(i + 1)?;
        i += 2;
        let plain = match escaped {
            b'"' | b'\\' | b'/' => escaped,
            b'b' => 0x08,
            b'f' => 0x0c,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'u' => {
                let (c, used) = code_point(&inner[i..])?;
                i += used;
                let mut utf8 = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
                utf8.zeroize();
                continue;
            }
            _ => return None,
        };
        out.push(plain);
    }
    Some(out)
}

/// The character of a `\u` escape whose four hex digits start `rest`, with a following low
/// surrogate escape when the first is a high surrogate; and how many bytes it took.
fn code_point(rest: &[u8]) -> Option<(char, usize)> {
    let high = hex4(rest.get(..4)?)?;
    if !(0xD800..0xDC00).contains(&high) {
        // A lone low surrogate is not a character: `from_u32` refuses it.
        return Some((char::from_u32(high)?, 4));
    }
    if rest.get(4..6)? != b"\\u" {
        return None;
    }
    let low = hex4(rest.get(6..10)?)?;
    if !(0xDC00..0xE000).contains(&low) {
        return None;
    }
    let c = char::from_u32(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))?;
    Some((c, 10))
}

fn hex4(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0, |value, &d| {
        let digit = char::from(d).to_digit(16)?;
        Some(value << 4 | digit)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `serde_json` makes of the literal, for comparison.
    fn reference(literal: &str) -> Option<Vec<u8>> {
        serde_json::from_str::<String>(literal)
            .ok()
            .map(String::into_bytes)
    }

    fn check(literal: &str) {
        let ours = unescape(literal);
        assert_eq!(
            ours.as_ref().map(|b| b.to_vec()),
            reference(literal),
            "{literal:?}"
        );
        if let Some(bytes) = ours {
            // The buffer was sized once, from the literal: it never grew.
            assert_eq!(bytes.capacity(), literal.len() - 2, "{literal:?}");
        }
    }

    #[test]
    fn agrees_with_serde_json() {
        for literal in [
            r#""""#,
            r#""plain""#,
            r#""a\"b\\c\/d""#,
            r#""-----BEGIN KEY-----\nMIIB\n-----END KEY-----\n""#,
            r#""\b\f\n\r\t""#,
            r#""\u00e9t\u00C9""#,
            r#""\u20ac \ud83d\ude00 end""#,
            r#""\u0000""#,
            r#""\ud83d""#,
            r#""\ude00""#,
            r#""\ud83d\u0041""#,
            r#""\ud83dx""#,
            r#""caf\u00e9 – ünïcödé 🙂""#,
        ] {
            check(literal);
        }
    }

    #[test]
    fn agrees_with_serde_json_on_every_escaped_character() {
        // Every character serde_json escapes, and a spread of the rest, each written both as
        // serde_json writes it and as a \u escape.
        let chars = (0u32..0x300)
            .chain((0xD7F0..0xE010).step_by(7))
            .chain([0xFFFD, 0xFFFF, 0x1_0000, 0x1_F600, 0x10_FFFF])
            .filter_map(char::from_u32);
        for c in chars {
            check(&serde_json::to_string(&format!("x{c}y")).unwrap());
            let mut units = [0u16; 2];
            let escaped = c
                .encode_utf16(&mut units)
                .iter()
                .fold(String::new(), |mut out, u| {
                    use std::fmt::Write;
                    let _ = write!(out, "\\u{u:04x}");
                    out
                });
            check(&format!("\"{escaped}\""));
        }
    }
}
