//! `split = "..."`: read out of any kind's attribute before the kind reads the rest, and
//! allowed only on `Vec<T>` (not `Vec<u8>`) and `Option<Vec<T>>`.

use quote::quote;
use syn::{DeriveInput, parse_quote};

use super::{errors, specs};
use crate::ast::Input;
use crate::ctxt::Ctxt;

/// Each list field's item type, separator and whether it is optional, in field order.
fn lists(input: &DeriveInput) -> Vec<(String, String, bool)> {
    let cx = Ctxt::new();
    let model = Input::from_syn(&cx, input);
    let lists = model
        .fields
        .iter()
        .filter_map(|field| field.list.as_ref())
        .map(|list| {
            let item = list.item;
            (
                quote!(#item).to_string(),
                list.separator.clone(),
                list.optional,
            )
        })
        .collect();
    cx.check().expect("no errors");
    lists
}

#[test]
fn split_is_taken_out_of_every_kind() {
    let input: DeriveInput = parse_quote! {
        struct Config {
            #[env(split = ",")] origins: Vec<String>,
            #[env("PORTS", split = ";")] ports: Option<Vec<u16>>,
            #[gcs(object = "o", split = "\n")] hosts: std::vec::Vec<IpAddr>,
            #[kms(split = ",", json_key = "k")] tokens: Vec<SecretString>,
        }
    };
    assert_eq!(
        lists(&input),
        [
            ("String".into(), ",".into(), false),
            ("u16".into(), ";".into(), true),
            ("IpAddr".into(), "\n".into(), false),
            ("SecretString".into(), ",".into(), false),
        ]
    );
    // The kinds read the other keys as without `split`.
    let specs = specs(&input);
    assert!(specs[1].contains("Var::Named(\"PORTS\")"), "{}", specs[1]);
    assert!(specs[3].contains("Pick::JsonKey(\"k\")"), "{}", specs[3]);
}

#[test]
fn split_mistakes() {
    let input: DeriveInput = parse_quote! {
        struct Config {
            #[env(split = ",")] port: u16,
            #[env(split = "")] a: Vec<String>,
            #[env(split = ",")] bytes: Vec<u8>,
            #[env(split = ",", split = ";")] b: Vec<String>,
            #[env(split)] c: Vec<String>,
            #[env(splt = ",")] d: Vec<String>,
        }
    };
    assert_eq!(
        errors(&input),
        [
            "`split` makes a list: the field's type must be `Vec<T>` or `Option<Vec<T>>`",
            "`split` is empty; give the text between items: `split = \",\"`",
            "`split` does not apply to `Vec<u8>`, which loads the value's bytes as they are; remove `split`",
            "duplicate env attribute `split`; keep one",
            "`split` takes a value: `split = \"...\"`",
            "unknown env attribute `splt`; did you mean `split`? expected `name`, `default` or `split`",
        ]
    );
}

#[test]
fn a_list_default_is_checked_item_by_item() {
    let input: DeriveInput = parse_quote! {
        struct Config {
            #[env(split = ",", default = "80, 443")] a: Vec<u16>,
            #[env(split = ",", default = "80,,443")] b: Vec<u16>,
            #[env(split = ";", default = "80;eighty")] c: Vec<u16>,
            #[env(split = ",", default = "a,")] d: Vec<Origin>,
            #[env(split = ",", default = "anything")] e: Vec<Origin>,
        }
    };
    assert_eq!(
        errors(&input),
        [
            "the default: item 2 of 3 is empty",
            "item 2 of 2: `eighty` is not a valid u16 default: invalid digit found in string",
            "the default: item 2 of 2 is empty",
        ]
    );
}
