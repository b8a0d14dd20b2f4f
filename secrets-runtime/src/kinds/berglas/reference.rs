//! berglas references, `berglas://BUCKET/OBJECT[#GENERATION]` and `sm://PROJECT/SECRET[#VERSION]`,
//! read as berglas v2's `ParseReference` reads them (`pkg/berglas/reference.go`), so that an env
//! var a service deployed with berglas already has names the same secret here.
//!
//! berglas hands the text after the prefix to Go's `url.Parse` and splits the decoded path once
//! on `/`. What that means, and what is done here to match it:
//! - the fragment is everything after the first `#`, the query everything between the first
//!   `?` and the fragment; the query is ignored (`?destination=…` has berglas write the secret
//!   to a file, which this library never does);
//! - the path and the fragment are percent-decoded, a `%` not followed by two hex digits being
//!   an error; a control character before the fragment is an error;
//! - a `:` before the first `/` is read as a URL scheme, which leaves berglas with an empty or
//!   no bucket (project): an error here;
//! - for `berglas://` only, one leading `/` is dropped first;
//! - a generation is read as Go's `strconv.ParseInt(fragment, 0, 64)` reads it (`0x`, `0o`,
//!   `0b` and a leading `0` for octal, `_` between digits), and, as in berglas, one that does
//!   not parse, is zero or negative means the latest generation rather than an error;
//! - an empty version means `latest`.
//!
//! Beyond berglas, names Cloud Storage and Secret Manager would refuse are refused here, with
//! their rule: berglas lets an empty object or project through to a request that fails.
//! Messages never quote the text: a secret pasted in place of a reference must not reach logs.

use std::fmt;

use secrets_names::blind;

const STORAGE_PREFIX: &str = "berglas://";
const SECRET_MANAGER_PREFIX: &str = "sm://";

/// A parsed berglas reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Reference {
    /// An object in berglas's envelope format.
    Storage {
        bucket: String,
        object: String,
        /// `None` is the latest generation.
        generation: Option<i64>,
    },
    /// A Secret Manager secret version.
    SecretManager {
        project: String,
        secret: String,
        /// A version number, an alias or `latest` (what an empty version means).
        version: String,
    },
}

/// Why a reference is malformed, as a sentence fragment ("it names no object"), never quoting
/// the reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Malformed {
    Prefix,
    Control,
    Scheme,
    Escape,
    NotUtf8,
    NoObject,
    NoSecret,
    NestedSecret,
    /// A part breaks its naming rule: `secrets_names::blind`'s message, which shows no part of
    /// the name.
    Name(String),
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Prefix => "it does not start with `berglas://` or `sm://`",
            Self::Control => "it holds a control character before its `#`",
            Self::Scheme => {
                "it has a `:` before its first `/`, which berglas reads as a URL scheme \
                 (write a domain-scoped project's `:` as `%3A`)"
            }
            Self::Escape => "it has a `%` that is not followed by two hex digits",
            Self::NotUtf8 => "its percent-escapes decode to bytes that are not UTF-8",
            Self::NoObject => "it names no object: the form is `berglas://BUCKET/OBJECT`",
            Self::NoSecret => "it names no secret: the form is `sm://PROJECT/SECRET`",
            Self::NestedSecret => {
                "its secret name holds a `/`: Secret Manager secrets are not nested"
            }
            Self::Name(why) => why,
        })
    }
}

/// Prints the reference canonically: berglas's `Reference.String()` form, with `%`, `?`, `#`,
/// spaces and control characters escaped (and a `:` in the bucket or project), so that the
/// text parses back to the same reference.
impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Storage {
                bucket,
                object,
                generation,
            } => {
                write!(
                    f,
                    "{STORAGE_PREFIX}{}/{}",
                    Escaped::first(bucket),
                    Escaped::other(object)
                )?;
                match generation {
                    Some(generation) => write!(f, "#{generation}"),
                    None => Ok(()),
                }
            }
            Self::SecretManager {
                project,
                secret,
                version,
            } => {
                write!(
                    f,
                    "{SECRET_MANAGER_PREFIX}{}/{}",
                    Escaped::first(project),
                    Escaped::other(secret)
                )?;
                match version.as_str() {
                    "latest" => Ok(()),
                    version => write!(f, "#{}", Escaped::other(version)),
                }
            }
        }
    }
}

/// Text written with the escapes it needs to read back the same.
struct Escaped<'a> {
    text: &'a str,
    /// The first path segment, where a `:` would read as a URL scheme.
    first: bool,
}

impl<'a> Escaped<'a> {
    fn first(text: &'a str) -> Self {
        Self { text, first: true }
    }

    fn other(text: &'a str) -> Self {
        Self { text, first: false }
    }
}

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.text.chars() {
            let escape = matches!(c, '%' | '?' | '#' | ' ')
                || c.is_ascii_control()
                || (self.first && c == ':');
            if escape {
                // All of these are ASCII: one byte each.
                write!(f, "%{:02X}", u32::from(c))?;
            } else {
                write!(f, "{c}")?;
            }
        }
        Ok(())
    }
}

/// Parses a berglas reference. Surrounding ASCII whitespace is dropped first, which berglas
/// does not do: a value read from a file or pasted into a console often ends with a newline,
/// which Go's URL parser refuses, or after a `#` turns into "the latest generation" without a
/// word.
pub(crate) fn parse(text: &str) -> Result<Reference, Malformed> {
    let text = text.trim_ascii();
    if let Some(rest) = text.strip_prefix(SECRET_MANAGER_PREFIX) {
        let (project, secret, fragment) = split_url(rest)?;
        if secret.is_empty() {
            return Err(Malformed::NoSecret);
        }
        if secret.contains('/') {
            return Err(Malformed::NestedSecret);
        }
        blind::check_project_id(&project).map_err(Malformed::Name)?;
        blind::parse_secret_name(&secret).map_err(Malformed::Name)?;
        let version = match fragment {
            None => "latest".to_owned(),
            Some(bytes) => String::from_utf8(bytes).map_err(|_| Malformed::NotUtf8)?,
        };
        blind::check_secret_version(&version).map_err(Malformed::Name)?;
        Ok(Reference::SecretManager {
            project,
            secret,
            version,
        })
    } else if let Some(rest) = text.strip_prefix(STORAGE_PREFIX) {
        // berglas trims one leading `/` ("it messes up bucket names"), for storage only.
        let rest = rest.strip_prefix('/').unwrap_or(rest);
        let (bucket, object, fragment) = split_url(rest)?;
        if object.is_empty() {
            return Err(Malformed::NoObject);
        }
        blind::check_bucket_name(&bucket).map_err(Malformed::Name)?;
        blind::check_object_name(&object).map_err(Malformed::Name)?;
        // As berglas: a generation that does not parse is no error but the latest, and so is
        // zero (berglas's "none") or a negative one (Go's storage client's "latest").
        let generation = fragment
            .and_then(|bytes| parse_go_int(&bytes))
            .filter(|generation| *generation > 0);
        Ok(Reference::Storage {
            bucket,
            object,
            generation,
        })
    } else {
        Err(Malformed::Prefix)
    }
}

/// The text after the prefix as Go's `url.Parse` and berglas's `SplitN(u.Path, "/", 2)` see
/// it: the decoded path's first segment, the rest of the path after its first `/` (empty when
/// there is none), and the decoded fragment when there is a non-empty one. An error wherever
/// `url.Parse` fails, or where it finds a scheme (see the module docs).
type Parts = (String, String, Option<Vec<u8>>);

fn split_url(rest: &str) -> Result<Parts, Malformed> {
    let (before, fragment) = match rest.split_once('#') {
        Some((before, fragment)) => (before, Some(fragment).filter(|f| !f.is_empty())),
        None => (rest, None),
    };
    // Go looks for control characters before the fragment only.
    if before.bytes().any(|b| b < b' ' || b == 0x7f) {
        return Err(Malformed::Control);
    }
    let path = before.split_once('?').map_or(before, |(path, _query)| path);
    // `name:` is a scheme to Go, and a `:` in a relative path's first segment an error; either
    // way berglas is left with an empty bucket or project, or none.
    if path
        .split('/')
        .next()
        .is_some_and(|first| first.contains(':'))
    {
        return Err(Malformed::Scheme);
    }
    let path = String::from_utf8(unescape(path)?).map_err(|_| Malformed::NotUtf8)?;
    let fragment = fragment.map(unescape).transpose()?;
    let (first, second) = path.split_once('/').unwrap_or((&path, ""));
    Ok((first.to_owned(), second.to_owned(), fragment))
}

/// Go's percent-decoding of a URL path or fragment: `%XX` is the byte `XX`, a `%` without two
/// hex digits after it an error; `+` stays `+`.
fn unescape(text: &str) -> Result<Vec<u8>, Malformed> {
    let hex = |byte: Option<&u8>| byte.and_then(|b| char::from(*b).to_digit(16));
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while let Some(&byte) = bytes.get(at) {
        if byte == b'%' {
            let (Some(high), Some(low)) = (hex(bytes.get(at + 1)), hex(bytes.get(at + 2))) else {
                return Err(Malformed::Escape);
            };
            // Two hex digits make at most 0xFF.
            out.push(u8::try_from(high * 16 + low).expect("two hex digits fit a byte"));
            at += 3;
        } else {
            out.push(byte);
            at += 1;
        }
    }
    Ok(out)
}

/// Go's `strconv.ParseInt(text, 0, 64)`: an optional sign, then a number as `ParseUint` reads
/// it with base 0. `None` wherever Go returns an error (syntax or range).
fn parse_go_int(text: &[u8]) -> Option<i64> {
    let (negative, digits) = match text.split_first()? {
        (b'+', digits) => (false, digits),
        (b'-', digits) => (true, digits),
        _ => (false, text),
    };
    let magnitude = parse_go_uint(digits)?;
    if negative {
        // -2^63 fits, +2^63 does not: negate through `checked_sub_unsigned`.
        0i64.checked_sub_unsigned(magnitude)
    } else {
        i64::try_from(magnitude).ok()
    }
}

/// Go's `strconv.ParseUint(text, 0, 64)`: `0b`, `0o`, `0x` (any case) and a bare leading `0`
/// pick base 2, 8, 16 and 8; a prefix counts only with at least one character after it.
/// Digits are case-insensitive; `_` may separate digits (and follow a prefix) as in Go's
/// integer literals.
fn parse_go_uint(text: &[u8]) -> Option<u64> {
    let (base, digits) = match text {
        [] => return None,
        [b'0', prefix, _, ..] if matches!(prefix.to_ascii_lowercase(), b'b' | b'o' | b'x') => {
            let base = match prefix.to_ascii_lowercase() {
                b'b' => 2,
                b'o' => 8,
                _ => 16,
            };
            (base, &text[2..])
        }
        [b'0', rest @ ..] => (8, rest),
        _ => (10, text),
    };
    let mut value: u64 = 0;
    let mut underscores = false;
    for &byte in digits {
        if byte == b'_' {
            underscores = true;
            continue;
        }
        let digit = char::from(byte).to_digit(36).filter(|d| *d < base)?;
        value = value
            .checked_mul(u64::from(base))?
            .checked_add(u64::from(digit))?;
    }
    if underscores && !underscores_ok(text) {
        return None;
    }
    Some(value)
}

/// Go's `underscoreOK`: each `_` sits between two digits, or between a base prefix and a digit.
fn underscores_ok(text: &[u8]) -> bool {
    #[derive(PartialEq)]
    enum Last {
        Start,
        Digit,
        Underscore,
        Other,
    }
    let (skip, mut last, hex) = match text {
        [b'0', prefix, ..] if matches!(prefix.to_ascii_lowercase(), b'b' | b'o' | b'x') => {
            // A prefix counts as a digit: `0x_1F` is allowed.
            (2, Last::Digit, prefix.eq_ignore_ascii_case(&b'x'))
        }
        _ => (0, Last::Start, false),
    };
    for &byte in &text[skip..] {
        if byte.is_ascii_digit() || (hex && byte.is_ascii_hexdigit()) {
            last = Last::Digit;
        } else if byte == b'_' {
            if last != Last::Digit {
                return false;
            }
            last = Last::Underscore;
        } else if last == Last::Underscore {
            return false;
        } else {
            last = Last::Other;
        }
    }
    last != Last::Underscore
}

// A file beside this one rather than `reference/tests.rs`: the fuzz crate and the
// regression test include this file by `#[path]`, which resolves nested modules from here.
#[cfg(test)]
#[path = "reference_tests.rs"]
mod tests;
