//! Secret Manager names: secret ids, versions and aliases, project and location ids, and the
//! resource names users write (`db-pass`, `projects/P/secrets/S`, with `/locations/L` for a
//! regional secret and `/versions/V` to pin one).

use crate::rules::{Broken, first_bad};

/// A secret as the struct or the environment names it; the parts it leaves out come from
/// the field's other keys (`project`, `location`, `version`) or their defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecretName<'a> {
    /// The project id or number, when the name is a full resource name.
    pub project: Option<&'a str>,
    /// The location of a regional secret.
    pub location: Option<&'a str>,
    /// The secret id.
    pub secret: &'a str,
    /// The version, number or alias, when the name pins one.
    pub version: Option<&'a str>,
}

/// The forms a secret name may take, for messages.
pub(crate) const SECRET_FORMS: &str = "`SECRET`, `projects/PROJECT/secrets/SECRET` or `projects/PROJECT/locations/LOCATION/secrets/SECRET`, optionally followed by `/versions/VERSION`";

pub(crate) fn secret_name(name: &str) -> Result<SecretName<'_>, Broken> {
    if name.is_empty() {
        return Err(Broken::Empty);
    }
    if !name.contains('/') {
        secret_id(name, 0)?;
        return Ok(SecretName {
            project: None,
            location: None,
            secret: name,
            version: None,
        });
    }
    let parts: Vec<&str> = name.split('/').collect();
    let (project, location, rest) = match parts.as_slice() {
        ["projects", project, "locations", location, rest @ ..] => {
            (*project, Some(*location), rest)
        }
        ["projects", project, rest @ ..] => (*project, None, rest),
        _ => return Err(Broken::SecretForm),
    };
    let (secret, version) = match rest {
        ["secrets", secret] => (*secret, None),
        ["secrets", secret, "versions", version] => (*secret, Some(*version)),
        _ => return Err(Broken::SecretForm),
    };
    project_id(project)?;
    if let Some(location) = location {
        location_id(location)?;
    }
    // Where the id starts in the whole name, for a position in the message.
    let index = parts.len() - rest.len() + 1;
    let before: usize = parts[..index].iter().map(|p| p.chars().count() + 1).sum();
    secret_id(secret, before)?;
    if let Some(version) = version {
        secret_version(version)?;
    }
    Ok(SecretName {
        project: Some(project),
        location,
        secret,
        version,
    })
}

/// 1 to 255 ASCII letters, digits, `-` and `_`.
pub(crate) fn secret_id(id: &str, before: usize) -> Result<(), Broken> {
    if id.is_empty() {
        return Err(Broken::SecretId { at: None });
    }
    if let Some((at, bad)) = first_bad(id, |c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
    {
        return Err(Broken::SecretChar {
            at: before + at,
            bad,
        });
    }
    if id.len() > 255 {
        return Err(Broken::SecretId { at: None });
    }
    Ok(())
}

/// `latest`, a version number, or an alias: up to 63 ASCII letters, digits, `-` and `_`,
/// starting with a letter.
pub(crate) fn secret_version(version: &str) -> Result<(), Broken> {
    // Not `Empty`: inside a full name that would read as an empty secret name.
    if version.is_empty() {
        return Err(Broken::SecretVersion);
    }
    if version.bytes().all(|b| b.is_ascii_digit()) {
        return if version.starts_with('0') {
            Err(Broken::SecretVersion)
        } else {
            Ok(())
        };
    }
    let starts_with_letter = version.starts_with(|c: char| c.is_ascii_alphabetic());
    let chars_ok = version
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'));
    if starts_with_letter && chars_ok && version.len() <= 63 {
        Ok(())
    } else {
        Err(Broken::SecretVersion)
    }
}

/// A project id (`my-project`, `example.com:my-project`) or number.
pub(crate) fn project_id(id: &str) -> Result<(), Broken> {
    let ok = !id.is_empty()
        && id.len() <= 100
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '.' | ':'))
        && id.starts_with(|c: char| c.is_ascii_alphanumeric())
        && id.ends_with(|c: char| c.is_ascii_alphanumeric());
    if ok { Ok(()) } else { Err(Broken::ProjectId) }
}

/// A location id: `europe-west1`.
pub(crate) fn location_id(id: &str) -> Result<(), Broken> {
    let ok = !id.is_empty()
        && id.len() <= 63
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok { Ok(()) } else { Err(Broken::LocationId) }
}
