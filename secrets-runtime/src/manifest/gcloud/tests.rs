//! Quoting: what a shell and gcloud make of the words the script writes.

use super::*;

/// What `sh` passes to a command for `words`, one argument a line in brackets.
fn through_sh(words: &str) -> String {
    let script = format!("for arg in {words}; do printf '[%s]\\n' \"$arg\"; done");
    let out = std::process::Command::new("sh")
        .args(["-c", &script])
        .output()
        .expect("sh runs");
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn plain_words_stay_plain_and_others_reach_the_command_whole() {
    for plain in [
        "gs://my-bucket",
        "serviceAccount:fn@p.iam.gserviceaccount.com",
        "a=b,c",
    ] {
        assert_eq!(quote(plain), plain);
    }
    let odd = [
        "",
        "two words",
        "it's",
        "$HOME",
        "`id`",
        "$(id)",
        "a\nb",
        "=ls",
        "~",
        "*",
        "back\\slash",
        "'",
        "#",
    ];
    for word in odd {
        let quoted = quote(word);
        assert!(quoted.starts_with('\''), "{word:?} is quoted: {quoted}");
        assert_eq!(through_sh(&quoted), format!("[{word}]\n"));
    }
}

#[test]
fn a_condition_holds_the_grant_to_one_object() {
    assert_eq!(
        condition("b", "app1"),
        r#"expression=resource.name == "projects/_/buckets/b/objects/app1",title=app1-only"#
    );
    // A comma would split the value: gcloud takes another delimiter declared up front.
    assert_eq!(
        condition("b", "a,b"),
        r#"^;^expression=resource.name == "projects/_/buckets/b/objects/a,b";title=a,b-only"#
    );
    assert_eq!(
        condition("b", "a,b;c"),
        r#"^|^expression=resource.name == "projects/_/buckets/b/objects/a,b;c"|title=a,b;c-only"#
    );
    assert_eq!(
        condition("b", ",;|~!"),
        r#"^;;^expression=resource.name == "projects/_/buckets/b/objects/,;|~!";;title=,;|~!-only"#
    );
    // The object's name is a CEL string: quotes and backslashes escaped.
    assert_eq!(
        condition("b", "x\"y\\z\u{7}"),
        "expression=resource.name == \"projects/_/buckets/b/objects/x\\\"y\\\\z\\u0007\",title=x\"y\\z\u{7}-only"
    );
    // A title is at most 100 characters.
    let long = "é".repeat(300);
    let title = condition("b", &long)
        .split(",title=")
        .nth(1)
        .unwrap()
        .to_owned();
    assert_eq!(title.chars().count(), 100);
}

#[test]
fn a_comment_is_one_line() {
    assert_eq!(
        one_line("gs://b/a\nrm -rf /\r\u{1b}[2J"),
        "gs://b/a\\nrm -rf /\\r\\u{1b}[2J"
    );
}
