//! Holds the top-level tests and examples of `secrets-runtime`, written as a user of its
//! public API would. (README.md's code blocks run as `secrets-runtime`'s doctests, whose crate
//! documentation it is.)

#![forbid(unsafe_code)]
