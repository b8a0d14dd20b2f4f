//! Secret Manager resource names: `projects/P[/locations/L]/secrets/S` and the version names
//! below them, `…/versions/V` with V a number, `latest` or an alias.
//!
//! The rules are Secret Manager's documented ones for the parts a test writes: secret ids of
//! 1 to 255 letters, digits, `_` and `-`; aliases of 1 to 63 of the same, starting with a
//! letter and neither `latest` nor `NEW`. Project and location segments are only required to be
//! non-empty, without `/`: the server echoes whatever project the client asked for.

use std::fmt;

/// A secret, global or regional.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) struct SecretName {
    pub(super) project: String,
    pub(super) location: Option<String>,
    pub(super) secret: String,
}

/// Which version of a secret a request asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum VersionRef {
    /// A version number, 1 or more.
    Number(u64),
    /// The highest-numbered version, whatever its state.
    Latest,
    /// A version alias, resolved by the server.
    Alias(String),
}

impl fmt::Display for SecretName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "projects/{}", self.project)?;
        if let Some(location) = &self.location {
            write!(f, "/locations/{location}")?;
        }
        write!(f, "/secrets/{}", self.secret)
    }
}

impl fmt::Display for VersionRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VersionRef::Number(n) => write!(f, "{n}"),
            VersionRef::Latest => f.write_str("latest"),
            VersionRef::Alias(alias) => f.write_str(alias),
        }
    }
}

impl SecretName {
    /// Parses `projects/P/secrets/S` or `projects/P/locations/L/secrets/S`.
    pub(super) fn parse(name: &str) -> Option<SecretName> {
        let parts: Vec<&str> = name.split('/').collect();
        let parsed = match parts.as_slice() {
            ["projects", project, "secrets", secret] => SecretName {
                project: (*project).to_owned(),
                location: None,
                secret: (*secret).to_owned(),
            },
            [
                "projects",
                project,
                "locations",
                location,
                "secrets",
                secret,
            ] if !location.is_empty() => SecretName {
                project: (*project).to_owned(),
                location: Some((*location).to_owned()),
                secret: (*secret).to_owned(),
            },
            _ => return None,
        };
        (!parsed.project.is_empty() && is_secret_id(&parsed.secret)).then_some(parsed)
    }

    /// Parses a version name, `{secret name}/versions/V`.
    pub(super) fn parse_version(name: &str) -> Option<(SecretName, VersionRef)> {
        let (secret, version) = name.rsplit_once("/versions/")?;
        Some((SecretName::parse(secret)?, VersionRef::parse(version)?))
    }
}

impl VersionRef {
    fn parse(version: &str) -> Option<VersionRef> {
        if version == "latest" {
            Some(VersionRef::Latest)
        } else if version.bytes().all(|b| b.is_ascii_digit()) {
            // Empty, 0 and numbers past u64 are all malformed.
            version
                .parse()
                .ok()
                .filter(|&n| n > 0)
                .map(VersionRef::Number)
        } else {
            is_alias(version).then(|| VersionRef::Alias(version.to_owned()))
        }
    }
}

/// 1 to 255 of `[A-Za-z0-9_-]`.
fn is_secret_id(id: &str) -> bool {
    (1..=255).contains(&id.len()) && id.bytes().all(is_id_byte)
}

/// 1 to 63 of `[A-Za-z0-9_-]` starting with a letter, and not one of the reserved words.
pub(super) fn is_alias(alias: &str) -> bool {
    alias.len() <= 63
        && alias
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic())
        && alias.bytes().all(is_id_byte)
        && alias != "latest"
        && alias != "NEW"
}

fn is_id_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn global_and_regional_version_names_parse_and_print_back() {
        for name in [
            "projects/p/secrets/s/versions/3",
            "projects/p/secrets/db-pass_2/versions/latest",
            "projects/123/locations/europe-west1/secrets/s/versions/prod",
        ] {
            let (secret, version) = SecretName::parse_version(name).expect(name);
            assert_eq!(format!("{secret}/versions/{version}"), name);
        }
        let (secret, version) =
            SecretName::parse_version("projects/p/locations/l/secrets/s/versions/7").unwrap();
        assert_eq!(secret.location.as_deref(), Some("l"));
        assert_eq!(version, VersionRef::Number(7));
    }

    #[test]
    fn malformed_names_are_rejected() {
        for name in [
            "",
            "projects/p/secrets/s",
            "projects//secrets/s/versions/1",
            "projects/p/secrets//versions/1",
            "projects/p/secrets/s.t/versions/1",
            "projects/p/locations//secrets/s/versions/1",
            "projects/p/keyRings/r/secrets/s/versions/1",
            "projects/p/secrets/s/versions/",
            "projects/p/secrets/s/versions/0",
            "projects/p/secrets/s/versions/99999999999999999999",
            "projects/p/secrets/s/versions/NEW",
            "projects/p/secrets/s/versions/1abc",
            "projects/p/secrets/s/versions/a.b",
            "projects/p/secrets/s/versions/1/extra",
        ] {
            assert_eq!(SecretName::parse_version(name), None, "{name}");
        }
        assert!(SecretName::parse(&format!("projects/p/secrets/{}", "s".repeat(256))).is_none());
    }

    #[test]
    fn alias_rules() {
        assert!(is_alias("prod"));
        assert!(is_alias(&format!("a{}", "-".repeat(62))));
        for bad in ["", "1st", "_x", "latest", "NEW", "a b", &"a".repeat(64)] {
            assert!(!is_alias(bad), "{bad}");
        }
    }
}
