//! The model and the checks, run without a compiler: input built with `parse_quote!`,
//! errors asserted by message, specs by the tokens they expand to.

use syn::{DeriveInput, parse_quote};

mod aws;
mod lists;
mod short_form;

use crate::ast::{Input, Load};
use crate::ctxt::Ctxt;
use crate::kinds::KINDS;
use crate::nested::TypeCheck;
use crate::{check, expand};

/// Parses and checks `input`; returns every error message, in order.
fn errors(input: &DeriveInput) -> Vec<String> {
    let cx = Ctxt::new();
    let model = Input::from_syn(&cx, input);
    check::check(&cx, &model);
    match cx.check() {
        Ok(()) => Vec::new(),
        Err(errors) => errors.into_iter().map(|e| e.to_string()).collect(),
    }
}

/// The `FieldSpec` of every field of an input without errors, without whitespace.
fn specs(input: &DeriveInput) -> Vec<String> {
    let cx = Ctxt::new();
    let model = Input::from_syn(&cx, input);
    check::check(&cx, &model);
    if let Err(errors) = cx.check() {
        panic!("unexpected errors: {errors}");
    }
    let specs = model.fields.iter().map(|f| expand::field_spec(&model, f));
    specs
        .map(|spec| spec.to_string().split_whitespace().collect())
        .collect()
}

/// The example of the spec for the emitted code, field by field.
#[test]
fn each_kind_emits_its_spec_with_defaults_filled_in() {
    let input: DeriveInput = parse_quote! {
        #[secrets(prefix = "APP_")]
        struct Config {
            #[env(name = "PORT", default = "8080")] port: u16,
            #[env] log: Option<String>,
            #[kms] db_pass: SecretString,
            #[kms(env = "BUNDLE", key = "projects/p/locations/l/keyRings/r/cryptoKeys/k", json_key = "user")] user: String,
            #[gcs(object = "app1", key = "password")] password: SecretString,
            #[gcs(bucket_env = "CERT_BUCKET", object = "tls.pem")] cert: Vec<u8>,
            #[secrets(nested, prefix = "DB_")] db: DbConfig,
            #[secrets(nested)] r#cache: CacheConfig,
        }
    };
    let p = "::secrets_runtime::__private::";
    let field = |name: &str, load: &str| format!("{p}FieldSpec{{name:\"{name}\",load:{load}}}");
    let source = |spec: &str| format!("{p}Load::Source(&{p}{spec})");
    let none = "::core::option::Option::None";
    assert_eq!(
        specs(&input),
        [
            field(
                "port",
                &source(&format!(
                    "env::Spec{{var:{p}Var::Named(\"PORT\"),default:::core::option::Option::Some(\"8080\")}}"
                ))
            ),
            field(
                "log",
                &source(&format!(
                    "env::Spec{{var:{p}Var::Field(\"APP_LOG\"),default:{none}}}"
                ))
            ),
            field(
                "db_pass",
                &source(&format!(
                    "kms::Spec{{var:{p}Var::Field(\"APP_DB_PASS\"),key:{p}NameRef::Env(\"KMS_CRYPTO_KEY_ID\"),pick:{p}Pick::Whole}}"
                ))
            ),
            field(
                "user",
                &source(&format!(
                    "kms::Spec{{var:{p}Var::Named(\"BUNDLE\"),key:{p}NameRef::Literal(\"projects/p/locations/l/keyRings/r/cryptoKeys/k\"),pick:{p}Pick::JsonKey(\"user\")}}"
                ))
            ),
            field(
                "password",
                &source(&format!(
                    "gcs::Spec{{bucket:{p}NameRef::Env(\"STORAGE_BUCKET\"),object:\"app1\",pick:{p}Pick::JsonKey(\"password\")}}"
                ))
            ),
            field(
                "cert",
                &source(&format!(
                    "gcs::Spec{{bucket:{p}NameRef::Env(\"CERT_BUCKET\"),object:\"tls.pem\",pick:{p}Pick::Whole}}"
                ))
            ),
            field(
                "db",
                &format!(
                    "{p}Load::Nested{{prefix:\"DB_\",spec:<DbConfigas::secrets_runtime::Secrets>::__SPEC}}"
                )
            ),
            field(
                "cache",
                &format!(
                    "{p}Load::Nested{{prefix:\"\",spec:<CacheConfigas::secrets_runtime::Secrets>::__SPEC}}"
                )
            ),
        ]
    );
}

#[test]
fn container_keys_and_crate_path_fill_in() {
    let input: DeriveInput = parse_quote! {
        #[secrets(kms_key_env = "KEY_ID", bucket_env = "BUCKET", crate = "my::rt")]
        struct Config {
            #[kms(key_env = "OTHER_KEY")] a: String,
            #[kms] b: String,
            #[gcs(bucket = "b-1", object = "o")] c: String,
            #[gcs(object = "o")] d: String,
        }
    };
    let specs = specs(&input);
    let p = "my::rt::__private::";
    assert!(
        specs[0].contains(&format!("key:{p}NameRef::Env(\"OTHER_KEY\")")),
        "{}",
        specs[0]
    );
    assert!(
        specs[1].contains(&format!("key:{p}NameRef::Env(\"KEY_ID\")")),
        "{}",
        specs[1]
    );
    assert!(
        specs[2].contains(&format!("bucket:{p}NameRef::Literal(\"b-1\")")),
        "{}",
        specs[2]
    );
    assert!(
        specs[3].contains(&format!("bucket:{p}NameRef::Env(\"BUCKET\")")),
        "{}",
        specs[3]
    );
}

/// `attributes(...)` of the proc-macro declaration and the registry cannot drift apart.
#[test]
fn the_derive_declares_every_kind_and_nothing_else() {
    // Without whitespace: rustfmt breaks a long declaration over lines.
    let lib: String = include_str!("lib.rs")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let declaration = lib
        .split("#[proc_macro_derive(Secrets,attributes(")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .expect("lib.rs declares `#[proc_macro_derive(Secrets, attributes(...))]`");
    let mut declared: Vec<&str> = declaration.split(',').map(str::trim).collect();
    let mut expected: Vec<&str> = KINDS.iter().map(|kind| kind.name()).collect();
    expected.push("secrets");
    declared.sort_unstable();
    expected.sort_unstable();
    assert_eq!(declared, expected);
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
    assert_eq!(
        errors(&input),
        [
            "unknown env attribute `nmae`; did you mean `name`? expected `name`, `default` or `split`",
            "`#[gcs]` needs the object: `#[gcs(object = \"...\")]`",
            "field `c` has no source; add `#[env]`, `#[kms]`, `#[gcs(object = \"...\")]`, `#[secret_manager(secret = \"...\")]`, `#[file(path = \"...\")]`, `#[berglas]`, `#[bundle]`, `#[aws_kms]`, `#[s3(object = \"...\")]`, `#[aws_secret(id = \"...\")]` or `#[ssm(name = \"...\")]`, or `#[secrets(nested)]` for a struct that derives `Secrets`",
            "KMS key name `projects/p/keyRings/r` is not of the form `projects/PROJECT/locations/LOCATION/keyRings/RING/cryptoKeys/KEY`",
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

/// Fields that pick keys of one decrypted JSON object read one ciphertext with one key.
#[test]
fn json_keys_of_one_ciphertext_agree() {
    let input: DeriveInput = parse_quote! {
        struct Config {
            #[kms(env = "BUNDLE", json_key = "user")] user: String,
            #[kms(env = "BUNDLE", json_key = "password")] password: String,
            #[kms(env = "BUNDLE")] whole: String,
        }
    };
    assert_eq!(errors(&input), Vec::<String>::new());
    let input: DeriveInput = parse_quote! {
        struct Config {
            #[kms(json_key = "")] user: String,
            #[gcs(object = "o", key = "")] password: String,
        }
    };
    assert_eq!(
        errors(&input),
        [
            "JSON key is empty; remove `json_key` to read the whole value",
            "JSON key is empty; remove `key` to read the whole value",
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
            "prefix `9` cannot start an env var name; use ASCII letters, digits and `_`, not starting with a digit",
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
        #[secrets(nested)]
        struct Config {
            #[env] a: String,
        }
    };
    assert_eq!(
        errors(&input),
        [
            "duplicate secrets attribute `prefix`; keep one",
            "`nested` belongs on a field whose type derives `Secrets`: `#[secrets(nested)]`",
        ]
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
            #[secrets(nestd)] d: Db,
        }
    };
    assert_eq!(
        errors(&input),
        [
            "unknown gcs attribute `objct`; did you mean `object`? expected `object`, `key`, `bucket`, `bucket_env` or `split`",
            "unknown env attribute `nmae`; did you mean `name`? expected `name`, `default` or `split`",
            "unknown env attribute `nmae`; did you mean `name`? expected `name`, `default` or `split`",
            "`name` takes a value: `name = \"...\"`",
            "`default` is not allowed on an `Option` field: an unset env var loads as `None`; drop `default` or the `Option`",
            "unknown secrets attribute `nestd`; did you mean `nested`? expected `nested` or `prefix`",
        ]
    );
}

#[test]
fn option_is_recognised_by_path() {
    let input: DeriveInput = parse_quote! {
        struct Config {
            #[env(default = "1")] a: Option<String>,
            #[env(default = "1")] b: ::std::option::Option<u8>,
            #[env(default = "1")] c: String,
            #[env(default = "1")] d: Vec<Option<u8>>,
        }
    };
    let cx = Ctxt::new();
    let model = Input::from_syn(&cx, &input);
    let errors = cx.check().unwrap_err();
    // Only the two `Option` fields are refused a default; each field still has its source.
    assert_eq!(errors.into_iter().count(), 2);
    let kept: Vec<String> = model.fields.iter().map(crate::ast::Field::name).collect();
    assert_eq!(kept, ["a", "b", "c", "d"]);
}

#[test]
fn nested_fields_and_their_mistakes() {
    let input: DeriveInput = parse_quote! {
        struct Config {
            #[secrets(nested, prefix = "DB_")] #[env] a: Db,
            #[secrets(prefix = "DB_")] b: Db,
            #[secrets(nested, prefix = "DB-")] c: Db,
            #[secrets(nested, prefix = "")] d: Db,
            #[secrets(kms_key_env = "K")] #[kms] e: String,
            #[secrets(nested = "yes")] f: Db,
            #[secrets] g: Db,
            #[secrets(nested, nested)] h: Db,
        }
    };
    assert_eq!(
        errors(&input),
        [
            "field `a` is a nested struct, which has no source of its own; remove `#[env]` or `#[secrets(nested)]`",
            "`prefix` on a field is the prefix of a nested struct; add `nested`: `#[secrets(nested, prefix = \"...\")]`",
            "prefix `DB-` cannot start an env var name; use ASCII letters, digits and `_`, not starting with a digit",
            "`prefix` is empty; remove `prefix` instead",
            "`kms_key_env` belongs on the struct, not on a field; on a field, `#[secrets]` takes `nested` and `prefix`",
            "`nested` takes no value: write `nested` alone",
            "`#[secrets]` on a field marks a nested struct: `#[secrets(nested)]`; the struct's own settings go on the struct",
            "duplicate secrets attribute `nested`; keep one",
        ]
    );
}

/// Nested fields are in the model in declaration order, among the others; a bad nested
/// field's type is still checked as a nested struct by the fallback, and a field whose
/// `#[secrets]` is unreadable is checked as neither.
#[test]
fn nested_model() {
    let input: DeriveInput = parse_quote! {
        struct Config {
            #[env] a: String,
            #[secrets(nested, prefix = "DB_")] db: Db,
            #[secrets(nested, prefix = "9")] bad: Cache,
            #[secrets(nested)] plain: Other,
            #[secrets(nestd)] typo: Other,
        }
    };
    let cx = Ctxt::new();
    let model = Input::from_syn(&cx, &input);
    assert_eq!(cx.check().unwrap_err().into_iter().count(), 2);
    let loads: Vec<(String, Option<&str>)> = model
        .fields
        .iter()
        .map(|field| {
            let prefix = match &field.load {
                Load::Nested { prefix } => Some(prefix.as_str()),
                Load::Source(_) => None,
            };
            (field.name(), prefix)
        })
        .collect();
    assert_eq!(
        loads,
        [
            ("a".to_owned(), None),
            ("db".to_owned(), Some("DB_")),
            ("plain".to_owned(), Some("")),
        ]
    );
    let checks: Vec<TypeCheck> = model.types.iter().map(|t| t.check).collect();
    assert_eq!(
        checks,
        [
            TypeCheck::Value,
            TypeCheck::Nested,
            TypeCheck::Nested,
            TypeCheck::Nested,
            TypeCheck::Neither
        ]
    );
}

#[test]
fn a_clash_is_found_after_a_reader_that_agrees_with_both_sides() {
    // `a` has no default, so it agrees with `b` and with `c`; `b` and `c` do not agree.
    let input: DeriveInput = parse_quote! {
        struct Config {
            #[env(name = "MODE")] a: Option<String>,
            #[env(name = "MODE", default = "fast")] b: String,
            #[env(name = "MODE", default = "slow")] c: String,
        }
    };
    assert_eq!(
        errors(&input),
        [
            "env `MODE` defaults to `slow` here but to `fast` for field `b`; give both the same default, or a default to one only"
        ]
    );
}
