//! The rules themselves, once: each returns which rule a name breaks, never a message. The
//! quoting messages (`crate::check_*`) and the blind ones (`crate::blind`) both render the
//! [`Broken`] these return, so the two can disagree on wording but never on a verdict.

/// The form `check_kms_key_name` asks for.
pub(crate) const KMS_FORM: &str =
    "projects/PROJECT/locations/LOCATION/keyRings/RING/cryptoKeys/KEY";

/// The four `label/id` pairs of a KMS key name, with what each id is called in messages.
const KMS_PARTS: [(&str, &str); 4] = [
    ("projects", "project id"),
    ("locations", "location id"),
    ("keyRings", "key ring id"),
    ("cryptoKeys", "key id"),
];

/// The longest project, location, key ring or key id Cloud KMS accepts.
const MAX_ID: usize = 63;

/// Which rule a name breaks. Positions count characters from 1, as an editor's column does.
/// It holds the offending character for the quoting rendering only: the blind one must not
/// show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Broken {
    /// The name is empty.
    Empty,
    /// An env var name does not start with an ASCII letter or `_`.
    EnvStart,
    /// An env var name holds a character other than ASCII letters, digits and `_`.
    EnvChar { at: usize, bad: char },
    /// A KMS key name names a key version (`…/cryptoKeyVersions/N`).
    KmsVersion,
    /// A KMS key name does not have the 8 `/`-separated parts of the form.
    KmsParts,
    /// Part `part` (from 1) of a KMS key name is not the label `label`.
    KmsLabel { part: usize, label: &'static str },
    /// The id in part `part` (from 1) of a KMS key name, called `what`, breaks `why`.
    KmsId {
        part: usize,
        what: &'static str,
        why: IdBroken,
    },
    /// A bucket name is shorter than 3 or longer than `max` characters.
    BucketLength { max: usize },
    /// A bucket name holds a character outside lowercase letters, digits, `-`, `_`, `.`.
    BucketChar { at: usize, bad: char },
    /// A bucket name starts or ends with something other than a letter or digit.
    BucketEnds,
    /// A dot-separated part of a bucket name is empty or longer than 63 characters.
    BucketPart,
    /// A bucket name is an IPv4 address.
    BucketIp,
    /// A bucket name starts with `goog` or contains `google` (or `g00gle`).
    BucketGoogle,
    /// An object name is longer than 1024 bytes.
    ObjectLength,
    /// An object name holds a carriage return or line feed.
    ObjectLineBreak { at: usize },
    /// An object name is `.` or `..`.
    ObjectDots,
    /// A secret name is none of the forms Secret Manager names a secret by.
    SecretForm,
    /// A secret id is empty or longer than 255 characters.
    SecretId { at: Option<usize> },
    /// A secret id holds a character outside ASCII letters, digits, `-` and `_`.
    SecretChar { at: usize, bad: char },
    /// A secret version is neither `latest`, a number nor an alias.
    SecretVersion,
    /// A project is neither a project id nor a project number.
    ProjectId,
    /// A location id holds something other than lowercase letters, digits and `-`.
    LocationId,
    /// A file path holds a NUL byte.
    FilePath,
    /// A file path does not start with `/`.
    FileRelative,
}

/// Why one id of a KMS key name is not allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IdBroken {
    Empty,
    /// A character outside ASCII letters, digits, `-`, `_`, `.` and `:`, at this position of
    /// the whole name.
    Char {
        at: usize,
    },
    /// Only dots: `.` and `..` would be path segments to the local backend.
    Dots,
    TooLong,
}

pub(crate) fn env_name(name: &str) -> Result<(), Broken> {
    let mut chars = name.chars();
    let Some(first) = chars.next() else {
        return Err(Broken::Empty);
    };
    if !(first.is_ascii_alphabetic() || first == '_') {
        return Err(Broken::EnvStart);
    }
    match first_bad(name, |c| c.is_ascii_alphanumeric() || c == '_') {
        Some((at, bad)) => Err(Broken::EnvChar { at, bad }),
        None => Ok(()),
    }
}

pub(crate) fn kms_key_name(name: &str) -> Result<(), Broken> {
    if name.is_empty() {
        return Err(Broken::Empty);
    }
    let parts: Vec<&str> = name.split('/').collect();
    if parts.len() == 10 && parts[8] == "cryptoKeyVersions" {
        return Err(Broken::KmsVersion);
    }
    if parts.len() != 8 {
        return Err(Broken::KmsParts);
    }
    // Characters before the current part, to report a position in the whole name.
    let mut before = 0;
    for (i, (pair, (label, what))) in parts.chunks(2).zip(KMS_PARTS).enumerate() {
        // Parts count from 1: the label is part 2i+1, its id part 2i+2.
        if pair[0] != label {
            return Err(Broken::KmsLabel {
                part: 2 * i + 1,
                label,
            });
        }
        before += pair[0].chars().count() + 1;
        if let Err(why) = resource_id(pair[1], before) {
            return Err(Broken::KmsId {
                part: 2 * i + 2,
                what,
                why,
            });
        }
        before += pair[1].chars().count() + 1;
    }
    Ok(())
}

/// A project, location, key ring or key id: non-empty, at most 63 characters, from the set
/// Cloud KMS allows (`:` and `.` appear in domain-scoped project ids). `before` is how many
/// characters of the whole name precede it.
fn resource_id(id: &str, before: usize) -> Result<(), IdBroken> {
    if id.is_empty() {
        return Err(IdBroken::Empty);
    }
    if let Some((at, _)) = first_bad(id, |c| {
        c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':')
    }) {
        return Err(IdBroken::Char { at: before + at });
    }
    // `.` and `..` would be path segments to the local backend, which stores keys as files.
    if id.chars().all(|c| c == '.') {
        return Err(IdBroken::Dots);
    }
    if id.len() > MAX_ID {
        return Err(IdBroken::TooLong);
    }
    Ok(())
}

pub(crate) fn bucket_name(name: &str) -> Result<(), Broken> {
    if name.is_empty() {
        return Err(Broken::Empty);
    }
    let max = if name.contains('.') { 222 } else { 63 };
    if name.len() < 3 || name.len() > max {
        return Err(Broken::BucketLength { max });
    }
    if let Some((at, bad)) = first_bad(name, |c| {
        c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.')
    }) {
        return Err(Broken::BucketChar { at, bad });
    }
    let alnum = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    if !alnum(name.chars().next()) || !alnum(name.chars().last()) {
        return Err(Broken::BucketEnds);
    }
    if name
        .split('.')
        .any(|part| part.is_empty() || part.len() > 63)
    {
        return Err(Broken::BucketPart);
    }
    if name.parse::<std::net::Ipv4Addr>().is_ok() {
        return Err(Broken::BucketIp);
    }
    if name.starts_with("goog") || name.contains("google") || name.contains("g00gle") {
        return Err(Broken::BucketGoogle);
    }
    Ok(())
}

pub(crate) fn object_name(name: &str) -> Result<(), Broken> {
    if name.is_empty() {
        return Err(Broken::Empty);
    }
    if name.len() > 1024 {
        return Err(Broken::ObjectLength);
    }
    if let Some((at, _)) = first_bad(name, |c| !matches!(c, '\r' | '\n')) {
        return Err(Broken::ObjectLineBreak { at });
    }
    if name == "." || name == ".." {
        return Err(Broken::ObjectDots);
    }
    Ok(())
}

/// The position (from 1) and value of the first character of `text` that `allowed` refuses.
pub(crate) fn first_bad(text: &str, allowed: impl Fn(char) -> bool) -> Option<(usize, char)> {
    text.chars()
        .zip(1..)
        .find(|(c, _)| !allowed(*c))
        .map(|(c, at)| (at, c))
}

/// Absolute: mounted secrets are (`/secrets/db-pass`, `/run/secrets/db`), a function's
/// working directory is not something to rely on, and a password pasted where a path
/// belongs then breaks the rule and is never shown.
pub(crate) fn file_path(path: &str) -> Result<(), Broken> {
    match path {
        "" => Err(Broken::Empty),
        // A control character (a line break, most likely) is no path anyone mounts: a value
        // pasted into the var, which must not reach a message or a log line.
        _ if path.chars().any(char::is_control) => Err(Broken::FilePath),
        _ if !path.starts_with('/') => Err(Broken::FileRelative),
        _ => Ok(()),
    }
}
