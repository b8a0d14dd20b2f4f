//! `secrets verify`: loads berglas references (`berglas://`, `sm://`) as a function would,
//! all at once, and says for each whether it loaded and how many bytes it holds, or why not:
//! never what it holds. With `--env-file` it reports every variable of the file: references
//! loaded, the ones named by `--ciphertext` and `--bundle` decrypted, the rest listed by name.

use std::path::Path;

use futures_util::future::join_all;
use secrets_runtime::ExposeSecret;

use crate::backend::Backend;
use crate::fail::{Failure, Result};
use crate::resolve::Resolver;
use crate::{dotenv, input, output, sealed};

const PREFIXES: [&str; 2] = ["berglas://", "sm://"];
/// The env var `#[kms]` and `#[bundle]` fields take their key's name from by default.
const KEY_ENV: &str = "KMS_CRYPTO_KEY_ID";

/// `secrets verify`, as the command line gives it.
pub struct Request<'a> {
    pub references: &'a [String],
    pub env_file: Option<&'a Path>,
    pub key: Option<&'a str>,
    pub ciphertext: &'a [String],
    pub bundle: &'a [String],
}

/// What to do with one value.
#[derive(PartialEq)]
enum How {
    Reference,
    Ciphertext,
    Bundle,
    /// Neither a reference nor named by an option: listed, never checked or shown.
    Plain,
}

/// One value to check and what the report calls it.
struct Check {
    label: String,
    /// In error messages, in place of the runtime's own env var.
    said_as: String,
    value: String,
    how: How,
}

pub fn run(backend: &Backend, request: &Request<'_>) -> Result<()> {
    let (checks, key) = match request.env_file {
        Some(path) => from_env_file(path, request)?,
        None => (from_arguments(request.references), None),
    };
    let resolver = Resolver::new(backend);
    // One slot per check, in order: `None` for those not loaded as references.
    let loaded = backend.block_on(join_all(checks.iter().map(|check| async {
        if check.how != How::Reference {
            return None;
        }
        if !is_reference(&check.value) {
            // Never quoted: it may be a value typed in place of a reference.
            return Some(Err(
                "not a berglas reference: it does not start with `berglas://` or `sm://`"
                    .to_owned(),
            ));
        }
        let result = resolver.resolve(&check.value, &check.said_as).await;
        Some(result.map(|value| format!("ok ({} bytes)", value.expose_secret().len())))
    })));
    let (mut failed, mut checked) = (0, 0);
    for (check, loaded) in checks.iter().zip(loaded) {
        let result = match check.how {
            How::Reference => loaded,
            How::Ciphertext => Some(with_key(key.as_deref(), |key| {
                sealed::ciphertext(backend, key, &check.value)
            })),
            How::Bundle => Some(with_key(key.as_deref(), |key| {
                sealed::bundle(backend, key, &check.value)
            })),
            How::Plain => None,
        };
        let line = match result {
            Some(Ok(ok)) => {
                checked += 1;
                format!("{}: {ok}", check.label)
            }
            Some(Err(why)) => {
                checked += 1;
                failed += 1;
                format!("{}: {why}", check.label)
            }
            None => format!("{}: not checked (plain value)", check.label),
        };
        output::line(&line)?;
    }
    match failed {
        0 => Ok(()),
        _ => Err(Failure::new(format!(
            "{failed} of {checked} checked values did not load"
        ))),
    }
}

fn with_key(
    key: Option<&str>,
    check: impl FnOnce(&str) -> std::result::Result<String, String>,
) -> std::result::Result<String, String> {
    match key {
        Some(key) => check(key),
        None => Err(format!(
            "no key to decrypt it with: give --key, or set {KEY_ENV} in the file"
        )),
    }
}

fn is_reference(text: &str) -> bool {
    let text = text.trim_ascii();
    PREFIXES.iter().any(|prefix| text.starts_with(prefix))
}

/// Each argument, labelled by itself when it is a reference and by its place otherwise.
fn from_arguments(references: &[String]) -> Vec<Check> {
    references
        .iter()
        .enumerate()
        .map(|(index, reference)| {
            let label = if is_reference(reference) {
                reference.trim_ascii().to_owned()
            } else {
                format!("argument {}", index + 1)
            };
            Check {
                said_as: "the reference".to_owned(),
                label,
                value: reference.clone(),
                how: How::Reference,
            }
        })
        .collect()
}

/// Every variable of the file, in its order, and the key to decrypt with: `--key`, else the
/// file's `KMS_CRYPTO_KEY_ID`.
fn from_env_file(path: &Path, request: &Request<'_>) -> Result<(Vec<Check>, Option<String>)> {
    let shown = path.display().to_string();
    let text = input::file_or_stdin(Some(path), &shown)?;
    let text = std::str::from_utf8(&text)
        .map_err(|_| Failure::new(format!("{shown} is not UTF-8 text")))?;
    let entries = dotenv::parse(text).map_err(|e| e.of(&shown))?;
    for var in request.ciphertext.iter().chain(request.bundle) {
        if !entries.iter().any(|entry| entry.name == *var) {
            return Err(Failure::new(format!("{shown} has no variable `{var}`")));
        }
    }
    if let Some(var) = request
        .ciphertext
        .iter()
        .find(|v| request.bundle.contains(v))
    {
        return Err(Failure::new(format!(
            "`{var}` is given to both --ciphertext and --bundle: it is one or the other"
        )));
    }
    let key = match request.key {
        Some(key) => Some(key.to_owned()),
        None => match entries.iter().find(|entry| entry.name == KEY_ENV) {
            Some(entry) => {
                // Checked without quoting: a value may have been pasted in its place.
                secrets_names::blind::check_kms_key_name(&entry.value)
                    .map_err(|why| Failure::new(format!("{shown}: {KEY_ENV}: {why}")))?;
                Some(entry.value.to_string())
            }
            None => None,
        },
    };
    if entries.is_empty() {
        return Err(Failure::new(format!("{shown} holds no variables")));
    }
    let checks = entries
        .into_iter()
        .map(|entry| {
            let how = if request.ciphertext.contains(&entry.name) {
                How::Ciphertext
            } else if request.bundle.contains(&entry.name) {
                How::Bundle
            } else if is_reference(&entry.value) {
                How::Reference
            } else {
                How::Plain
            };
            // A plain value is not kept: it is only listed by name.
            let value = match how {
                How::Plain => String::new(),
                _ => entry.value.to_string(),
            };
            Check {
                said_as: format!("env {}", entry.name),
                label: entry.name,
                value,
                how,
            }
        })
        .collect();
    Ok((checks, key))
}
