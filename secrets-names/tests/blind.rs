//! The blind checks: the quoting checks' verdicts, rule for rule, with messages that never
//! show the name, over many generated names that each carry a marker.

use secrets_names::blind;

type Check = fn(&str) -> Result<(), String>;

/// Each kind of name: its quoting check, its blind check, and valid names to mutate.
const KINDS: [(&str, Check, Check, &[&str]); 4] = [
    (
        "env",
        secrets_names::check_env_name,
        blind::check_env_name,
        &["DB_PASS", "_x9", "KMS_CRYPTO_KEY_ID"],
    ),
    (
        "kms",
        secrets_names::check_kms_key_name,
        blind::check_kms_key_name,
        &[
            "projects/p/locations/global/keyRings/r/cryptoKeys/k",
            "projects/example.com:proj/locations/us-east1/keyRings/r-1/cryptoKeys/k.2",
        ],
    ),
    (
        "bucket",
        secrets_names::check_bucket_name,
        blind::check_bucket_name,
        &["my-bucket", "a.b.c", "certs_2024"],
    ),
    (
        "object",
        secrets_names::check_object_name,
        blind::check_object_name,
        &["app1", "dir/tls.pem"],
    ),
];

/// What mutations insert: characters and pieces that reach every rule.
const PIECES: &[&str] = &[
    "/",
    ".",
    "..",
    ":",
    "-",
    "_",
    " ",
    "\n",
    "\r",
    "A",
    "é",
    "😀",
    "`",
    "9",
    "goog",
    "google",
    "192.168.0.1",
    "/cryptoKeyVersions/3",
    "projects/",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
];

/// xorshift64: the same names on every run, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        usize::try_from(self.0 % n as u64).expect("below n, which is a usize")
    }
}

/// `template` with a few random edits, and `marker` inserted somewhere.
fn mutated(rng: &mut Rng, template: &str, marker: &str) -> String {
    let mut chars: Vec<String> = template.chars().map(String::from).collect();
    for _ in 0..rng.below(4) {
        let at = rng.below(chars.len() + 1);
        let piece = PIECES[rng.below(PIECES.len())].to_owned();
        match rng.below(3) {
            0 => chars.insert(at, piece),
            1 if at < chars.len() => chars[at] = piece,
            _ if at < chars.len() => drop(chars.remove(at)),
            _ => chars.push(piece),
        }
    }
    let at = rng.below(chars.len() + 1);
    chars.insert(at, marker.to_owned());
    chars.concat()
}

#[test]
fn blind_messages_never_show_the_name_and_agree_with_the_quoting_ones() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let (mut errors, mut oks, mut quoted_markers) = (0, 0, 0);
    for _ in 0..20_000 {
        let (kind, quoting, blind, templates) = KINDS[rng.below(KINDS.len())];
        // Lowercase letters and digits: allowed by every rule, so a marker alone breaks none.
        let marker = format!("zq{}", 10_000 + rng.below(90_000));
        let template = templates[rng.below(templates.len())];
        let name = mutated(&mut rng, template, &marker);
        let (quoted, blinded) = (quoting(&name), blind(&name));
        assert_eq!(
            quoted.is_ok(),
            blinded.is_ok(),
            "{kind} {name:?}: {quoted:?} / {blinded:?}"
        );
        let Err(message) = blinded else {
            oks += 1;
            continue;
        };
        errors += 1;
        assert!(
            !message.contains(&marker) && !message.contains(&name),
            "{kind} {name:?}: {message}"
        );
        // Nothing outside the fixed vocabulary: not even one offending character.
        assert!(
            message.chars().all(|c| c.is_ascii() || c == '…'),
            "{kind} {name:?}: {message}"
        );
        // The same names do reach the quoting messages: this check can see a quote.
        quoted_markers += usize::from(quoted.unwrap_err().contains(&marker));
    }
    // Both verdicts are common, and the quoting rendering shows most failing names, so the
    // generated names exercise what the assertions above guard.
    assert!(oks > 2_000 && errors > 8_000, "{oks} ok, {errors} errors");
    assert!(quoted_markers > errors / 2, "{quoted_markers} of {errors}");
}

/// Each name breaks one rule: its blind message says which rule and where, and the quoting
/// check agrees that the name is wrong.
fn assert_messages(quoting: Check, blind: Check, cases: &[(&str, &str)]) {
    for (name, expected) in cases {
        let message = blind(name).expect_err(name);
        assert!(message.ends_with(expected), "{name:?}: {message}");
        assert!(quoting(name).is_err(), "{name:?}");
    }
}

#[test]
fn blind_env_name_messages() {
    let char_3 =
        "env var name has a character other than ASCII letters, digits and `_` (character 3)";
    assert_messages(
        secrets_names::check_env_name,
        blind::check_env_name,
        &[
            ("", "env var name is empty"),
            (
                "9LIVES",
                "env var name must start with an ASCII letter or `_`",
            ),
            ("DB-PASS", char_3),
            // Characters, not bytes: what an editor's column shows.
            ("DBé-X", char_3),
        ],
    );
}

#[test]
fn blind_kms_key_name_messages() {
    let key = "projects/p/locations/global/keyRings/r/cryptoKeys/k";
    let version = format!("{key}/cryptoKeyVersions/3");
    let long_ring = key.replace("/r/", &format!("/{}/", "r".repeat(64)));
    let bad_char = "has a character other than ASCII letters, digits, `-`, `_`, `.` and `:`";
    assert_messages(
        secrets_names::check_kms_key_name,
        blind::check_kms_key_name,
        &[
            ("", "KMS key name is empty"),
            (
                &version,
                "KMS key name names a key version; decrypt takes the key: \
                 drop `/cryptoKeyVersions/…` from its end",
            ),
            (
                "hunter2",
                "KMS key name is not of the form \
                 `projects/PROJECT/locations/LOCATION/keyRings/RING/cryptoKeys/KEY`: \
                 it needs 8 parts separated by `/`",
            ),
            (
                &key.replace("keyRings", "keyRing"),
                "part 5 must be `keyRings`",
            ),
            (
                &key.replace("/p/", "//"),
                "the project id (part 2) is empty",
            ),
            (
                &key.replace("global", "glo bal"),
                &format!("the location id (part 4) {bad_char} (character 25)"),
            ),
            (
                "projects/é/locations/gl@bal/keyRings/r/cryptoKeys/k",
                &format!("the project id (part 2) {bad_char} (character 10)"),
            ),
            (
                &key.replace("Keys/k", "Keys/.."),
                "the key id (part 8) is only dots",
            ),
            (
                &long_ring,
                "the key ring id (part 6) is longer than 63 characters",
            ),
        ],
    );
}

#[test]
fn blind_bucket_name_messages() {
    assert_messages(
        secrets_names::check_bucket_name,
        blind::check_bucket_name,
        &[
            ("", "bucket name is empty"),
            ("ab", "bucket name must be 3 to 63 characters long"),
            (
                "my-Bucket",
                "bucket name has a character other than lowercase letters, digits, \
                 `-`, `_` and `.` (character 4)",
            ),
            (
                "bucket-",
                "bucket name must start and end with a letter or digit",
            ),
            (
                "a..b",
                "bucket name has an empty or over-long dot-separated part",
            ),
            ("192.168.5.4", "bucket name must not be an IP address"),
            (
                "my-google-bucket",
                "bucket name must not start with `goog` or contain `google`",
            ),
        ],
    );
}

#[test]
fn blind_object_name_messages() {
    assert_messages(
        secrets_names::check_object_name,
        blind::check_object_name,
        &[
            ("", "object name is empty"),
            (&"x".repeat(1025), "object name is longer than 1024 bytes"),
            (
                "app\r\n1",
                "object name must not contain a line break (character 4)",
            ),
            ("..", "object name must not be `.` or `..`"),
            (".", "object name must not be `.` or `..`"),
        ],
    );
}
