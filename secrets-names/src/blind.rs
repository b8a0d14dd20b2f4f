//! The same rules as the crate's `check_*` functions, with messages that never show the name.
//!
//! For names read from the environment at boot: a deploy that pastes a password into
//! `KMS_CRYPTO_KEY_ID` or `STORAGE_BUCKET` must not get it printed in its logs. A message
//! says which rule the name breaks and where, as a character position counted from 1
//! ("character 7"), never the character itself or any part of the name. The verdicts are
//! those of the quoting functions, rule for rule: both render one implementation.
//!
//! ```
//! let why = secrets_names::blind::check_bucket_name("Hunter2-password").unwrap_err();
//! assert!(why.contains("character 1"));
//! assert!(!why.contains("Hunter2"));
//! ```

use crate::rules::{self, Broken, IdBroken};

/// [`check_env_name`](crate::check_env_name)'s rule, with a message that never shows the name.
///
/// # Errors
/// Which rule the name breaks, and the position of the first offending character.
pub fn check_env_name(name: &str) -> Result<(), String> {
    rules::env_name(name).map_err(|broken| blind(broken, "env var name"))
}

/// [`check_kms_key_name`](crate::check_kms_key_name)'s rule, with a message that never shows
/// the name.
///
/// # Errors
/// Which part of the form the name breaks, and how.
pub fn check_kms_key_name(name: &str) -> Result<(), String> {
    rules::kms_key_name(name).map_err(|broken| blind(broken, "KMS key name"))
}

/// [`check_bucket_name`](crate::check_bucket_name)'s rule, with a message that never shows
/// the name.
///
/// # Errors
/// Which rule the name breaks, and the position of the first offending character.
pub fn check_bucket_name(name: &str) -> Result<(), String> {
    rules::bucket_name(name).map_err(|broken| blind(broken, "bucket name"))
}

/// [`check_object_name`](crate::check_object_name)'s rule, with a message that never shows
/// the name.
///
/// # Errors
/// Which rule the name breaks, and the position of a line break.
pub fn check_object_name(name: &str) -> Result<(), String> {
    rules::object_name(name).map_err(|broken| blind(broken, "object name"))
}

/// [`parse_secret_name`](crate::parse_secret_name)'s rule, with a message that never shows
/// the name.
///
/// # Errors
/// Which part of the name breaks its rule, and where.
pub fn parse_secret_name(name: &str) -> Result<crate::SecretName<'_>, String> {
    crate::secret_manager::secret_name(name).map_err(|broken| blind(broken, "secret name"))
}

/// [`check_secret_version`](crate::check_secret_version)'s rule, with a message that never
/// shows the version.
///
/// # Errors
/// The forms a version may take.
pub fn check_secret_version(version: &str) -> Result<(), String> {
    crate::secret_manager::secret_version(version).map_err(|broken| blind(broken, "secret version"))
}

/// [`check_project_id`](crate::check_project_id)'s rule, with a message that never shows the
/// project.
///
/// # Errors
/// What a project id is made of.
pub fn check_project_id(project: &str) -> Result<(), String> {
    crate::secret_manager::project_id(project).map_err(|broken| blind(broken, "project"))
}

/// [`check_file_path`](crate::check_file_path)'s rule, with a message that never shows the
/// path.
///
/// # Errors
/// The rule the path breaks.
pub fn check_file_path(path: &str) -> Result<(), String> {
    rules::file_path(path).map_err(|broken| blind(broken, "file path"))
}

/// The message for a name that may be a secret: fixed text and positions only. No length
/// either: a secret's length narrows the search for it.
fn blind(broken: Broken, what: &str) -> String {
    let form = || format!("KMS key name is not of the form `{}`", rules::KMS_FORM);
    match broken {
        Broken::Empty => format!("{what} is empty"),
        Broken::EnvStart => "env var name must start with an ASCII letter or `_`".into(),
        Broken::EnvChar { at, .. } => format!(
            "env var name has a character other than ASCII letters, digits and `_` (character {at})"
        ),
        Broken::KmsVersion => "KMS key name names a key version; decrypt takes the key: \
             drop `/cryptoKeyVersions/…` from its end"
            .into(),
        Broken::KmsParts => format!("{}: it needs 8 parts separated by `/`", form()),
        Broken::KmsLabel { part, label } => {
            format!("{}: part {part} must be `{label}`", form())
        }
        Broken::KmsId { part, what, why } => {
            let why = match why {
                IdBroken::Empty => "is empty".into(),
                IdBroken::Char { at } => format!(
                    "has a character other than ASCII letters, digits, `-`, `_`, `.` and `:` (character {at})"
                ),
                IdBroken::Dots => "is only dots".into(),
                IdBroken::TooLong => "is longer than 63 characters".into(),
            };
            format!("{}: the {what} (part {part}) {why}", form())
        }
        Broken::BucketLength { max } => format!("bucket name must be 3 to {max} characters long"),
        Broken::BucketChar { at, .. } => format!(
            "bucket name has a character other than lowercase letters, digits, `-`, `_` and `.` (character {at})"
        ),
        Broken::BucketEnds => "bucket name must start and end with a letter or digit".into(),
        Broken::BucketPart => "bucket name has an empty or over-long dot-separated part".into(),
        Broken::BucketIp => "bucket name must not be an IP address".into(),
        Broken::BucketGoogle => "bucket name must not start with `goog` or contain `google`".into(),
        Broken::ObjectLength => "object name is longer than 1024 bytes".into(),
        Broken::ObjectLineBreak { at } => {
            format!("object name must not contain a line break (character {at})")
        }
        Broken::ObjectDots => "object name must not be `.` or `..`".into(),
        Broken::SecretForm => format!(
            "secret name is not of the form {}",
            crate::secret_manager::SECRET_FORMS
        ),
        Broken::SecretId { .. } => "secret id must be 1 to 255 characters long".into(),
        Broken::SecretChar { at, .. } => format!(
            "secret name has a character other than ASCII letters, digits, `-` and `_` in its secret id (character {at})"
        ),
        Broken::SecretVersion => "secret version is not `latest`, a version number or an alias (ASCII letters, digits, `-` and `_`, starting with a letter)".into(),
        Broken::ProjectId => "project is not a project id (lowercase letters, digits, `-`; `domain:` in front for a domain-scoped one) or a project number".into(),
        Broken::LocationId => "location is not a location id such as `europe-west1`".into(),
        Broken::FilePath => {
            "file path must not contain a control character (a NUL byte, a line break)".into()
        }
        Broken::FileRelative => {
            "file path is relative; give the absolute path (`/secrets/...`)".into()
        }
    }
}
