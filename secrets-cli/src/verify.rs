//! `secrets verify`: loads berglas references (`berglas://`, `sm://`) as a function would,
//! all at once, and says for each whether it loaded and how many bytes it holds, or why not:
//! never what it holds.

use std::path::Path;

use futures_util::future::join_all;
use secrets_runtime::ExposeSecret;

use crate::backend::Backend;
use crate::fail::{Failure, Result};
use crate::resolve::Resolver;
use crate::{dotenv, input, output};

const PREFIXES: [&str; 2] = ["berglas://", "sm://"];

/// One reference to check and what the report calls it.
struct Check {
    label: String,
    /// In error messages, in place of the runtime's own env var.
    said_as: String,
    reference: String,
}

pub fn run(backend: &Backend, references: &[String], env_file: Option<&Path>) -> Result<()> {
    let checks = match env_file {
        Some(path) => from_env_file(path)?,
        None => from_arguments(references),
    };
    let resolver = Resolver::new(backend);
    let results = backend.block_on(join_all(checks.iter().map(|check| async {
        if !is_reference(&check.reference) {
            // Never quoted: it may be a value typed in place of a reference.
            return Err(
                "not a berglas reference: it does not start with `berglas://` or `sm://`"
                    .to_owned(),
            );
        }
        resolver.resolve(&check.reference, &check.said_as).await
    })));
    let mut failed = 0;
    for (check, result) in checks.iter().zip(results) {
        let line = match result {
            Ok(value) => format!(
                "{}: ok ({} bytes)",
                check.label,
                value.expose_secret().len()
            ),
            Err(why) => {
                failed += 1;
                format!("{}: {why}", check.label)
            }
        };
        output::line(&line)?;
    }
    match failed {
        0 => Ok(()),
        _ => Err(Failure::new(format!(
            "{failed} of {} references did not load",
            checks.len()
        ))),
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
                reference: reference.clone(),
            }
        })
        .collect()
}

/// Each variable of the file whose value is a reference; the others are passed over.
fn from_env_file(path: &Path) -> Result<Vec<Check>> {
    let shown = path.display().to_string();
    let text = input::file_or_stdin(Some(path))?;
    let text = std::str::from_utf8(&text)
        .map_err(|_| Failure::new(format!("{shown} is not UTF-8 text")))?;
    let checks: Vec<Check> = dotenv::parse(text)
        .map_err(|e| e.of(&shown))?
        .into_iter()
        .filter(|entry| is_reference(&entry.value))
        .map(|entry| Check {
            said_as: format!("env {}", entry.name),
            label: entry.name,
            reference: entry.value.to_string(),
        })
        .collect();
    if checks.is_empty() {
        return Err(Failure::new(format!(
            "{shown} holds no berglas reference: no value starts with `berglas://` or `sm://`"
        )));
    }
    Ok(checks)
}
