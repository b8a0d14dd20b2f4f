//! The model and the checks, run without a compiler: input built with `parse_quote!`,
//! errors asserted by message.

use syn::{DeriveInput, parse_quote};

use crate::ast::{Input, NameRef, Source};
use crate::check;
use crate::ctxt::Ctxt;

/// Parses and checks `input`; returns every error message, in order.
fn errors(input: &DeriveInput) -> Vec<String> {
    let cx = Ctxt::new();
    if let Some(model) = Input::from_syn(&cx, input) {
        check::check(&cx, &model);
    }
    match cx.check() {
        Ok(()) => Vec::new(),
        Err(errors) => errors.into_iter().map(|e| e.to_string()).collect(),
    }
}

#[test]
fn defaults_fill_in_env_names_key_and_bucket() {
    let input: DeriveInput = parse_quote! {
        #[secrets(prefix = "APP_", kms_key_env = "KEY_ID")]
        struct Config {
            #[env] db_host: String,
            #[env(name = "PORT", default = "8080")] port: u16,
            #[kms] db_pass: String,
            #[gcs(object = "app1", key = "username")] r#user: String,
        }
    };
    let cx = Ctxt::new();
    let model = Input::from_syn(&cx, &input).unwrap();
    cx.check().unwrap();
    let sources: Vec<&Source> = model
        .fields
        .iter()
        .map(|f| f.source.as_ref().unwrap())
        .collect();
    let Source::Env { var, default: None } = sources[0] else {
        panic!("env")
    };
    assert_eq!(var.name, "APP_DB_HOST");
    let Source::Env {
        var,
        default: Some(default),
    } = sources[1]
    else {
        panic!("env")
    };
    assert_eq!(
        (var.name.as_str(), default.value().as_str()),
        ("PORT", "8080")
    );
    let Source::Kms {
        var,
        key: NameRef::Env(key),
    } = sources[2]
    else {
        panic!("kms")
    };
    assert_eq!(
        (var.name.as_str(), key.name.as_str()),
        ("APP_DB_PASS", "KEY_ID")
    );
    let Source::Gcs {
        bucket: NameRef::Env(bucket),
        object,
        key,
    } = sources[3]
    else {
        panic!("gcs")
    };
    assert_eq!(bucket.name, "STORAGE_BUCKET");
    assert_eq!(
        (object.as_str(), key.as_deref()),
        ("app1", Some("username"))
    );
    assert_eq!(model.fields[3].name(), "user");
}

#[test]
fn every_error_of_one_struct_is_reported() {
    let input: DeriveInput = parse_quote! {
        struct Config {
            #[env(nmae = "X")] a: String,
            #[gcs(key = "k")] b: String,
            c: String,
            #[kms(key = "projects/p/keyRings/r")] d: String,
            #[env(default = "x")] e: Option<String>,
            #[env] #[kms] f: String,
        }
    };
    let errors = errors(&input);
    assert_eq!(
        errors,
        [
            "unknown env attribute `nmae`; did you mean `name`? expected `name` or `default`",
            "`#[gcs]` needs the object: `#[gcs(object = \"...\")]`",
            "KMS key name `projects/p/keyRings/r` is not of the form `projects/PROJECT/locations/LOCATION/keyRings/RING/cryptoKeys/KEY`",
            "field `c` has no source; add `#[env]`, `#[kms]` or `#[gcs(object = \"...\")]`",
            "`default` is not allowed on an `Option` field: an unset env var loads as `None`; drop `default` or the `Option`",
            "field `f` already reads from `#[env]`; a field has exactly one source, remove `#[kms]`",
        ]
    );
}

#[test]
fn conflicting_env_uses() {
    let input: DeriveInput = parse_quote! {
        struct Config {
            #[kms] token: String,
            #[env(name = "TOKEN")] token_plain: String,
            #[env(name = "STORAGE_BUCKET")] bucket: String,
            #[gcs(object = "o")] object: String,
            #[env(name = "MODE", default = "a")] mode: String,
            #[env(name = "MODE", default = "b")] mode2: String,
            #[kms(env = "TOKEN", key = "projects/p/locations/l/keyRings/r/cryptoKeys/k")] token2: String,
        }
    };
    assert_eq!(
        errors(&input),
        [
            "env `TOKEN` is read as plain text here but as KMS ciphertext by field `token`; read each from its own env var",
            "env `MODE` defaults to `b` here but to `a` for field `mode`; give both the same default, or a default to one only",
            "env `TOKEN` is decrypted here with another KMS key than for field `token`; use the same key for both, or another env var",
        ]
    );
}

#[test]
fn shapes_that_cannot_derive() {
    let cases: [(DeriveInput, &str); 4] = [
        (
            parse_quote!(
                enum E {
                    A,
                }
            ),
            "not enums",
        ),
        (
            parse_quote!(
                struct T(String);
            ),
            "not tuple structs",
        ),
        (parse_quote!(union U { a: u8 }), "not unions"),
        (
            parse_quote!(
                struct G<T> {
                    #[env]
                    t: T,
                }
            ),
            "generic parameters",
        ),
    ];
    for (input, expected) in cases {
        let errors = errors(&input);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].contains(expected), "{errors:?}");
    }
}

#[test]
fn names_are_checked_where_written() {
    let input: DeriveInput = parse_quote! {
        #[secrets(prefix = "9")]
        struct Config {
            #[env(name = "")] a: String,
            #[gcs(bucket = "Bad_Bucket", object = "o")] b: String,
            #[gcs(bucket = "b-1", bucket_env = "B", object = "o")] c: String,
            #[kms(env = "X-Y")] d: String,
            #[env(name = "A", name = "B")] e: String,
            #[env(default = 8080)] f: u16,
        }
    };
    assert_eq!(
        errors(&input),
        [
            "prefix `9` must start with an ASCII letter or `_`",
            "env var name is empty",
            "bucket name `Bad_Bucket` contains `B`; use lowercase letters, digits, `-`, `_` and `.`",
            "`bucket` and `bucket_env` both name the bucket; keep one of them",
            "env var name `X-Y` contains `-`; use only ASCII letters, digits and `_`",
            "duplicate env attribute `name`; keep one",
            "`default` takes a string literal: `default = \"...\"`",
        ]
    );
}

#[test]
fn one_var_used_twice_by_one_field() {
    let input: DeriveInput = parse_quote! {
        struct Config {
            #[kms(env = "A", key_env = "A")] a: String,
        }
    };
    assert_eq!(
        errors(&input),
        [
            "env `A` is read as a KMS key name here but as KMS ciphertext by this same field; read each from its own env var"
        ]
    );
}

#[test]
fn container_keys_are_given_once_across_attributes() {
    let input: DeriveInput = parse_quote! {
        #[secrets(prefix = "APP_")]
        #[secrets(kms_key_env = "KEY_ID", prefix = "SVC_")]
        struct Config {
            #[env] a: String,
        }
    };
    assert_eq!(
        errors(&input),
        ["duplicate secrets attribute `prefix`; keep one"]
    );
}

/// A misspelled key is one error, not also the errors of its absence: a missing object, a
/// field name that makes no env var name, a conflict with the var the name defaults to.
#[test]
fn a_misspelled_key_is_not_also_reported_missing() {
    let input: DeriveInput = parse_quote! {
        struct Config {
            #[gcs(objct = "app1")] a: String,
            #[env(nmae = "X")] café: String,
            #[kms(env = "DB_PASS")] b: String,
            #[env(nmae = "PASS")] db_pass: String,
            #[env(name, default = "x")] c: Option<String>,
        }
    };
    assert_eq!(
        errors(&input),
        [
            "unknown gcs attribute `objct`; did you mean `object`? expected `object`, `key`, `bucket` or `bucket_env`",
            "unknown env attribute `nmae`; did you mean `name`? expected `name` or `default`",
            "unknown env attribute `nmae`; did you mean `name`? expected `name` or `default`",
            "`name` takes a value: `name = \"...\"`",
            "`default` is not allowed on an `Option` field: an unset env var loads as `None`; drop `default` or the `Option`",
        ]
    );
}

#[test]
fn option_is_recognised_by_path() {
    let input: DeriveInput = parse_quote! {
        struct Config {
            #[env] a: Option<String>,
            #[env] b: ::std::option::Option<u8>,
            #[env] c: String,
            #[env] d: Vec<Option<u8>>,
        }
    };
    let cx = Ctxt::new();
    let model = Input::from_syn(&cx, &input).unwrap();
    cx.check().unwrap();
    let options: Vec<bool> = model
        .fields
        .iter()
        .map(crate::ast::Field::is_option)
        .collect();
    assert_eq!(options, [true, true, false, false]);
}
