//! The manifest's model without the derive: merging, and looking names up.

use std::collections::HashMap;

use super::lookup::{Lookup, Names, Unknown};
use super::{Name, Resource};
use crate::kinds::kms::KEY_NAME;

const KEY: &str = "projects/p/locations/global/keyRings/r/cryptoKeys/k";

fn secret(secret: &'static str, version: &'static str) -> Resource {
    Resource::Secret {
        project: Name::Env("GOOGLE_CLOUD_PROJECT"),
        location: None,
        secret: Name::Literal(secret),
        versions: vec![version],
    }
}

#[test]
fn versions_of_one_secret_are_one_resource() {
    let mut resource = secret("api", "latest");
    assert!(resource.absorb(&secret("api", "3")));
    assert!(resource.absorb(&secret("api", "latest")));
    assert_eq!(
        resource,
        Resource::Secret {
            project: Name::Env("GOOGLE_CLOUD_PROJECT"),
            location: None,
            secret: Name::Literal("api"),
            versions: vec!["latest", "3"],
        }
    );
    assert!(!resource.absorb(&secret("other", "latest")));
    let key = Resource::KmsKey {
        key: Name::Env("KMS_CRYPTO_KEY_ID"),
    };
    assert!(!resource.absorb(&key));
    // Before the lookup, a literal key and a var are two resources, even if the var holds it.
    assert!(!key.clone().absorb(&Resource::KmsKey {
        key: Name::Literal(KEY)
    }));
    assert!(key.clone().absorb(&key));
}

#[test]
fn names_show_env_vars_as_vars() {
    assert_eq!(Name::Env("STORAGE_BUCKET").to_string(), "$STORAGE_BUCKET");
    assert_eq!(Name::Literal("certs").to_string(), "certs");
    assert_eq!(Name::Env("P").to_string(), "$P");
}

#[test]
fn given_environments_take_the_last_value_and_empty_is_unset() {
    let pairs = [("A", "1"), ("B", ""), ("A", "2")];
    assert_eq!(Lookup::get(&pairs, "A").as_deref(), Some("2"));
    let slice: &[(&str, &str)] = &pairs;
    assert_eq!(Lookup::get(&slice, "A").as_deref(), Some("2"));
    let owned: Vec<(String, String)> = vec![("A".into(), "1".into()), ("A".into(), "3".into())];
    assert_eq!(Lookup::get(&owned, "A").as_deref(), Some("3"));
    let map: HashMap<String, String> = HashMap::from([("A".into(), "4".into())]);
    assert_eq!(Lookup::get(&map, "A").as_deref(), Some("4"));
    assert_eq!(Lookup::get(&map, "B"), None);

    let names = Names { env: Some(&pairs) };
    // Empty, as a deploy tool "removes" a var: unset, as in a load.
    assert!(matches!(names.raw("B", "x"), Ok(None)));
    assert!(matches!(names.raw("C", "x"), Ok(None)));
    assert_eq!(
        names
            .raw("A", "x")
            .ok()
            .flatten()
            .as_deref()
            .map(String::as_str),
        Some("2")
    );
}

#[allow(clippy::needless_pass_by_value)] // For `map_err`, which hands over the error.
fn message(unknown: Unknown) -> String {
    unknown.to_string()
}

#[test]
fn a_name_is_looked_up_only_in_a_given_environment() {
    let nowhere = Names { env: None };
    assert_eq!(
        nowhere.name(Name::Literal(KEY), &KEY_NAME).ok().as_deref(),
        Some(KEY)
    );
    let unset = nowhere.name(Name::Env("KEY"), &KEY_NAME).map_err(message);
    assert_eq!(unset, Err("set KEY (the KMS key name)".to_owned()));

    let env = [(
        "KEY",
        " projects/p/locations/global/keyRings/r/cryptoKeys/k\n",
    )];
    let names = Names { env: Some(&env) };
    // Trimmed, as a load trims it.
    assert_eq!(
        names.name(Name::Env("KEY"), &KEY_NAME).ok().as_deref(),
        Some(KEY)
    );
    let unset = names.name(Name::Env("OTHER"), &KEY_NAME).map_err(message);
    assert_eq!(unset, Err("set OTHER (the KMS key name)".to_owned()));
}

#[test]
fn a_value_that_breaks_its_rule_is_never_shown() {
    let env = [("KEY", "hunter2-s3cr3t")];
    let names = Names { env: Some(&env) };
    let why = names.name(Name::Env("KEY"), &KEY_NAME).map_err(message);
    assert_eq!(
        why,
        Err("env KEY: KMS key name is not of the form `projects/PROJECT/locations/LOCATION/keyRings/RING/cryptoKeys/KEY`: it needs 8 parts separated by `/`; fix it".to_owned())
    );
}

#[test]
fn a_secret_takes_its_project_from_a_full_name_or_else_its_project_var() {
    let env = [
        (
            "FULL",
            "projects/hooks/locations/europe-west1/secrets/hook/versions/2",
        ),
        ("ID", "hook"),
        ("BAD_PROJECT", "Not A Project"),
        ("PROJECT", "mine"),
    ];
    let names = Names { env: Some(&env) };
    let resolved = |project, secret| {
        names
            .secret(project, None, secret)
            .map(|s| (s.project, s.location, s.id))
            .map_err(|why| why.into_iter().map(message).collect::<Vec<_>>())
    };
    let hooks = Ok((
        Ok("hooks".to_owned()),
        Some("europe-west1".to_owned()),
        "hook".to_owned(),
    ));
    assert_eq!(resolved(Name::Env("PROJECT"), Name::Env("FULL")), hooks);
    assert_eq!(resolved(Name::Env("BAD_PROJECT"), Name::Env("FULL")), hooks);
    let mine = Ok((Ok("mine".to_owned()), None, "hook".to_owned()));
    assert_eq!(resolved(Name::Env("PROJECT"), Name::Env("ID")), mine);
    // Unset in the environment: the metadata server's project, as in a load.
    let metadata = Ok((Err("UNSET"), None, "hook".to_owned()));
    assert_eq!(resolved(Name::Env("UNSET"), Name::Env("ID")), metadata);
    assert_eq!(
        resolved(Name::Env("BAD_PROJECT"), Name::Env("NONE")),
        Err(vec![
            "set NONE (the secret name)".to_owned(),
            "env BAD_PROJECT: project is not a project id (lowercase letters, digits, `-`; `domain:` in front for a domain-scoped one) or a project number; fix it".to_owned(),
        ])
    );
}
