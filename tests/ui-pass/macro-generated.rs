// A struct written by a `macro_rules!` macro, with field types from the macro's caller: the
// generated code must not mix the hygiene of the user's tokens with its own locals.
use secrets_runtime::Secrets;

macro_rules! config {
    ($name:ident { $($field:ident: $ty:ty),* $(,)? }) => {
        #[derive(Secrets)]
        pub struct $name {
            $(#[env] pub $field: $ty,)*
        }
    };
}

config!(Config {
    port: u16,
    host: String
});

macro_rules! fixed {
    () => {
        #[derive(Secrets)]
        pub struct Fixed {
            #[env]
            pub port: u16,
        }
    };
}

fixed!();

macro_rules! token_types {
    ($name:ident { $($field:ident: $ty:tt),* $(,)? }) => {
        #[derive(Secrets)]
        pub struct $name {
            $(#[env] pub $field: $ty,)*
        }
    };
}

token_types!(Tokens {
    port: u16,
    host: String
});

#[derive(Secrets)]
pub struct Empty {}

fn main() {}
