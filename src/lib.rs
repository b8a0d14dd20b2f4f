//! Holds the top-level tests and examples of `secrets-runtime`; also runs README.md's code
//! blocks as doctests, so the README cannot drift from the API.

#![forbid(unsafe_code)]

#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
