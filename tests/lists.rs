//! `split = "..."`: one value read as a `Vec<T>`, its items trimmed and converted one by one;
//! the same for every source kind (the split is done on the bytes any source produced). An
//! item that is empty or does not convert is named by its position, never by its text.

mod common;

use std::net::IpAddr;

use common::*;
use secrets_runtime::memory::{MemoryKms, MemoryStore};
use secrets_runtime::{ErrorKind, ExposeSecret, SecretString, Secrets, Sources};

#[derive(Secrets, Debug)]
struct Lists {
    #[env(split = ",")]
    origins: Vec<String>,
    #[env("PORTS", split = ";", default = "80;443")]
    ports: Vec<u16>,
    #[env(split = ",")]
    hosts: Option<Vec<IpAddr>>,
    #[env(split = ",")]
    admins: Option<Vec<String>>,
    // Without `split`, `Vec<u8>` is the value's bytes, commas and all.
    #[env]
    raw: Vec<u8>,
}

fn sources(env: &[(&str, &str)]) -> Sources {
    Sources::builder().env(env.iter().copied()).build()
}

#[tokio::test]
async fn env_values_split_into_trimmed_items() {
    let env = [
        (
            "ORIGINS",
            "https://a.example, https://b.example ,https://c.example",
        ),
        ("HOSTS", "10.0.0.1,::1"),
        ("RAW", "1,2"),
    ];
    let config = Lists::load_from(&sources(&env)).await.unwrap();
    assert_eq!(
        config.origins,
        [
            "https://a.example",
            "https://b.example",
            "https://c.example"
        ]
    );
    assert_eq!(config.ports, [80, 443], "the default, split");
    assert_eq!(
        config.hosts,
        Some(vec!["10.0.0.1".parse().unwrap(), "::1".parse().unwrap()])
    );
    assert_eq!(config.admins, None, "unset: `None`, not an empty list");
    assert_eq!(config.raw, b"1,2");

    // An empty var is an unset one, to a list as to any field.
    let env = [
        ("ORIGINS", "x"),
        ("PORTS", "8080"),
        ("ADMINS", ""),
        ("RAW", "x"),
    ];
    let config = Lists::load_from(&sources(&env)).await.unwrap();
    assert_eq!(config.admins, None);
    assert_eq!(
        (config.origins, config.ports),
        (vec!["x".into()], vec![8080])
    );
}

#[derive(Secrets, Debug)]
struct Tokens {
    #[env(split = ",")]
    tokens: Vec<SecretString>,
}

#[tokio::test]
async fn a_bad_item_is_named_by_its_position_never_its_text() {
    let env = [("TOKENS", "db-pass-Zq8!xK, ,api-token-7Hw2pR,x")];
    let err = Tokens::load_from(&sources(&env)).await.unwrap_err();
    let field = err.field("tokens").unwrap();
    assert_eq!(field.kind(), ErrorKind::Invalid);
    assert_eq!(field.message(), "item 2 of 4 is empty");
    assert_no_secret("error", &format!("{err} {err:?}"));

    let env = [("ORIGINS", "o"), ("PORTS", "80;db-pass-Zq8!xK;")];
    let err = Lists::load_from(&sources(&env)).await.unwrap_err();
    let field = err.field("ports").unwrap();
    assert_eq!(field.kind(), ErrorKind::Invalid);
    assert_eq!(
        field.message(),
        "item 2 of 3 is not a valid u16: invalid digit found in string"
    );
    assert_no_secret("error", &format!("{err} {err:?}"));

    let env = [("ORIGINS", "  ")];
    let err = Lists::load_from(&sources(&env)).await.unwrap_err();
    assert_eq!(
        err.field("origins").unwrap().message(),
        "the value is empty; a list needs at least one item"
    );
}

#[tokio::test]
async fn secret_items_stay_out_of_debug() {
    let env = [("TOKENS", "db-pass-Zq8!xK,api-token-7Hw2pR")];
    let config = Tokens::load_from(&sources(&env)).await.unwrap();
    assert_eq!(config.tokens.len(), 2);
    assert_eq!(config.tokens[1].expose_secret(), API_TOKEN);
    assert_no_secret("Debug", &format!("{config:?}"));
}

#[derive(Secrets)]
struct Fetched {
    #[gcs(object = "lists.json", key = "origins", split = ",")]
    origins: Vec<String>,
    #[gcs(object = "ports.txt", split = "\n")]
    ports: Vec<u16>,
    #[kms(split = ",")]
    keys: Vec<SecretString>,
}

#[tokio::test]
async fn fetched_and_decrypted_values_split_the_same_way() {
    let kms = MemoryKms::new();
    let mut env = base_env(&kms);
    env.push(("KEYS".into(), b64(&kms.encrypt(KEY, b"k1, k2"))));
    let gcs = MemoryStore::new()
        .with_object(BUCKET, "lists.json", r#"{"origins":"a.example,b.example"}"#)
        .with_object(BUCKET, "ports.txt", "80\n443\n8080");
    let sources = Sources::builder().env(env).kms(kms).gcs(gcs).build();
    let config = Fetched::load_from(&sources).await.unwrap();
    assert_eq!(config.origins, ["a.example", "b.example"]);
    assert_eq!(config.ports, [80, 443, 8080]);
    let keys: Vec<&str> = config
        .keys
        .iter()
        .map(ExposeSecret::expose_secret)
        .collect();
    assert_eq!(keys, ["k1", "k2"]);
}
