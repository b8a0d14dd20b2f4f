//! The berglas reference parser and object format under the properties the fuzz targets
//! `berglas_reference` and `berglas_envelope` check (`tests/berglas/props.rs`): on inputs that
//! reach each rule, and on random ones (proptest), so that every `cargo test` runs them.

// The parsers are crate-private in secrets-runtime: their source is compiled here, as in the
// fuzz targets, with the crate-root names it refers to (`crate::BackendError`, …).
use secrets_runtime::{BackendError, ErrorKind, SecretBytes};

#[path = "../secrets-runtime/src/aead.rs"]
mod aead;
#[path = "../secrets-runtime/src/kinds/berglas/envelope.rs"]
mod envelope;
#[path = "berglas/props.rs"]
mod props;
#[path = "../secrets-runtime/src/kinds/berglas/reference.rs"]
mod reference;

use proptest::prelude::*;

use props::{CANARY, Edit, check_body, check_envelope, check_reference};

/// References that reach every branch of the parser, and the canary wherever a secret pasted
/// into the variable could sit.
#[test]
fn references_that_reach_each_rule() {
    let long = "o".repeat(1100);
    let cases = [
        "",
        "berglas://foo/bar",
        "berglas:///foo/bar#0x1F",
        "berglas://foo/a%20b%2Fc?destination=tempfile#1_000",
        "berglas://foo/bar#9223372036854775808",
        "berglas://foo/bar#-1",
        " sm://my-project/db-pass#7\n",
        "sm://example.com%3Amy-project/db-pass#my-alias",
        "sm://p/s#latest",
        // Malformed, the canary in each part.
        "CANARYq7Zx-password",
        "berglas://CANARYq7Zx",
        "berglas://CANARYq7Zx/object",
        "berglas://bucket/CANARYq7Zx%",
        "berglas://bucket/CANARYq7Zx%FF",
        "berglas://bucket/CANARYq7Zx%0A",
        "berglas://CANARYq7Zx:1/object",
        "berglas://bucket/\u{7f}CANARYq7Zx",
        "sm://CANARYq7Zx/secret",
        "sm://project/CANARYq7Zx.x",
        "sm://project/CANARYq7Zx/x",
        "sm://project/secret#CANARYq7Zx.",
        // Text that is a piece of a message's own wording: shown, rightly.
        "it does not start with",
        "berglas://foo/..",
        &format!("berglas://foo/{long}"),
    ];
    for text in cases {
        check_reference(text);
    }
}

/// A body opens to its plaintext after edits Go's decoder ignores, and fails cleanly after
/// edits it does not.
#[test]
fn envelope_edits() {
    // Line breaks inside either part, as a hand-uploaded object might have.
    assert!(check_envelope(b"-a", &[Edit::Insert(5, b"\r\n".to_vec())]));
    assert!(check_envelope(
        b"-b",
        &[Edit::Insert(usize::MAX, b"\n".to_vec())]
    ));
    // Cut, flipped, or given a second `:`.
    assert!(!check_envelope(b"-c", &[Edit::Truncate(60)]));
    assert!(!check_envelope(b"-d", &[Edit::Flip(70, 0x01)]));
    assert!(!check_envelope(b"-e", &[Edit::Flip(3, 0x01)]));
    assert!(!check_envelope(b"-f", &[Edit::Insert(60, b":".to_vec())]));
    assert!(!check_envelope(b"-g", &[Edit::Truncate(0)]));
    for body in [&b""[..], b":", b"::", b"A===:A===", b"\n:\n", &[0xff; 40]] {
        assert_eq!(check_body(body), None);
    }
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), 1..=255u8).prop_map(|(at, bits)| Edit::Flip(at, bits)),
        any::<usize>().prop_map(Edit::Truncate),
        (
            any::<usize>(),
            prop::collection::vec(
                prop_oneof![Just(b'\n'), Just(b':'), Just(b'='), any::<u8>()],
                1..4
            )
        )
            .prop_map(|(at, bytes)| Edit::Insert(at, bytes)),
    ]
}

/// A part of a reference: characters and escapes that matter to the parser.
fn part() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        3 => "[a-z0-9._-]{1,4}",
        1 => "[:%/?#+ A-Z\t]",
        2 => prop::sample::select(
            &[
                "%23", "%3F", "%25", "%20", "%3A", "%2F", "%0A", "%C3%A9", "%FF"
            ][..]
        )
        .prop_map(str::to_owned),
    ];
    prop::collection::vec(token, 0..5).prop_map(|tokens| tokens.concat())
}

/// Reference-shaped text: a prefix, parts made of [`part`], and sometimes the canary.
fn reference_text() -> impl Strategy<Value = String> {
    (
        prop_oneof![
            Just("berglas://"),
            Just("sm://"),
            Just("berglas:///"),
            Just("")
        ],
        // Mostly a good bucket or project, so that the rest of the text is reached.
        prop_oneof![3 => "[a-z][a-z0-9-]{1,8}[a-z0-9]", 1 => part()],
        part(),
        prop::option::of(part()),
        any::<bool>(),
    )
        .prop_map(|(prefix, first, second, fragment, canary)| {
            let canary = if canary { CANARY } else { "" };
            let fragment = fragment.map(|f| format!("#{f}")).unwrap_or_default();
            format!("{prefix}{first}/{canary}{second}{fragment}")
        })
}

proptest! {
    #[test]
    fn any_text_is_a_reference_or_an_unquoting_error(text in any::<String>()) {
        check_reference(&text);
    }

    #[test]
    fn reference_shaped_text_is_a_reference_or_an_unquoting_error(text in reference_text()) {
        check_reference(&text);
    }

    #[test]
    fn sealed_bodies_open_to_their_plaintext_whatever_the_edits(
        rest in prop::collection::vec(any::<u8>(), 0..64),
        edits in prop::collection::vec(edit(), 0..3),
    ) {
        check_envelope(&rest, &edits);
    }

    #[test]
    fn any_body_splits_or_fails_cleanly(body in prop::collection::vec(any::<u8>(), 0..96)) {
        prop_assert_eq!(check_body(&body), None);
    }
}
