//! Name rules shared by `secrets-derive` (checked at compile time, on literals) and
//! `secrets-runtime` (checked at boot, on names read from the environment).
//!
//! One crate so that both ends agree on what a valid name is. Each check returns a message
//! that says what is wrong and how to fix it. The `check_*` functions here quote the name:
//! they are for literals in source code, which are configuration, never secrets. A name read
//! from the environment at boot may be a secret pasted into the wrong variable: check it with
//! the functions of [`blind`], which apply the same rules and never show the name.

#![forbid(unsafe_code)]

pub mod aws;
pub mod blind;
mod list;
mod rules;
mod secret_manager;

pub use list::list_items;
pub use secret_manager::SecretName;

use rules::Broken;

/// `[A-Za-z_][A-Za-z0-9_]*`: what every shell and every platform's env editor accepts.
///
/// # Errors
/// A message naming the first offending character.
pub fn check_env_name(name: &str) -> Result<(), String> {
    rules::env_name(name).map_err(|broken| quoted(broken, "env var name", name))
}

/// `projects/*/locations/*/keyRings/*/cryptoKeys/*`: decrypt takes the key, and Cloud KMS picks
/// the key version from the ciphertext itself.
///
/// # Errors
/// A message showing the expected form, or the key-version suffix to drop.
pub fn check_kms_key_name(name: &str) -> Result<(), String> {
    rules::kms_key_name(name).map_err(|broken| quoted(broken, "KMS key name", name))
}

/// Cloud Storage bucket naming rules: 3–63 characters (up to 222 with dots, each dot-separated
/// part at most 63), lowercase letters, digits, `-`, `_` and `.`, starting and ending with a
/// letter or digit, not an IP address, not starting with `goog`, not containing `google`.
///
/// # Errors
/// A message naming the rule the name breaks.
pub fn check_bucket_name(name: &str) -> Result<(), String> {
    rules::bucket_name(name).map_err(|broken| quoted(broken, "bucket name", name))
}

/// Cloud Storage object naming rules: 1–1024 bytes of UTF-8, no carriage return or line feed,
/// not `.` or `..`.
///
/// # Errors
/// A message naming the rule the name breaks.
pub fn check_object_name(name: &str) -> Result<(), String> {
    rules::object_name(name).map_err(|broken| quoted(broken, "object name", name))
}

/// A Secret Manager secret: `SECRET`, `projects/PROJECT/secrets/SECRET` or
/// `projects/PROJECT/locations/LOCATION/secrets/SECRET`, optionally followed by
/// `/versions/VERSION`; ids by Secret Manager's rules.
///
/// # Errors
/// A message naming the part that breaks its rule.
pub fn parse_secret_name(name: &str) -> Result<SecretName<'_>, String> {
    secret_manager::secret_name(name).map_err(|broken| quoted(broken, "secret name", name))
}

/// A secret version: `latest`, a version number, or an alias (up to 63 ASCII letters, digits,
/// `-` and `_`, starting with a letter).
///
/// # Errors
/// A message showing the forms allowed.
pub fn check_secret_version(version: &str) -> Result<(), String> {
    secret_manager::secret_version(version)
        .map_err(|broken| quoted(broken, "secret version", version))
}

/// A Google Cloud project id (`my-project`, `example.com:my-project`) or project number.
///
/// # Errors
/// A message saying what a project id is made of.
pub fn check_project_id(project: &str) -> Result<(), String> {
    secret_manager::project_id(project).map_err(|broken| quoted(broken, "project", project))
}

/// A location id, such as `europe-west1`.
///
/// # Errors
/// A message saying what a location id is made of.
pub fn check_location_id(location: &str) -> Result<(), String> {
    secret_manager::location_id(location).map_err(|broken| quoted(broken, "location", location))
}

/// A file path: absolute, no NUL byte.
///
/// # Errors
/// A message naming the rule the path breaks.
pub fn check_file_path(path: &str) -> Result<(), String> {
    rules::file_path(path).map_err(|broken| quoted(broken, "file path", path))
}

/// The message for a literal: it shows the name, and the offending character, as written.
fn quoted(broken: Broken, what: &str, name: &str) -> String {
    match broken {
        Broken::Empty => format!("{what} is empty"),
        Broken::EnvStart => {
            format!("env var name `{name}` must start with an ASCII letter or `_`")
        }
        Broken::EnvChar { bad, .. } => format!(
            "env var name `{name}` contains `{bad}`; use only ASCII letters, digits and `_`"
        ),
        Broken::KmsVersion => {
            let key: Vec<&str> = name.split('/').take(8).collect();
            format!(
                "KMS key name `{name}` names a key version; decrypt takes the key: `{}`",
                key.join("/")
            )
        }
        Broken::KmsParts | Broken::KmsLabel { .. } | Broken::KmsId { .. } => format!(
            "KMS key name `{name}` is not of the form `{}`",
            rules::KMS_FORM
        ),
        Broken::BucketLength { max } => {
            format!("bucket name `{name}` must be 3 to {max} characters long")
        }
        Broken::BucketChar { bad, .. } => format!(
            "bucket name `{name}` contains `{bad}`; use lowercase letters, digits, `-`, `_` and `.`"
        ),
        Broken::BucketEnds => {
            format!("bucket name `{name}` must start and end with a letter or digit")
        }
        Broken::BucketPart => {
            format!("bucket name `{name}` has an empty or over-long dot-separated part")
        }
        Broken::BucketIp => format!("bucket name `{name}` must not be an IP address"),
        Broken::BucketGoogle => {
            format!("bucket name `{name}` must not start with `goog` or contain `google`")
        }
        Broken::ObjectLength => "object name is longer than 1024 bytes".into(),
        Broken::ObjectLineBreak { .. } => "object name must not contain a line break".into(),
        Broken::ObjectDots => format!("object name must not be `{name}`"),
        Broken::SecretForm => format!(
            "secret name `{name}` is not of the form {}",
            secret_manager::SECRET_FORMS
        ),
        Broken::SecretId { .. } => {
            format!("secret id in `{name}` must be 1 to 255 characters long")
        }
        Broken::SecretChar { bad, .. } => format!(
            "secret name `{name}` contains `{bad}`; a secret id holds ASCII letters, digits, `-` and `_`"
        ),
        Broken::SecretVersion => format!(
            "secret version `{name}` is not `latest`, a version number or an alias (ASCII letters, digits, `-` and `_`, starting with a letter)"
        ),
        Broken::ProjectId => format!(
            "`{name}`: the project is not a project id (lowercase letters, digits, `-`; `domain:` in front for a domain-scoped one) or a project number"
        ),
        Broken::LocationId => {
            format!("`{name}`: the location is not a location id such as `europe-west1`")
        }
        Broken::FilePath => {
            "file path must not contain a control character (a NUL byte, a line break)".into()
        }
        Broken::FileRelative => {
            format!("file path `{name}` is relative; give the absolute path (`/secrets/...`)")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_names() {
        assert!(check_env_name("DB_PASS").is_ok());
        assert!(check_env_name("_x9").is_ok());
        assert!(check_env_name("").unwrap_err().contains("empty"));
        assert!(check_env_name("9LIVES").unwrap_err().contains("start"));
        assert!(check_env_name("DB-PASS").unwrap_err().contains("`-`"));
    }

    #[test]
    fn kms_key_names() {
        let key = "projects/p/locations/global/keyRings/r/cryptoKeys/k";
        assert!(check_kms_key_name(key).is_ok());
        // A domain-scoped project id is a project segment like any other.
        let scoped = "projects/example.com:proj/locations/us-east1/keyRings/r.1/cryptoKeys/k_2";
        assert_eq!(check_kms_key_name(scoped), Ok(()));
        // The same id alone is not a key name.
        assert!(check_kms_key_name("example.com:proj").is_err());
        let version = check_kms_key_name(&format!("{key}/cryptoKeyVersions/3")).unwrap_err();
        assert!(version.contains(&format!("`{key}`")), "{version}");
        for bad in [
            "",
            "projects/p/locations/global/keyRings/r",
            "projects/p/locations/global/keyRing/r/cryptoKeys/k",
            "projects//locations/global/keyRings/r/cryptoKeys/k",
            "projects/p/locations/global/keyRings/r/cryptoKeys/k/",
            "projects/p/locations/glo bal/keyRings/r/cryptoKeys/k",
            "projects/../locations/global/keyRings/r/cryptoKeys/k",
            "projects/p/locations/global/keyRings/./cryptoKeys/k",
        ] {
            assert!(check_kms_key_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bucket_names() {
        for good in ["my-bucket", "abc", "a.b.c", "certs_2024", "0-9"] {
            assert_eq!(check_bucket_name(good), Ok(()), "{good}");
        }
        for (bad, why) in [
            ("ab", "3 to 63"),
            ("a1", "3 to 63"),
            ("My-Bucket", "`M`"),
            ("-bucket", "start and end"),
            ("bucket-", "start and end"),
            ("192.168.5.4", "IP address"),
            ("goog-secrets", "goog"),
            ("my-google-bucket", "google"),
            ("a..b", "dot-separated"),
            ("", "empty"),
        ] {
            let err = check_bucket_name(bad).unwrap_err();
            assert!(err.contains(why), "{bad}: {err}");
        }
        assert!(check_bucket_name(&"a".repeat(64)).is_err());
        assert!(check_bucket_name(&format!("{}.b", "a".repeat(63))).is_ok());
    }

    #[test]
    fn object_names() {
        assert!(check_object_name("app1").is_ok());
        assert!(check_object_name("dir/tls.pem").is_ok());
        assert!(check_object_name("").is_err());
        assert!(check_object_name("..").is_err());
        assert!(check_object_name("a\nb").is_err());
        assert!(check_object_name(&"x".repeat(1025)).is_err());
    }

    #[test]
    fn secret_names() {
        let short = parse_secret_name("db-pass").unwrap();
        assert_eq!(
            (short.project, short.secret, short.version),
            (None, "db-pass", None)
        );
        let full = parse_secret_name("projects/shared/secrets/ca").unwrap();
        assert_eq!(
            (full.project, full.location, full.secret),
            (Some("shared"), None, "ca")
        );
        let pinned =
            parse_secret_name("projects/123/locations/europe-west1/secrets/s_1/versions/prod")
                .unwrap();
        assert_eq!(
            (
                pinned.project,
                pinned.location,
                pinned.secret,
                pinned.version
            ),
            (Some("123"), Some("europe-west1"), "s_1", Some("prod"))
        );
        for (bad, why) in [
            ("", "empty"),
            ("projects/p/secret/s", "not of the form"),
            ("projects/p/secrets/s/versions", "not of the form"),
            ("db pass", "contains ` `"),
            ("projects/P/secrets/s", "the project"),
            ("projects/p/secrets/s/versions/01", "secret version"),
            ("projects/p/secrets/s/versions/", "is not `latest`"),
            ("projects/p/locations/EU/secrets/s", "location"),
        ] {
            let err = parse_secret_name(bad).unwrap_err();
            assert!(err.contains(why), "{bad}: {err}");
        }
        // The position counts from the start of the whole name, in characters.
        let err = blind::parse_secret_name("projects/p/secrets/ab!").unwrap_err();
        assert!(
            err.contains("character 22") && !err.contains("ab!"),
            "{err}"
        );
        assert!(parse_secret_name(&"s".repeat(256)).is_err());
    }

    #[test]
    fn secret_versions_and_projects() {
        for good in ["latest", "1", "42", "prod", "blue-2_b"] {
            assert_eq!(check_secret_version(good), Ok(()), "{good}");
        }
        for bad in ["", "0", "-1", "2x!", "9a"] {
            assert!(check_secret_version(bad).is_err(), "{bad}");
        }
        for good in ["my-project", "123456", "example.com:proj"] {
            assert_eq!(check_project_id(good), Ok(()), "{good}");
        }
        for bad in ["", "My-Project", "proj-", "a b"] {
            assert!(check_project_id(bad).is_err(), "{bad}");
        }
        assert!(check_location_id("europe-west1").is_ok());
        assert!(check_file_path("/secrets/db").is_ok());
        assert!(check_file_path("/a\0b").is_err());
        assert!(
            check_file_path("secrets/db")
                .unwrap_err()
                .contains("relative")
        );
        let blind = blind::check_file_path("hunter2-password").unwrap_err();
        assert!(
            blind.contains("relative") && !blind.contains("hunter2"),
            "{blind}"
        );
    }
}
