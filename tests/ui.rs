//! Compile-fail cases of `#[derive(Secrets)]`, one mistake per file under `tests/ui/`, each
//! with the exact diagnostics expected; and structs that must compile, under `tests/ui-pass/`.
//!
//! Regenerate the expected output with `TRYBUILD=overwrite cargo test --test ui`, then read
//! every changed `.stderr`: each error should point at the smallest span and say the fix.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
    cases.pass("tests/ui-pass/*.rs");
}
