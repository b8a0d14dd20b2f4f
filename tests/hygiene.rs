//! The generated code means the same thing whatever the user's scope defines: it names
//! everything by absolute path.

#![allow(non_camel_case_types, dead_code, clippy::upper_case_acronyms)]

mod shadowing {
    // Every name generated code could have used unqualified, defined as something else.
    pub struct Result;
    pub struct Ok;
    pub struct Err;
    pub struct Option;
    pub struct Some;
    pub struct None;
    pub struct String;
    pub struct Vec;
    pub struct Box;
    pub struct Future;
    pub struct Send;
    pub struct Sources;
    pub struct Error;
    pub struct StructSpec;
    pub struct FieldSpec;
    pub struct SourceSpec;
    pub struct NameRef;
    pub struct secrets_runtime;
    pub trait Secrets {}
    pub trait FromSecret {}
    pub mod core {}
    pub mod std {}
    pub fn fetch() {}
    pub fn unreachable() {}

    #[derive(::secrets_runtime::Secrets)]
    pub struct Config {
        #[env(default = "8080")]
        pub port: u16,
        #[env]
        pub name: ::std::option::Option<::std::string::String>,
        #[kms(key = "projects/p/locations/global/keyRings/r/cryptoKeys/k")]
        pub token: ::secrets_runtime::SecretString,
        #[gcs(bucket = "my-bucket", object = "app1", key = "username")]
        pub username: ::std::string::String,
        #[gcs(bucket = "my-bucket", object = "app1")]
        pub raw: ::std::vec::Vec<u8>,
    }
}

/// A renamed runtime, through `#[secrets(crate = "...")]`.
mod renamed {
    pub use ::secrets_runtime as my_secrets;

    #[derive(my_secrets::Secrets)]
    #[secrets(crate = "my_secrets")]
    pub struct Renamed {
        #[env(default = "x")]
        pub value: ::std::string::String,
    }
}

use secrets_runtime::memory::{MemoryKms, MemoryStore};
use secrets_runtime::{ExposeSecret, Secrets, Sources};

#[tokio::test]
async fn derive_in_a_module_that_shadows_every_name() {
    const KEY: &str = "projects/p/locations/global/keyRings/r/cryptoKeys/k";
    let kms = MemoryKms::new();
    let ciphertext = base64::Engine::encode(
        &base64::prelude::BASE64_STANDARD,
        kms.encrypt(KEY, b"t0ken"),
    );
    let sources = Sources::builder()
        .env([("TOKEN", ciphertext)])
        .kms(kms)
        .gcs(MemoryStore::new().with_object("my-bucket", "app1", br#"{"username":"u"}"#.to_vec()))
        .build();
    let config = shadowing::Config::load_from(&sources).await.unwrap();
    assert_eq!(config.port, 8080);
    assert_eq!(config.name, None);
    assert_eq!(config.token.expose_secret(), "t0ken");
    assert_eq!(config.username, "u");
    assert_eq!(config.raw, br#"{"username":"u"}"#);

    let renamed = renamed::Renamed::load_from(&Sources::builder().env([("A", "b")]).build())
        .await
        .unwrap();
    assert_eq!(renamed.value, "x");
}
