//! Compile-fail cases of `#[derive(Secrets)]`, one mistake per file under `tests/ui/`, each
//! with the exact diagnostics expected; and structs that must compile, under `tests/ui-pass/`.
//!
//! Regenerate the expected output with `TRYBUILD=overwrite cargo test --test ui`, then read
//! every changed `.stderr`: each error should point at the smallest span and say the fix.
//!
//! Built only without the `gcp` feature (`scripts/test` runs it in its second pass): trybuild
//! compiles this package's dependencies again, in its own target dir and with the features
//! this test was built with, and no case needs Google's crates. It stays in this package
//! because the expected paths (`tests/ui/…`, `secrets-runtime/src/…`) are relative to the
//! manifest trybuild reads, which is the one of the package that runs it.

#![cfg(not(feature = "gcp"))]

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
    cases.pass("tests/ui-pass/*.rs");
}
