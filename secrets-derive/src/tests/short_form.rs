//! `#[env("VAR")]`, the short form of `#[env(name = "VAR")]`, and the hint every other kind
//! gives for a string without its key.

use syn::{DeriveInput, parse_quote};

use super::{errors, specs};

const P: &str = "::secrets_runtime::__private::";

#[test]
fn a_lone_string_names_the_env_var() {
    let input: DeriveInput = parse_quote! {
        #[secrets(prefix = "APP_")]
        struct Config {
            #[env("PORT")] port: u16,
            #[env("HOST", default = "localhost")] host: String,
            #[env(name = "PORT")] again: u16,
        }
    };
    let specs = specs(&input);
    let none = "::core::option::Option::None";
    assert!(
        specs[0].contains(&format!(
            "env::Spec{{var:{P}Var::Named(\"PORT\"),default:{none}}}"
        )),
        "{}",
        specs[0]
    );
    assert!(
        specs[1].contains(&format!(
            "env::Spec{{var:{P}Var::Named(\"HOST\"),default:::core::option::Option::Some(\"localhost\")}}"
        )),
        "{}",
        specs[1]
    );
    assert_eq!(specs[0].replace("port", "again"), specs[2]);
}

#[test]
fn short_form_mistakes() {
    let input: DeriveInput = parse_quote! {
        struct Config {
            #[env("PORT", name = "OTHER")] a: u16,
            #[env("not a var")] b: u16,
            #[kms("DB_PASS")] c: String,
        }
    };
    assert_eq!(
        errors(&input),
        [
            "duplicate env attribute `name`; keep one",
            "env var name `not a var` contains ` `; use only ASCII letters, digits and `_`",
            "a string alone is ambiguous in `#[kms(...)]`; name its key: write `env = \"DB_PASS\"`, `key = \"DB_PASS\"`, `key_env = \"DB_PASS\"` or `json_key = \"DB_PASS\"`",
        ]
    );
}
