//! A manifest as a table (`Display`) and as JSON (`serde::Serialize`).

use std::fmt;

use serde::ser::{Serialize, SerializeMap, Serializer};

use super::{EnvVar, Holds, Manifest, Name, Need, Resource};
use crate::kinds::berglas::KMS_KEY_METADATA;

/// Two aligned tables, the env vars then the resources, each row with the fields that read
/// it.
impl fmt::Display for Manifest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} reads {} and {}",
            self.name,
            count(self.env.len(), "env var"),
            count(self.resources.len(), "resource"),
        )?;
        if !self.env.is_empty() {
            let rows = self.env.iter().map(|var| {
                [
                    var.name.clone(),
                    var.holds.to_string(),
                    var.fields.join(", "),
                ]
            });
            table(f, ["ENV VAR", "HOLDS", "READ BY"], rows)?;
        }
        if !self.resources.is_empty() {
            let rows = self.resources.iter().map(|need| {
                [
                    need.resource.to_string(),
                    need.permission().to_owned(),
                    need.role()
                        .unwrap_or("none: file system permission")
                        .to_owned(),
                    need.fields.join(", "),
                ]
            });
            table(f, ["RESOURCE", "PERMISSION", "ROLE", "READ BY"], rows)?;
        }
        Ok(())
    }
}

fn count(n: usize, what: &str) -> String {
    match n {
        0 => format!("no {what}"),
        1 => format!("1 {what}"),
        n => format!("{n} {what}s"),
    }
}

/// A blank line, then `head` and `rows` in columns two spaces apart, the last one unpadded.
fn table<const N: usize>(
    f: &mut fmt::Formatter<'_>,
    head: [&str; N],
    rows: impl Iterator<Item = [String; N]>,
) -> fmt::Result {
    let rows: Vec<[String; N]> = std::iter::once(head.map(str::to_owned))
        .chain(rows)
        .collect();
    let mut widths = [0; N];
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    f.write_str("\n")?;
    for row in &rows {
        for (column, cell) in row.iter().enumerate() {
            if column + 1 == N {
                writeln!(f, "{cell}")?;
            } else {
                write!(f, "{cell:<width$}  ", width = widths[column])?;
            }
        }
    }
    Ok(())
}

impl fmt::Display for Holds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Text { default: None } => f.write_str("text"),
            // Debug: a default with a space or a control character reads unambiguously.
            Self::Text {
                default: Some(default),
            } => write!(f, "text, default {default:?}"),
            Self::KmsCiphertext { key } => write!(f, "KMS ciphertext for key {key}"),
            Self::Bundle { key } => write!(f, "a sealed bundle for key {key}"),
            Self::BerglasReference => f.write_str("a berglas reference (berglas:// or sm://)"),
            Self::KmsKeyName => f.write_str("a KMS key name"),
            Self::BucketName => f.write_str("a bucket name"),
            Self::SecretName => f.write_str("a secret id or full name"),
            Self::ProjectId => f.write_str("a project id; unset: the metadata server's"),
            Self::FilePath => f.write_str("a file path"),
            Self::AwsKmsCiphertext { key: Some(key) } => {
                write!(f, "AWS KMS ciphertext for key {key}")
            }
            Self::AwsKmsCiphertext { key: None } => f.write_str("AWS KMS ciphertext"),
            Self::S3BucketName => f.write_str("an S3 bucket name"),
            Self::AwsSecretId => f.write_str("a Secrets Manager secret name or ARN"),
            Self::ParameterName => f.write_str("a parameter name or ARN"),
        }
    }
}

/// The resource as the table and the `gcloud` comments name it, env-held names as `$VAR`.
impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::KmsKey { key } => write!(f, "KMS key {key}"),
            Self::Object { bucket, object } => write!(f, "object gs://{bucket}/{object}"),
            Self::Secret {
                project,
                location,
                secret,
                versions,
            } => {
                write!(f, "secret projects/{project}/")?;
                if let Some(location) = location {
                    write!(f, "locations/{location}/")?;
                }
                let plural = if versions.len() == 1 { "" } else { "s" };
                write!(
                    f,
                    "secrets/{secret} (version{plural} {})",
                    versions.join(", ")
                )
            }
            Self::File { path } => write!(f, "file {path}"),
            Self::BerglasObject { reference } => write!(f, "berglas:// object in ${reference}"),
            Self::BerglasKey { reference } => write!(
                f,
                "KMS key of the berglas:// object in ${reference} (its {KMS_KEY_METADATA} metadata)"
            ),
            Self::BerglasSecret { reference } => write!(f, "sm:// secret in ${reference}"),
            Self::AwsKmsKey { key: Some(key), .. } => write!(f, "AWS KMS key {key}"),
            Self::AwsKmsKey { key: None, .. } => {
                f.write_str("AWS KMS key (the one each ciphertext names)")
            }
            Self::S3Object { bucket, object } => write!(f, "object s3://{bucket}/{object}"),
            Self::AwsSecret { secret } => write!(f, "AWS secret {secret}"),
            Self::Parameter { name } => write!(f, "parameter {name}"),
        }
    }
}

/// `{"struct": "Config", "env": [..], "resources": [..]}`.
impl Serialize for Manifest {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(3))?;
        map.serialize_entry("struct", self.name)?;
        map.serialize_entry("env", &self.env)?;
        map.serialize_entry("resources", &self.resources)?;
        map.end()
    }
}

/// `{"var": "DB_PASS", "holds": "kms_ciphertext", "key": "$KMS_CRYPTO_KEY_ID", "fields": [..]}`.
impl Serialize for EnvVar {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("var", &self.name)?;
        map.serialize_entry("holds", self.holds.tag())?;
        match &self.holds {
            Holds::Text {
                default: Some(default),
            } => map.serialize_entry("default", default)?,
            Holds::KmsCiphertext { key } | Holds::Bundle { key } => {
                map.serialize_entry("key", key)?;
            }
            Holds::AwsKmsCiphertext { key } => map.serialize_entry("key", key)?,
            _ => {}
        }
        map.serialize_entry("fields", &self.fields)?;
        map.end()
    }
}

impl Holds {
    /// What the var holds, as JSON names it.
    fn tag(&self) -> &'static str {
        match self {
            Self::Text { .. } => "text",
            Self::KmsCiphertext { .. } => "kms_ciphertext",
            Self::Bundle { .. } => "bundle",
            Self::BerglasReference => "berglas_reference",
            Self::KmsKeyName => "kms_key_name",
            Self::BucketName => "bucket_name",
            Self::SecretName => "secret_name",
            Self::ProjectId => "project_id",
            Self::FilePath => "file_path",
            Self::AwsKmsCiphertext { .. } => "aws_kms_ciphertext",
            Self::S3BucketName => "s3_bucket_name",
            Self::AwsSecretId => "aws_secret_id",
            Self::ParameterName => "ssm_parameter_name",
        }
    }
}

/// `{"kind": "kms_key", "key": "..", "permission": "..", "role": "..", "fields": [..]}`, the
/// resource's own names between kind and permission.
impl Serialize for Need {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        match &self.resource {
            Resource::KmsKey { key } => {
                map.serialize_entry("kind", "kms_key")?;
                map.serialize_entry("key", key)?;
            }
            Resource::Object { bucket, object } => {
                map.serialize_entry("kind", "storage_object")?;
                map.serialize_entry("bucket", bucket)?;
                map.serialize_entry("object", object)?;
            }
            Resource::Secret {
                project,
                location,
                secret,
                versions,
            } => {
                map.serialize_entry("kind", "secret")?;
                map.serialize_entry("project", project)?;
                if let Some(location) = location {
                    map.serialize_entry("location", location)?;
                }
                map.serialize_entry("secret", secret)?;
                map.serialize_entry("versions", versions)?;
            }
            Resource::File { path } => {
                map.serialize_entry("kind", "file")?;
                map.serialize_entry("path", path)?;
            }
            Resource::BerglasObject { reference } => {
                map.serialize_entry("kind", "berglas_object")?;
                map.serialize_entry("reference", &format_args!("${reference}"))?;
            }
            Resource::BerglasKey { reference } => {
                map.serialize_entry("kind", "berglas_key")?;
                map.serialize_entry("reference", &format_args!("${reference}"))?;
                map.serialize_entry("metadata", KMS_KEY_METADATA)?;
            }
            Resource::BerglasSecret { reference } => {
                map.serialize_entry("kind", "berglas_secret")?;
                map.serialize_entry("reference", &format_args!("${reference}"))?;
            }
            Resource::AwsKmsKey { key, context } => {
                map.serialize_entry("kind", "aws_kms_key")?;
                map.serialize_entry("key", key)?;
                let context: std::collections::BTreeMap<_, _> = context.iter().copied().collect();
                map.serialize_entry("context", &context)?;
            }
            Resource::S3Object { bucket, object } => {
                map.serialize_entry("kind", "s3_object")?;
                map.serialize_entry("bucket", bucket)?;
                map.serialize_entry("object", object)?;
            }
            Resource::AwsSecret { secret } => {
                map.serialize_entry("kind", "aws_secret")?;
                map.serialize_entry("secret", secret)?;
            }
            Resource::Parameter { name } => {
                map.serialize_entry("kind", "ssm_parameter")?;
                map.serialize_entry("name", name)?;
            }
        }
        map.serialize_entry("permission", self.permission())?;
        map.serialize_entry("role", &self.role())?;
        map.serialize_entry("fields", &self.fields)?;
        map.end()
    }
}

/// As displayed: the name, or `$VAR`.
impl Serialize for Name {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}
