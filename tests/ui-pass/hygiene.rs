// Generated code names everything by absolute path: names in the user's scope that shadow
// the prelude, core and the runtime's own items change nothing.
#![allow(dead_code, non_camel_case_types, non_snake_case)]

mod shadowing {
    struct Result;
    struct Ok;
    struct Err;
    struct Option;
    struct Some;
    struct None;
    struct String;
    struct Vec;
    struct Send;
    struct Future;
    struct core;
    struct std;
    struct secrets_runtime;
    struct Loaded;
    struct StructSpec;
    struct FieldSpec;
    struct Load;
    struct Var;
    struct Pick;
    struct NameRef;
    mod env {}
    mod kms {}
    mod gcs {}
    mod aws_kms {}
    mod s3 {}
    mod aws_secret {}
    mod ssm {}
    trait Secrets {}

    #[derive(::secrets_runtime::Secrets)]
    struct Inner {
        #[kms(json_key = "user")]
        user: ::std::string::String,
        #[gcs(object = "o", key = "k")]
        key: ::std::string::String,
        #[aws_kms(key = "alias/app", context = "app=billing", json_key = "k")]
        aws_key: ::std::string::String,
        #[s3(object = "o", key = "k")]
        s3_key: ::core::option::Option<::std::string::String>,
        #[aws_secret(id = "prod/db", version_stage = "AWSPREVIOUS")]
        aws_secret: ::std::string::String,
        #[ssm(name_env = "PARAMETER")]
        parameter: ::std::string::String,
    }

    #[derive(::secrets_runtime::Secrets)]
    struct Config {
        #[env]
        host: ::std::string::String,
        #[env]
        port: ::core::option::Option<u16>,
        #[env(split = ",")]
        hosts: ::std::vec::Vec<::std::string::String>,
        #[env(split = ";")]
        ports: ::core::option::Option<::std::vec::Vec<u16>>,
        #[env]
        __loaded: u8,
        #[env]
        __field0: u8,
        #[env]
        __sources: u8,
        #[secrets(nested, prefix = "INNER_")]
        __SPEC: Inner,
    }
}

fn main() {}
