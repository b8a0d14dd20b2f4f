//! The command line itself: `--help` for every command, exit status 2 for a wrong command
//! line and 1 for a failure, and no value in any message, whatever was mistyped.

mod common;

use common::{Cli, Files, KEY};

#[tokio::test]
async fn every_command_has_help_that_names_its_arguments() {
    let cli = Cli::default();
    let cases: [(&[&str], &[&str]); 8] = [
        (
            &[],
            &[
                "encrypt",
                "seal",
                "berglas",
                "secret-manager",
                "verify",
                "SECRETS_LOCAL_DIR",
            ],
        ),
        (&["encrypt"], &["--key <KEY>", "[FILE|-]", "stdin"]),
        (
            &["seal"],
            &[
                "--key <KEY>",
                "NAME=value",
                "NAME=@file",
                "--json <FILE>",
                "--dotenv <FILE>",
                "--envelope",
                "SECRETS_BUNDLE",
            ],
        ),
        (&["berglas"], &["create", "access"]),
        (
            &["berglas", "create"],
            &[
                "<BUCKET/OBJECT>",
                "--key <KEY>",
                "[VALUE|@FILE|-]",
                "--overwrite",
            ],
        ),
        (
            &["berglas", "access"],
            &["<REFERENCE>", "berglas://", "sm://"],
        ),
        (
            &["secret-manager", "add"],
            &[
                "<SECRET>",
                "[VALUE|@FILE|-]",
                "--project <P>",
                "--create",
                "GOOGLE_CLOUD_PROJECT",
            ],
        ),
        (
            &["verify"],
            &[
                "[REFERENCE]...",
                "--env-file <FILE>",
                "--ciphertext <VAR>",
                "--bundle <VAR>",
                "--key <KEY>",
                "KMS_CRYPTO_KEY_ID",
                "ok (N bytes)",
                "ok (K keys)",
                "not checked (plain value)",
            ],
        ),
    ];
    for (command, mentions) in cases {
        let mut args = command.to_vec();
        args.push("--help");
        let run = cli.run(&args, b"").await;
        let help = run.ok();
        for mention in mentions {
            assert!(
                help.contains(mention),
                "`secrets {command:?} --help` lacks {mention}:\n{help}"
            );
        }
    }
    let run = cli.run(&["secret-manager", "--help"], b"").await;
    assert!(run.ok().contains("add"));
}

#[tokio::test]
async fn a_wrong_command_line_exits_with_2_and_says_why() {
    let cli = Cli::default();
    let cases: [(&[&str], &str); 8] = [
        (&[], "Usage: secrets <COMMAND>"),
        (&["encrypt"], "--key <KEY>"),
        (
            &["encrypt", "--key", "projects/p/keyRings/r"],
            "is not of the form",
        ),
        (
            &["encrypt", "--key", &format!("{KEY}/cryptoKeyVersions/1")],
            "names a key version",
        ),
        (&["seal", "--key", KEY], "NAME=value|NAME=@file"),
        (
            &["seal", "--key", KEY, "--json", "a", "--dotenv", "b"],
            "cannot be used with",
        ),
        (
            &["berglas", "create", "bucket-only", "--key", KEY],
            "write BUCKET/OBJECT",
        ),
        (
            &["verify", "sm://p/s", "--env-file", "f"],
            "cannot be used with",
        ),
    ];
    for (args, why) in cases {
        let run = cli.run(args, b"").await;
        assert_eq!(run.code, Some(2), "{args:?}: {run:?}");
        assert!(run.stderr.contains(why), "{args:?}: {}", run.stderr);
        assert!(run.stdout.is_empty());
    }
    let versioned = cli
        .run(
            &["secret-manager", "add", "projects/p/secrets/s/versions/3"],
            b"",
        )
        .await;
    assert_eq!(versioned.code, Some(2));
    assert!(
        versioned.stderr.contains("without /versions/V"),
        "{}",
        versioned.stderr
    );
}

#[tokio::test]
async fn values_typed_in_the_wrong_place_never_show_in_a_message() {
    let files = Files::new();
    let cli = Cli::local(files.dir());
    let value = "CANARY-s3cr3t-Zq8";
    let dotenv = files.write("bad.env", format!("A=1\n{value}\n"));
    let quoted = files.write("quoted.env", format!("A=\"{value}\n"));
    let at_value = format!("a=@{value}");
    let bare_at = format!("@{value}");

    let cases: Vec<(Vec<&str>, String)> = vec![
        (
            vec!["seal", "--key", KEY, value],
            "secrets: secret argument 1 has no `=`: write NAME=value or NAME=@file".into(),
        ),
        (
            vec!["seal", "--key", KEY, "--dotenv", &dotenv],
            format!("secrets: {dotenv}: line 2: has no `=`: write NAME=value"),
        ),
        (
            vec!["seal", "--key", KEY, "--dotenv", &quoted],
            format!(
                "secrets: {quoted}: line 1: the double-quoted value is never closed"
            ),
        ),
        (
            vec!["encrypt", "--key", KEY, value],
            "secrets: cannot read the file given as argument 1 (No such file or directory)".into(),
        ),
        (
            vec!["seal", "--key", KEY, &at_value],
            "secrets: cannot read the file given in secret argument 1 (No such file or directory)".into(),
        ),
        (
            vec!["berglas", "create", "b-1/o", "--key", KEY, &bare_at],
            "secrets: cannot read the file given as the VALUE argument (No such file or directory)".into(),
        ),
        (
            vec!["verify", value],
            "secrets: 1 of 1 checked values did not load".into(),
        ),
        (
            vec!["berglas", "access", value],
            "secrets: the reference is not a berglas reference: it does not start with `berglas://` or `sm://`".into(),
        ),
    ];
    for (args, why) in cases {
        let run = cli.run(&args, b"").await;
        assert_eq!(run.failed(&[value]), why, "{args:?}");
    }
    // berglas parses what follows the prefix: a malformed rest is not quoted either.
    let run = cli
        .run(
            &["berglas", "access", &format!("berglas://{value}%zz/o")],
            b"",
        )
        .await;
    let why = run.failed(&[value]);
    assert!(why.contains("is not a berglas reference"), "{why}");
    // Checked after clap, whose own message would quote it.
    for path in [value, "CANARY!s3cr3t/o"] {
        let run = cli
            .run(&["berglas", "create", path, "--key", KEY], b"")
            .await;
        assert_eq!(run.code, Some(2), "{run:?}");
        run.assert_hides(&["s3cr3t"]);
        assert!(
            run.stderr
                .contains("the <BUCKET/OBJECT> argument is not valid:"),
            "{}",
            run.stderr
        );
    }
}

#[tokio::test]
async fn an_empty_value_is_refused_the_same_way_by_every_command() {
    let files = Files::new();
    let cli = Cli::local(files.dir());
    let empty = files.write("empty", String::new());
    let at_empty = format!("@{empty}");
    let said = "the value is empty: give a file, or pipe the value in";
    let cases: [(&[&str], String); 6] = [
        (&["encrypt", "--key", KEY], format!("secrets: {said}")),
        (
            &["berglas", "create", "b-1/o", "--key", KEY],
            format!("secrets: {said}"),
        ),
        (
            &["berglas", "create", "b-1/o", "--key", KEY, &at_empty],
            format!("secrets: {said}"),
        ),
        (
            &["secret-manager", "add", "s", "--project", "p"],
            format!("secrets: {said}"),
        ),
        (
            &["secret-manager", "add", "s", "--project", "p", ""],
            format!("secrets: {said}"),
        ),
        (
            &["seal", "--key", KEY, "A=1", "B="],
            format!("secrets: secret argument 2: {said}"),
        ),
    ];
    for (args, why) in cases {
        let run = cli.run(args, b"").await;
        assert_eq!(run.failed(&[]), why, "{args:?}");
    }
}
