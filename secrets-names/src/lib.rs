//! Name rules shared by `secrets-derive` (checked at compile time, on literals) and
//! `secrets-runtime` (checked at boot, on names read from the environment).
//!
//! One crate so that both ends agree on what a valid name is. Each check returns a message
//! that says what is wrong and how to fix it; names are configuration, never secrets, so
//! the messages may quote them.

#![forbid(unsafe_code)]

/// `[A-Za-z_][A-Za-z0-9_]*`: what every shell and every platform's env editor accepts.
///
/// # Errors
/// A message naming the first offending character.
pub fn check_env_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let Some(first) = chars.next() else {
        return Err("env var name is empty".into());
    };
    if !(first.is_ascii_alphabetic() || first == '_') {
        return Err(format!(
            "env var name `{name}` must start with an ASCII letter or `_`"
        ));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_'))
    {
        return Err(format!(
            "env var name `{name}` contains `{bad}`; use only ASCII letters, digits and `_`"
        ));
    }
    Ok(())
}

/// `projects/*/locations/*/keyRings/*/cryptoKeys/*`: decrypt takes the key, and Cloud KMS picks
/// the key version from the ciphertext itself.
///
/// # Errors
/// A message showing the expected form, or the key-version suffix to drop.
pub fn check_kms_key_name(name: &str) -> Result<(), String> {
    const FORM: &str = "projects/PROJECT/locations/LOCATION/keyRings/RING/cryptoKeys/KEY";
    if name.is_empty() {
        return Err("KMS key name is empty".into());
    }
    let parts: Vec<&str> = name.split('/').collect();
    if parts.len() == 10 && parts[8] == "cryptoKeyVersions" {
        let key = parts[..8].join("/");
        return Err(format!(
            "KMS key name `{name}` names a key version; decrypt takes the key: `{key}`"
        ));
    }
    let labels = ["projects", "locations", "keyRings", "cryptoKeys"];
    let shape_ok = parts.len() == 8
        && parts
            .chunks(2)
            .zip(labels)
            .all(|(pair, label)| pair[0] == label && is_resource_id(pair[1]));
    if shape_ok {
        Ok(())
    } else {
        Err(format!("KMS key name `{name}` is not of the form `{FORM}`"))
    }
}

/// A project, location, key ring or key id: non-empty, at most 63 characters, from the set
/// Cloud KMS allows (`:` and `.` appear in domain-scoped project ids).
fn is_resource_id(id: &str) -> bool {
    // `.` and `..` would be path segments to the local backend, which stores keys as files.
    !id.is_empty()
        && id.chars().any(|c| c != '.')
        && id.len() <= 63
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
}

/// Cloud Storage bucket naming rules: 3–63 characters (up to 222 with dots, each dot-separated
/// part at most 63), lowercase letters, digits, `-`, `_` and `.`, starting and ending with a
/// letter or digit, not an IP address, not starting with `goog`, not containing `google`.
///
/// # Errors
/// A message naming the rule the name breaks.
pub fn check_bucket_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("bucket name is empty".into());
    }
    let max = if name.contains('.') { 222 } else { 63 };
    if name.len() < 3 || name.len() > max {
        return Err(format!(
            "bucket name `{name}` must be 3 to {max} characters long"
        ));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.')))
    {
        return Err(format!(
            "bucket name `{name}` contains `{bad}`; use lowercase letters, digits, `-`, `_` and `.`"
        ));
    }
    let alnum = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    if !alnum(name.chars().next()) || !alnum(name.chars().last()) {
        return Err(format!(
            "bucket name `{name}` must start and end with a letter or digit"
        ));
    }
    if name
        .split('.')
        .any(|part| part.is_empty() || part.len() > 63)
    {
        return Err(format!(
            "bucket name `{name}` has an empty or over-long dot-separated part"
        ));
    }
    if name.parse::<std::net::Ipv4Addr>().is_ok() {
        return Err(format!("bucket name `{name}` must not be an IP address"));
    }
    if name.starts_with("goog") || name.contains("google") || name.contains("g00gle") {
        return Err(format!(
            "bucket name `{name}` must not start with `goog` or contain `google`"
        ));
    }
    Ok(())
}

/// Cloud Storage object naming rules: 1–1024 bytes of UTF-8, no carriage return or line feed,
/// not `.` or `..`.
///
/// # Errors
/// A message naming the rule the name breaks.
pub fn check_object_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("object name is empty".into());
    }
    if name.len() > 1024 {
        return Err("object name is longer than 1024 bytes".into());
    }
    if name.contains(['\r', '\n']) {
        return Err("object name must not contain a line break".into());
    }
    if name == "." || name == ".." {
        return Err(format!("object name must not be `{name}`"));
    }
    Ok(())
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
        for good in ["my-bucket", "abc", "a.b.c", "certs_2024", "a1"] {
            let verdict = check_bucket_name(good);
            assert_eq!(verdict.is_ok(), good.len() >= 3, "{good}: {verdict:?}");
        }
        for (bad, why) in [
            ("ab", "3 to 63"),
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
}
