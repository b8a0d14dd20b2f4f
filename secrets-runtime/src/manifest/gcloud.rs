//! A manifest as the `gcloud` commands that grant one member read access to each resource and
//! nothing more: the role on the key or the secret itself, and on a bucket only with an IAM
//! condition that holds it to the object.
//!
//! Names env vars hold are looked up as `lookup.rs` says.

use std::borrow::Cow;
use std::fmt::Write as _;

use super::lookup::{Lookup, Names, Secret, Unknown};
use super::{Manifest, Need, Resource};
use crate::family::{CloudKms, CloudStorage, Family, SecretManager};
use crate::kinds::berglas::{self, KMS_KEY_METADATA};
use crate::kinds::gcs::BUCKET_NAME;
use crate::kinds::kms::KEY_NAME;

/// The script: a header, then each resource's command (or the comment that says what is
/// missing to write it), after a comment naming the fields that read it.
pub(super) fn script(
    manifest: &Manifest,
    service_account: &str,
    env: Option<&dyn Lookup>,
) -> String {
    // An email is a service account; anything else is a member already (`user:..`).
    let member = if service_account.contains(':') {
        service_account.to_owned()
    } else {
        format!("serviceAccount:{service_account}")
    };
    let grants = Grants {
        names: Names { env },
        member: &member,
    };
    let mut entries: Vec<(Line, Vec<String>)> = Vec::new();
    for need in manifest.resources() {
        let Some(line) = grants.line(need) else {
            continue;
        };
        // Two names that resolve alike (a literal key and a var holding it) make one grant.
        match entries.iter_mut().find(|(known, _)| *known == line) {
            Some((_, fields)) => {
                for field in &need.fields {
                    if !fields.contains(field) {
                        fields.push(field.clone());
                    }
                }
            }
            None => entries.push((line, need.fields.clone())),
        }
    }
    let mut out = format!(
        "# Least-privilege grants for {}: each role on the one resource a field reads.\n",
        manifest.name()
    );
    if entries.iter().any(|(line, _)| line.holds_to_object()) {
        out.push_str(
            "# Storage grants are held to one object by an IAM condition: the bucket needs uniform bucket-level access.\n",
        );
    }
    for (line, fields) in entries {
        let fields = fields.join(", ");
        let comment = match &line {
            Line::Command { note: None, .. } => fields,
            Line::Command {
                note: Some(text), ..
            }
            | Line::Comment(text) => format!("{fields}: {text}"),
        };
        out.push_str("# ");
        out.push_str(&one_line(&comment));
        out.push('\n');
        if let Line::Command { argv, .. } = line {
            out.push_str(&argv);
            out.push('\n');
        }
    }
    out
}

/// One resource's part of the script.
#[derive(PartialEq, Eq)]
enum Line {
    /// A command, and what to know before running it.
    Command { argv: String, note: Option<String> },
    /// Why there is no command, and what to do.
    Comment(String),
}

impl Line {
    fn holds_to_object(&self) -> bool {
        matches!(self, Self::Command { argv, .. } if argv.starts_with("gcloud storage "))
    }
}

struct Grants<'a> {
    names: Names<'a>,
    member: &'a str,
}

impl Grants<'_> {
    /// The grant `need` takes, or `None` when it takes none (the `berglas://` half of a
    /// reference that turned out to be `sm://`).
    fn line(&self, need: &Need) -> Option<Line> {
        let role = need.role().unwrap_or_default();
        let unknown = |unknown: &[Unknown]| {
            let what: Vec<String> = unknown.iter().map(Unknown::to_string).collect();
            Line::Comment(format!(
                "{}, then grant {role} on {}",
                what.join("; "),
                need.resource
            ))
        };
        let line = match &need.resource {
            Resource::KmsKey { key } => match self.names.name(*key, &KEY_NAME) {
                Ok(key) => self.kms(&key),
                Err(why) => unknown(&[why]),
            },
            Resource::Object { bucket, object } => match self.names.name(*bucket, &BUCKET_NAME) {
                Ok(bucket) => self.storage(&bucket, object),
                Err(why) => unknown(&[why]),
            },
            Resource::Secret {
                project,
                location,
                secret,
                ..
            } => match self.names.secret(*project, *location, *secret) {
                Ok(secret) => self.secret(&secret),
                Err(why) => unknown(&why),
            },
            Resource::File { .. } => Line::Comment(format!(
                "no IAM role reads {}: the process's user needs read permission on it (a Cloud Run secret volume needs {} on its secret)",
                need.resource,
                SecretManager::PERMISSION
            )),
            Resource::BerglasObject { reference }
            | Resource::BerglasKey { reference }
            | Resource::BerglasSecret { reference } => {
                return self.berglas(&need.resource, reference);
            }
            // Granted by an IAM policy in AWS, not by gcloud.
            Resource::AwsKmsKey { .. }
            | Resource::S3Object { .. }
            | Resource::AwsSecret { .. }
            | Resource::Parameter { .. } => return None,
        };
        Some(line)
    }

    fn kms(&self, key: &str) -> Line {
        // `projects/P/locations/L/keyRings/R/cryptoKeys/K`: the rule checked its 8 parts.
        let parts: Vec<&str> = key.split('/').collect();
        let argv = Argv::new("gcloud kms keys add-iam-policy-binding")
            .arg(parts[7])
            .flag("--keyring", parts[5])
            .flag("--location", parts[3])
            .flag("--project", parts[1])
            .grant(self.member, CloudKms::PERMISSION);
        Line::Command { argv, note: None }
    }

    fn storage(&self, bucket: &str, object: &str) -> Line {
        let argv = Argv::new("gcloud storage buckets add-iam-policy-binding")
            .arg(&format!("gs://{bucket}"))
            .grant_with(
                self.member,
                CloudStorage::PERMISSION,
                &condition(bucket, object),
            );
        Line::Command { argv, note: None }
    }

    fn secret(&self, secret: &Secret) -> Line {
        let mut argv = Argv::new("gcloud secrets add-iam-policy-binding").arg(&secret.id);
        if let Some(location) = &secret.location {
            argv = argv.flag("--location", location);
        }
        let note = match &secret.project {
            Ok(project) => {
                argv = argv.flag("--project", project);
                None
            }
            Err(var) => Some(format!(
                "{var} is unset, so the secret is in the metadata server's project (on Cloud Run, the service's own): gcloud's configured project is used here"
            )),
        };
        let argv = argv.grant(self.member, SecretManager::PERMISSION);
        Line::Command { argv, note }
    }

    /// The part of a berglas reference's grants that `resource` stands for, once the
    /// reference is read: the object and its key for `berglas://`, the secret for `sm://`.
    fn berglas(&self, resource: &Resource, var: &str) -> Option<Line> {
        let unresolved = |why: String| {
            Some(Line::Comment(format!(
                "{why}, then grant what it names: {} on a berglas:// object and {} on its key, or {} on an sm:// secret",
                CloudStorage::PERMISSION,
                CloudKms::PERMISSION,
                SecretManager::PERMISSION
            )))
        };
        let text = match self.names.raw(var, "a berglas reference") {
            Ok(Some(text)) => text,
            Ok(None) => return unresolved(format!("set {var} (a berglas reference)")),
            Err(unset) => return unresolved(unset.to_string()),
        };
        let referenced = match berglas::referenced(&text) {
            Ok(referenced) => referenced,
            Err(why) => {
                return unresolved(format!(
                    "env {var} is not a berglas reference: {why}; fix it"
                ));
            }
        };
        match (resource, referenced) {
            (Resource::BerglasObject { .. }, Referenced::Object { bucket, object }) => {
                Some(self.storage(&bucket, &object))
            }
            (Resource::BerglasKey { .. }, Referenced::Object { bucket, object }) => {
                Some(Line::Comment(format!(
                    "grant {} on the KMS key named in the {KMS_KEY_METADATA} metadata of gs://{bucket}/{object}, known once the object is read",
                    CloudKms::PERMISSION
                )))
            }
            (Resource::BerglasSecret { .. }, Referenced::Secret { project, secret }) => {
                Some(self.secret(&Secret {
                    project: Ok(project),
                    location: None,
                    id: secret,
                }))
            }
            _ => None,
        }
    }
}

/// What a berglas reference names, checked as a load checks it.
pub(crate) enum Referenced {
    /// `berglas://BUCKET/OBJECT`.
    Object { bucket: String, object: String },
    /// `sm://PROJECT/SECRET`.
    Secret { project: String, secret: String },
}

/// A command line, each argument shell-quoted where it needs it.
struct Argv(String);

impl Argv {
    fn new(command: &str) -> Self {
        Self(command.to_owned())
    }

    fn arg(mut self, value: &str) -> Self {
        self.0.push(' ');
        self.0.push_str(&quote(value));
        self
    }

    /// `--flag VALUE`.
    fn flag(self, flag: &str, value: &str) -> Self {
        self.arg(flag).arg(value)
    }

    /// `--flag=VALUE`.
    fn eq(mut self, flag: &str, value: &str) -> Self {
        self.0.push(' ');
        self.0.push_str(flag);
        self.0.push('=');
        self.0.push_str(&quote(value));
        self
    }

    fn grant(self, member: &str, role: &str) -> String {
        self.eq("--member", member).eq("--role", role).0
    }

    fn grant_with(self, member: &str, role: &str, condition: &str) -> String {
        self.eq("--member", member)
            .eq("--role", role)
            .eq("--condition", condition)
            .0
    }
}

/// `word` as one shell word: as it is when nothing in it is special to a shell, else in
/// single quotes (a `'` in it closed, escaped and reopened).
fn quote(word: &str) -> Cow<'_, str> {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./:@%+=,".contains(c);
    // `=` first is zsh's command-path expansion.
    if !word.is_empty() && !word.starts_with('=') && word.chars().all(plain) {
        Cow::Borrowed(word)
    } else {
        Cow::Owned(format!("'{}'", word.replace('\'', r"'\''")))
    }
}

/// The `--condition` value that holds a bucket grant to one object: `expression=..,title=..`,
/// with another delimiter declared (`gcloud topic escaping`) when a comma is in the name.
fn condition(bucket: &str, object: &str) -> String {
    let expression = format!(
        "expression=resource.name == \"projects/_/buckets/{bucket}/objects/{}\"",
        cel_string(object)
    );
    // A condition's title is at most 100 characters.
    let title: String = object.chars().take(95).collect();
    let parts = [expression, format!("title={title}-only")];
    let unused = |delimiter: &str| parts.iter().all(|part| !part.contains(delimiter));
    if unused(",") {
        return parts.join(",");
    }
    // A run of `;` longer than either part is in neither.
    let longest = parts.iter().map(String::len).max().unwrap_or_default();
    let delimiter = [";", "|", "~", "!"]
        .into_iter()
        .map(str::to_owned)
        .chain((2..=longest + 1).map(|n| ";".repeat(n)))
        .find(|delimiter| unused(delimiter))
        .unwrap_or_default();
    format!("^{delimiter}^{}", parts.join(&delimiter))
}

/// The inside of a CEL string literal.
fn cel_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '"' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => {
                // Writing to a `String` cannot fail.
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

/// `text` as one comment line: a control character in a name (an object's may hold one) is
/// escaped, so nothing in it can end the comment and run.
fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests;
