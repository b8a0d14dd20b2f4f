// Generated code names everything by absolute path: names in the user's scope that shadow
// the prelude and core change nothing.
#![allow(dead_code, non_camel_case_types)]

mod shadowing {
    use ::secrets_runtime::Secrets;

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

    #[derive(Secrets)]
    struct Config {
        #[env]
        host: ::std::string::String,
        #[env]
        port: ::core::option::Option<u16>,
        #[env]
        __loaded: u8,
        #[env]
        __field0: u8,
        #[env]
        __sources: u8,
    }
}

fn main() {}
