//! Bad inputs of `#[env]` and `#[kms]` fields: one row per mistake (see common/matrix.rs).

// Structs whose load fails on purpose: their fields are never read.
#![allow(dead_code)]

mod common;

use common::matrix::*;
use common::*;
use secrets_runtime::{ErrorKind, SecretString, Secrets};

#[derive(Secrets)]
struct Port {
    #[env(name = "PORT")]
    port: u16,
}

#[derive(Secrets)]
struct Flag {
    #[env(name = "FLAG")]
    flag: bool,
}

#[derive(Secrets)]
struct Token {
    #[env(name = "TOKEN")]
    token: Echo,
}

#[derive(Secrets)]
struct DbPass {
    #[kms]
    db_pass: SecretString,
}

#[derive(Secrets)]
struct DbPassText {
    #[kms]
    db_pass: String,
}

#[derive(Secrets)]
struct MaybeDbPass {
    #[kms]
    db_pass: Option<SecretString>,
}

#[derive(Secrets)]
struct PinCode {
    #[kms(env = "PIN_CT")]
    pin: i32,
}

#[derive(Secrets)]
struct SealedEcho {
    #[kms(env = "ECHO_CT")]
    echo: Echo,
}

#[derive(Secrets)]
struct Signing {
    #[kms(env = "SIGNING_CT", key_env = "SIGNING_KEY_ID")]
    signing_key: Vec<u8>,
}

/// How a base64 text whose last character leaves bits over is said.
const LEFT_OVER: &str = "env DB_PASS is not base64 ciphertext (its last character leaves bits over, which base64 never does: it was cut short, or is not base64 at all";

#[allow(clippy::too_many_lines)] // the table
fn cases() -> Vec<Case> {
    use ErrorKind::{Decrypt, Invalid, Missing, NotFound, Unconfigured};
    let kms = |var: &str| format!("kms {KEY} via env {var}");
    let key_from_env = "kms $KMS_CRYPTO_KEY_ID via env DB_PASS";
    vec![
        // #[env]
        case::<Port>("env missing")
            .at("port", "env PORT")
            .fails(Missing, exact("env PORT is not set")),
        case::<Port>("env empty")
            .at("port", "env PORT")
            .env("PORT", text(""))
            .fails(Missing, exact("env PORT is empty")),
        case::<Port>("env whitespace only is a value, not empty")
            .at("port", "env PORT")
            .env("PORT", text("   "))
            .fails(Invalid, spaced(not_valid("u16", NOT_NUMBER))),
        case::<Port>("env number with a trailing newline")
            .at("port", "env PORT")
            .env("PORT", text("8080\n"))
            .fails(Invalid, spaced(not_valid("u16", NOT_NUMBER))),
        case::<Port>("u16 overflow")
            .at("port", "env PORT")
            .env("PORT", text("70000"))
            .secret("70000")
            .fails(Invalid, not_valid("u16", TOO_LARGE)),
        case::<Port>("a very long number")
            .at("port", "env PORT")
            .env("PORT", text("9".repeat(100_000)))
            .secret("9".repeat(100_000))
            .fails(Invalid, not_valid("u16", TOO_LARGE)),
        case::<Flag>("non-boolean into bool")
            .at("flag", "env FLAG")
            .env("FLAG", text("yes-Zq1"))
            .secret("yes-Zq1")
            .fails(Invalid, exact(NOT_BOOL)),
        case::<Flag>("bool is case-sensitive")
            .at("flag", "env FLAG")
            .env("FLAG", text("TRUE"))
            .secret("TRUE")
            .fails(Invalid, exact(NOT_BOOL)),
        case::<Token>("FromStr error quoting its input")
            .at("token", "env TOKEN")
            .env("TOKEN", text("tok-Zq2-secret"))
            .secret("tok-Zq2-secret")
            .fails(Invalid, exact(NOT_ECHO)),
        // #[kms]: the ciphertext
        case::<DbPass>("ciphertext env missing")
            .at("db_pass", kms("DB_PASS"))
            .fails(Missing, exact("env DB_PASS is not set")),
        case::<DbPass>("invalid base64 (plaintext pasted)")
            .at("db_pass", kms("DB_PASS"))
            .env("DB_PASS", text("pasted Zq3!"))
            .secret("pasted Zq3!")
            .fails(Invalid, bad_char(1, 11)),
        case::<DbPass>("base64 of whitespace only")
            .at("db_pass", kms("DB_PASS"))
            .env("DB_PASS", text(" \n\t \r\n"))
            .fails(Missing, exact("env DB_PASS is blank")),
        case::<DbPass>("base64 of an impossible length")
            .at("db_pass", kms("DB_PASS"))
            .env("DB_PASS", text("QUJDREVGR"))
            .fails(
                Invalid,
                exact(
                    "env DB_PASS is not base64 ciphertext (its length cannot be base64's: it was \
                     cut short, or is not base64 at all, such as a value pasted unencrypted)",
                ),
            ),
        case::<DbPass>("base64 with too much padding")
            .at("db_pass", kms("DB_PASS"))
            .env("DB_PASS", text("QUJDRA==="))
            .fails(Invalid, bad_char(1, 7)),
        case::<DbPass>("base64 with a non-canonical last symbol")
            .at("db_pass", kms("DB_PASS"))
            .env("DB_PASS", text("QUJDRB"))
            .fails(Invalid, prefix(LEFT_OVER)),
        // Every character is base64's: the length is what is wrong, not a position.
        case::<DbPass>("a password pasted unencrypted, base64 characters only")
            .at("db_pass", kms("DB_PASS"))
            .env("DB_PASS", text("hunter2"))
            .secret("hunter2")
            .fails(Invalid, prefix(LEFT_OVER)),
        case::<DbPass>("base64 of the URL-safe alphabet")
            .at("db_pass", kms("DB_PASS"))
            // 600 bytes: the chance that no `-` or `_` shows up is under 1e-11.
            .env("DB_PASS", V::Mangled(b"Zq4-".repeat(150), url_safe))
            .secret("Zq4-Zq4-")
            .fails(
                Invalid,
                prefix("env DB_PASS is not base64 ciphertext (bad character at line 1 column "),
            ),
        case::<DbPass>("long wrapped base64, a bad character on line 40")
            .at("db_pass", kms("DB_PASS"))
            .env(
                "DB_PASS",
                V::Mangled(b"Zq5-".repeat(750), wrapped_with_a_bad_character),
            )
            .secret("Zq5-Zq5-")
            .fails(Invalid, bad_char(40, 5)),
        case::<DbPass>("ciphertext under the wrong key")
            .at("db_pass", kms("DB_PASS"))
            .env("DB_PASS", sealed(OTHER_KEY, "wrong-key-Zq6"))
            .secret("wrong-key-Zq6")
            .fails(Decrypt, exact(NOT_THIS_KEY)),
        case::<DbPass>("ciphertext missing its last byte")
            .at("db_pass", kms("DB_PASS"))
            .env(
                "DB_PASS",
                V::Mangled(b"cut-Zq7".to_vec(), without_last_byte),
            )
            .secret("cut-Zq7")
            .fails(Decrypt, exact(NOT_THIS_KEY)),
        case::<DbPass>("ciphertext shorter than nonce and tag")
            .at("db_pass", kms("DB_PASS"))
            .env("DB_PASS", V::Mangled(b"cut-Zq8".to_vec(), first_20_bytes))
            .secret("cut-Zq8")
            .fails(Decrypt, exact(TOO_SHORT)),
        case::<DbPass>("ciphertext of a key that does not exist")
            .at("db_pass", format!("kms {GHOST_KEY} via env DB_PASS"))
            .env("KMS_CRYPTO_KEY_ID", text(GHOST_KEY))
            .env("DB_PASS", V::Foreign(GHOST_KEY, b"ghost-Zq9".to_vec()))
            .secret("ghost-Zq9")
            .fails(NotFound, exact(format!("key {GHOST_KEY} not found"))),
        case::<DbPassText>("plaintext not UTF-8 into String")
            .at("db_pass", kms("DB_PASS"))
            .env("DB_PASS", sealed(KEY, b"\xffutf8-Zq10-secret"))
            .secret(b"\xffutf8-Zq10-secret")
            .fails(Invalid, exact(NOT_UTF8)),
        case::<DbPass>("plaintext not UTF-8 into SecretString")
            .at("db_pass", kms("DB_PASS"))
            .env("DB_PASS", sealed(KEY, b"utf8-Zq11-secret\xc3("))
            .secret(b"utf8-Zq11-secret\xc3(")
            .fails(Invalid, exact(NOT_UTF8)),
        case::<PinCode>("i32 overflow")
            .at("pin", kms("PIN_CT"))
            .env("PIN_CT", sealed(KEY, "2147483648"))
            .secret("2147483648")
            .fails(Invalid, not_valid("i32", TOO_LARGE)),
        case::<SealedEcho>("FromStr error with quotes and backslashes")
            .at("echo", kms("ECHO_CT"))
            .env("ECHO_CT", sealed(KEY, r#"pa"ss\wo'rd-Zq12"#))
            .secret(r#"pa"ss\wo'rd-Zq12"#)
            .fails(Invalid, exact(NOT_ECHO)),
        case::<DbPass>("no KMS backend")
            .at("db_pass", kms("DB_PASS"))
            .env("DB_PASS", sealed(KEY, "unconfigured-Zq13"))
            .no_kms()
            .secret("unconfigured-Zq13")
            .fails(Unconfigured, no_backend("KMS", "kms")),
        // #[kms]: the key name, read at boot
        case::<DbPass>("malformed key name")
            .at("db_pass", key_from_env)
            .env(
                "KMS_CRYPTO_KEY_ID",
                text("projects/p/keyRings/r/cryptoKeys/k"),
            )
            .env("DB_PASS", sealed(KEY, "key-name-Zq14"))
            .secret("key-name-Zq14")
            .fails(Invalid, exact(KEY_FORM)),
        case::<DbPass>("key version name")
            .at("db_pass", key_from_env)
            .env(
                "KMS_CRYPTO_KEY_ID",
                text(format!("{KEY}/cryptoKeyVersions/1")),
            )
            .env("DB_PASS", sealed(KEY, "key-version-Zq15"))
            .secret("key-version-Zq15")
            .fails(
                Invalid,
                exact(
                    "env KMS_CRYPTO_KEY_ID: KMS key name names a key version; decrypt takes \
                     the key: drop `/cryptoKeyVersions/…` from its end",
                ),
            ),
        // A secret pasted into the key name's env var is never shown, in any form.
        case::<DbPass>("password pasted as the key name")
            .at("db_pass", key_from_env)
            .env("KMS_CRYPTO_KEY_ID", text("pasted-Key-Zq41!x"))
            .env("DB_PASS", sealed(KEY, "key-paste-Zq42"))
            .secret("pasted-Key-Zq41!x")
            .secret("key-paste-Zq42")
            .fails(Invalid, exact(KEY_FORM)),
        case::<DbPass>("password pasted as a key name with the key's shape")
            .at("db_pass", key_from_env)
            .env(
                "KMS_CRYPTO_KEY_ID",
                text("projects/p/locations/global/keyRings/r/cryptoKeys/hunter2!Zq43"),
            )
            .env("DB_PASS", sealed(KEY, "key-paste-Zq44"))
            .secret("hunter2!Zq43")
            .secret("key-paste-Zq44")
            .fails(
                Invalid,
                exact(
                    "env KMS_CRYPTO_KEY_ID: KMS key name is not of the form \
                     `projects/PROJECT/locations/LOCATION/keyRings/RING/cryptoKeys/KEY`: the key id \
                     (part 8) has a character other than ASCII letters, digits, `-`, `_`, `.` \
                     and `:` (character 58)",
                ),
            ),
        case::<MaybeDbPass>("key name unset, ciphertext set, in an Option")
            .at("db_pass", key_from_env)
            .env("KMS_CRYPTO_KEY_ID", V::Unset)
            .env("DB_PASS", sealed(KEY, "no-key-Zq16"))
            .secret("no-key-Zq16")
            .fails(
                Missing,
                exact("env KMS_CRYPTO_KEY_ID is not set (the KMS key name)"),
            ),
        case::<Signing>("key name blank in key_env")
            .at("signing_key", "kms $SIGNING_KEY_ID via env SIGNING_CT")
            .env("SIGNING_KEY_ID", text(" \t "))
            .env("SIGNING_CT", sealed(KEY, "signing-Zq17"))
            .secret("signing-Zq17")
            .fails(
                Missing,
                exact("env SIGNING_KEY_ID is blank (the KMS key name)"),
            ),
    ]
}

#[test]
fn every_bad_env_or_kms_input_fails_its_field_precisely() {
    let cases = cases();
    assert!(cases.len() >= 20, "{} cases", cases.len());
    run(cases);
}
