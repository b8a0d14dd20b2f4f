//! Unit tests of `reference.rs`: what berglas accepts and rejects, and the canonical form.
use super::*;

fn storage(bucket: &str, object: &str, generation: Option<i64>) -> Reference {
    Reference::Storage {
        bucket: bucket.to_owned(),
        object: object.to_owned(),
        generation,
    }
}

fn sm(project: &str, secret: &str, version: &str) -> Reference {
    Reference::SecretManager {
        project: project.to_owned(),
        secret: secret.to_owned(),
        version: version.to_owned(),
    }
}

fn generation(fragment: &str) -> Option<i64> {
    match parse(&format!("berglas://foo/bar#{fragment}")) {
        Ok(Reference::Storage { generation, .. }) => generation,
        other => panic!("{fragment:?}: {other:?}"),
    }
}

#[test]
fn reads_berglas_own_test_table() {
    // pkg/berglas/reference_test.go, TestParseReference, case for case.
    for text in ["", "    ", "foo", "foo/bar"] {
        assert_eq!(parse(text), Err(Malformed::Prefix), "{text:?}");
    }
    assert_eq!(parse("sm://foo"), Err(Malformed::NoSecret));
    assert_eq!(parse("sm://foo/bar"), Ok(sm("foo", "bar", "latest")));
    assert_eq!(
        parse("sm://foo/bar/baz/bacon"),
        Err(Malformed::NestedSecret)
    );
    assert_eq!(
        parse("sm://foo/bar?destination=/var/foo"),
        Ok(sm("foo", "bar", "latest"))
    );
    assert_eq!(
        parse("sm://foo/bar?destination=/var/foo#12"),
        Ok(sm("foo", "bar", "12"))
    );
    assert_eq!(parse("berglas://foo"), Err(Malformed::NoObject));
    assert_eq!(parse("berglas://foo/bar"), Ok(storage("foo", "bar", None)));
    assert_eq!(
        parse("berglas://foo/bar/baz/bacon"),
        Ok(storage("foo", "bar/baz/bacon", None))
    );
    assert_eq!(
        parse("berglas://foo/bar?destination=/var/foo"),
        Ok(storage("foo", "bar", None))
    );
    assert_eq!(
        parse("berglas://foo/bar?destination=/var/foo#1563925173373377"),
        Ok(storage("foo", "bar", Some(1_563_925_173_373_377)))
    );
}

#[test]
fn one_leading_slash_is_dropped_for_storage_only() {
    assert_eq!(parse("berglas:///foo/bar"), Ok(storage("foo", "bar", None)));
    // A second one leaves berglas an empty bucket.
    assert!(matches!(
        parse("berglas:////foo/bar"),
        Err(Malformed::Name(_))
    ));
    assert!(matches!(
        parse("sm:///foo/bar"),
        Err(Malformed::NestedSecret)
    ));
    assert!(matches!(parse("sm:///bar"), Err(Malformed::Name(_))));
}

#[test]
fn the_path_is_percent_decoded_before_it_is_split() {
    assert_eq!(
        parse("berglas://foo/a%20b%2Fc%3f%23"),
        Ok(storage("foo", "a b/c?#", None))
    );
    assert_eq!(
        parse("berglas://foo%2Fa/b"),
        Ok(storage("foo", "a/b", None))
    );
    assert_eq!(parse("berglas://foo/a+b"), Ok(storage("foo", "a+b", None)));
    assert_eq!(
        parse("berglas://foo/caf%C3%A9"),
        Ok(storage("foo", "café", None))
    );
    for bad in [
        "berglas://foo/a%zz",
        "berglas://foo/a%2",
        "berglas://foo/a%",
        "sm://p/%+1",
    ] {
        assert_eq!(parse(bad), Err(Malformed::Escape), "{bad}");
    }
    assert_eq!(parse("berglas://foo/%FF"), Err(Malformed::NotUtf8));
    // Decodes to a line break, which no object name holds.
    assert!(matches!(
        parse("berglas://foo/a%0Ab"),
        Err(Malformed::Name(_))
    ));
}

#[test]
fn query_and_fragment_split_as_in_a_url() {
    assert_eq!(
        parse("berglas://foo/bar?x=1#5"),
        Ok(storage("foo", "bar", Some(5)))
    );
    // The fragment starts at the first `#`: `5?x` is not a number.
    assert_eq!(
        parse("berglas://foo/bar#5?x"),
        Ok(storage("foo", "bar", None))
    );
    assert_eq!(parse("berglas://foo/bar#"), Ok(storage("foo", "bar", None)));
    assert_eq!(parse("berglas://foo/bar?"), Ok(storage("foo", "bar", None)));
    assert_eq!(
        parse("berglas://foo/bar#%35"),
        Ok(storage("foo", "bar", Some(5)))
    );
    // `url.Parse` fails on a bad escape in the fragment too.
    assert_eq!(parse("berglas://foo/bar#%zz"), Err(Malformed::Escape));
    // A `?` after the path's first `/`... is still the query.
    assert_eq!(parse("berglas://foo?a/b"), Err(Malformed::NoObject));
}

#[test]
fn generations_read_as_go_parse_int_base_0() {
    let cases: &[(&str, Option<i64>)] = &[
        ("12", Some(12)),
        ("+7", Some(7)),
        ("0x1F", Some(31)),
        ("0X1f", Some(31)),
        ("0o17", Some(15)),
        ("0O17", Some(15)),
        ("017", Some(15)),
        ("0b101", Some(5)),
        ("0B101", Some(5)),
        ("1_000", Some(1000)),
        ("0x_1F", Some(31)),
        ("0_7", Some(7)),
        ("9223372036854775807", Some(i64::MAX)),
        // Errors in Go, so the latest generation in berglas.
        ("9223372036854775808", None),
        ("08", None),
        ("0x", None),
        ("0b", None),
        ("0b2", None),
        ("1__0", None),
        ("_1", None),
        ("1_", None),
        ("0x_", None),
        ("+", None),
        ("-", None),
        ("+-1", None),
        ("1e3", None),
        ("abc", None),
        (" 5", None),
        ("5\u{1}", None),
        // Zero and negative generations mean the latest.
        ("0", None),
        ("00", None),
        ("-5", None),
        ("-0x10", None),
    ];
    for (fragment, expected) in cases {
        assert_eq!(generation(fragment), *expected, "{fragment:?}");
    }
}

#[test]
fn go_parse_int_takes_the_full_signed_range() {
    assert_eq!(parse_go_int(b"-9223372036854775808"), Some(i64::MIN));
    assert_eq!(parse_go_int(b"-9223372036854775809"), None);
    assert_eq!(parse_go_int(b"-0x10"), Some(-16));
    assert_eq!(parse_go_int(b"18446744073709551616"), None);
    assert_eq!(parse_go_int(b"0xFFFFFFFFFFFFFFFF"), None);
    assert_eq!(parse_go_int(b"0x7fff_ffff_ffff_ffff"), Some(i64::MAX));
    assert_eq!(parse_go_int(b""), None);
    assert_eq!(parse_go_int(b"-_1"), None);
}

#[test]
fn surrounding_whitespace_is_dropped() {
    assert_eq!(
        parse(" \tberglas://foo/bar#12\r\n"),
        Ok(storage("foo", "bar", Some(12)))
    );
    assert_eq!(parse("sm://p/s#3\n"), Ok(sm("p", "s", "3")));
}

#[test]
fn control_characters_are_refused_before_the_fragment_only() {
    assert_eq!(parse("berglas://foo/b\tar"), Err(Malformed::Control));
    assert_eq!(parse("berglas://foo/bar?x\u{7f}"), Err(Malformed::Control));
    assert_eq!(
        parse("berglas://foo/bar#1\u{1}"),
        Ok(storage("foo", "bar", None))
    );
}

#[test]
fn a_colon_before_the_first_slash_is_a_scheme() {
    assert_eq!(parse("berglas://foo:1/bar"), Err(Malformed::Scheme));
    assert_eq!(parse("berglas://my_bucket:x/bar"), Err(Malformed::Scheme));
    assert_eq!(parse("sm://example.com:proj/s"), Err(Malformed::Scheme));
    assert_eq!(parse("sm://:p/s"), Err(Malformed::Scheme));
    // Escaped, it is part of the name, as for a domain-scoped project.
    assert_eq!(
        parse("sm://example.com%3Aproj/s"),
        Ok(sm("example.com:proj", "s", "latest"))
    );
    assert_eq!(
        parse("berglas://foo/bar:baz"),
        Ok(storage("foo", "bar:baz", None))
    );
}

#[test]
fn secret_manager_versions() {
    assert_eq!(parse("sm://p/s#latest"), Ok(sm("p", "s", "latest")));
    assert_eq!(parse("sm://p/s#"), Ok(sm("p", "s", "latest")));
    assert_eq!(parse("sm://p/s#my-alias"), Ok(sm("p", "s", "my-alias")));
    assert_eq!(parse("sm://123/s#7"), Ok(sm("123", "s", "7")));
    assert_eq!(parse("sm://p/s#%6Catest"), Ok(sm("p", "s", "latest")));
    for bad in [
        "sm://p/s#a/b",
        "sm://p/s#1?x",
        "sm://p/s#..",
        "sm://p/s#\u{1}",
    ] {
        assert!(matches!(parse(bad), Err(Malformed::Name(_))), "{bad}");
    }
    assert_eq!(parse("sm://p/s#%FF"), Err(Malformed::NotUtf8));
}

#[test]
fn prefixes_are_exact() {
    for text in [
        "BERGLAS://foo/bar",
        "gs://foo/bar",
        "foo/bar",
        "berglas:/foo/bar",
        "sm:/p/s",
        "Sm://p/s",
    ] {
        assert_eq!(parse(text), Err(Malformed::Prefix), "{text}");
    }
}

#[test]
fn malformed_names_are_refused_with_their_rule() {
    let cases = [
        ("berglas://Foo/bar", "bucket name"),
        ("berglas://fo/bar", "bucket name"),
        ("berglas://foo/..", "object name"),
        ("sm://My_Project/s", "project"),
        ("sm://p/s.s", "secret"),
    ];
    for (text, rule) in cases {
        match parse(text) {
            Err(Malformed::Name(why)) => assert!(why.contains(rule), "{text}: {why}"),
            other => panic!("{text}: {other:?}"),
        }
    }
}

#[test]
fn messages_never_show_the_text() {
    const SECRET: &str = "Hunter2Pa55";
    let cases = [
        SECRET.to_owned(),
        format!("berglas://{SECRET}"),
        format!("berglas://{SECRET}/x"),
        format!("berglas://foo/{SECRET}%0A"),
        format!("berglas://foo/{SECRET}%"),
        format!("berglas://foo/{SECRET}%FF"),
        format!("berglas://foo:{SECRET}/x"),
        format!("berglas://foo/\t{SECRET}"),
        format!("sm://{SECRET}/s"),
        format!("sm://p/{SECRET}.x"),
        format!("sm://p/s#{SECRET}/"),
        format!("sm://p/{SECRET}/x"),
    ];
    for text in &cases {
        let why = parse(text).expect_err(text);
        let shown = format!("{why} {why:?}");
        assert!(!shown.contains(SECRET), "{text}: {shown}");
        assert!(!shown.is_empty());
    }
}

#[test]
fn the_canonical_text_parses_back_the_same() {
    let references = [
        storage("foo", "bar", None),
        storage("foo", "a b/c?d#e%f:g\u{1}", Some(42)),
        storage("foo", "/leading/slash/", Some(i64::MAX)),
        storage("f.o-o_1", "café ", None),
        sm("p", "s", "latest"),
        sm("example.com:proj", "s", "my-alias"),
        sm("123", "s_-1", "7"),
    ];
    for reference in references {
        let text = reference.to_string();
        assert_eq!(parse(&text), Ok(reference.clone()), "{text}");
    }
    assert_eq!(
        storage("foo", "a b#c", Some(3)).to_string(),
        "berglas://foo/a%20b%23c#3"
    );
    assert_eq!(sm("p", "s", "latest").to_string(), "sm://p/s");
    assert_eq!(
        sm("example.com:proj", "s", "2").to_string(),
        "sm://example.com%3Aproj/s#2"
    );
}
