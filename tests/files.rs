//! `#[file]`: files the platform mounts, read from the real file system.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{APP_PASSWORD, DB_PASS, assert_no_secret};
use secrets_runtime::{ErrorKind, ExposeSecret, SecretSlice, SecretString, Secrets, Sources};

#[derive(Secrets)]
struct Mounted {
    #[file(path_env = "DB_PASS_FILE")]
    db_pass: SecretString,
    #[file(path_env = "KEY_FILE", raw)]
    key: SecretSlice<u8>,
    #[file(path_env = "CONFIG_FILE", key = "password")]
    password: SecretString,
    #[file(path_env = "OPTIONAL_FILE")]
    optional: Option<SecretString>,
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.to_str().unwrap().to_owned()
}

fn env_sources(vars: &[(&str, &str)]) -> Sources {
    Sources::builder().env(vars.iter().copied()).build()
}

#[tokio::test]
async fn a_trailing_line_break_is_dropped_unless_raw() {
    let dir = tempfile::tempdir().unwrap();
    // `echo` writes a line break; `raw` keeps a binary file's last byte even when it is one.
    let db_pass = write(dir.path(), "db-pass", format!("{DB_PASS}\n").as_bytes());
    let key = write(dir.path(), "key.der", b"\x30\x82\x01\n");
    let config = write(
        dir.path(),
        "config.json",
        format!("{{\"password\": \"{APP_PASSWORD}\"}}\n").as_bytes(),
    );
    let absent = dir.path().join("absent").to_str().unwrap().to_owned();
    let sources = env_sources(&[
        ("DB_PASS_FILE", &db_pass),
        ("KEY_FILE", &key),
        ("CONFIG_FILE", &config),
        ("OPTIONAL_FILE", &absent),
    ]);
    let loaded = Mounted::load_from(&sources).await.unwrap();
    assert_eq!(loaded.db_pass.expose_secret(), DB_PASS);
    assert_eq!(loaded.key.expose_secret(), b"\x30\x82\x01\n");
    assert_eq!(loaded.password.expose_secret(), APP_PASSWORD);
    assert!(loaded.optional.is_none(), "a missing file is absence");

    // Windows line ends too, and only one line break.
    let crlf = write(dir.path(), "crlf", format!("{DB_PASS}\r\n\n").as_bytes());
    let sources = env_sources(&[
        ("DB_PASS_FILE", &crlf),
        ("KEY_FILE", &key),
        ("CONFIG_FILE", &config),
    ]);
    let loaded = Mounted::load_from(&sources).await.unwrap();
    assert_eq!(loaded.db_pass.expose_secret(), format!("{DB_PASS}\r\n"));
}

#[tokio::test]
async fn missing_directory_and_oversized_files_are_named_errors() {
    let dir = tempfile::tempdir().unwrap();
    let big = write(dir.path(), "big", &vec![b'x'; 2048]);
    let config = write(
        dir.path(),
        "config.json",
        format!("{{\"user\": \"{APP_PASSWORD}\"}}").as_bytes(),
    );
    let missing = dir.path().join("missing").to_str().unwrap().to_owned();
    let directory = dir.path().to_str().unwrap().to_owned();
    let vars = [
        ("DB_PASS_FILE", missing.as_str()),
        ("KEY_FILE", directory.as_str()),
        ("CONFIG_FILE", config.as_str()),
        ("OPTIONAL_FILE", big.as_str()),
    ];
    let sources = Sources::builder().env(vars).max_object_bytes(1024).build();
    let err = Mounted::load_from(&sources).await.err().unwrap();
    let by_field = |name: &str| {
        let field = err.fields().iter().find(|f| f.field() == name).unwrap();
        (field.kind(), field.message().to_owned())
    };
    let (kind, message) = by_field("db_pass");
    assert_eq!(kind, ErrorKind::Missing);
    assert!(
        message.contains(&format!("file {missing} not found")),
        "{message}"
    );
    let (kind, message) = by_field("key");
    assert_eq!(kind, ErrorKind::Invalid);
    assert!(message.contains("is a directory"), "{message}");
    let (kind, message) = by_field("password");
    assert_eq!(kind, ErrorKind::Missing, "{message}");
    let (kind, message) = by_field("optional");
    assert_eq!(kind, ErrorKind::TooLarge);
    assert!(
        message.contains("2048 bytes, over the cap of 1024"),
        "{message}"
    );
    assert_no_secret("error", &format!("{err} {err:?}"));
}

/// Set in the child of `an_unreadable_file_names_the_path_and_the_uid`: the file to read, and
/// the uid the message must name.
const UNREADABLE: &str = "SECRETS_TEST_UNREADABLE";
const UID: &str = "SECRETS_TEST_UID";

#[derive(Secrets)]
struct One {
    #[file(path_env = "SECRETS_TEST_UNREADABLE")]
    value: SecretString,
}

#[tokio::test]
async fn an_unreadable_file_names_the_path_and_the_uid() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    if let (Some(path), Ok(uid)) = (std::env::var_os(UNREADABLE), std::env::var(UID)) {
        // The child, running as a user that may not read the file.
        let err = One::load().await.err().unwrap();
        let field = &err.fields()[0];
        assert_eq!(field.kind(), ErrorKind::PermissionDenied, "{err}");
        let message = field.message();
        assert!(message.contains(path.to_str().unwrap()), "{message}");
        let expected = format!(
            "cannot read file {}: permission denied; the process (uid {uid}) needs read permission on it (its mode and owner decide)",
            path.to_str().unwrap()
        );
        assert_eq!(message, expected);
        assert_no_secret("error", &format!("{err} {err:?}"));
        return;
    }
    let dir = tempfile::Builder::new()
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .unwrap();
    let path = write(dir.path(), "db-pass", DB_PASS.as_bytes());
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut child = std::process::Command::new(std::env::current_exe().unwrap());
    let uid = std::fs::metadata("/proc/self").unwrap().uid();
    if uid == 0 {
        // Root reads any file: the child runs as `nobody`, and the file stays root's, 0600.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        child = std::process::Command::new("setpriv");
        child
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(std::env::current_exe().unwrap());
    } else {
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    }
    let expected = if uid == 0 { 65534 } else { uid };
    let status = child
        .args([
            "an_unreadable_file_names_the_path_and_the_uid",
            "--exact",
            "--nocapture",
        ])
        .env(UNREADABLE, &path)
        .env(UID, expected.to_string())
        .status()
        .unwrap();
    assert!(status.success(), "the child's assertions failed");
}

/// A read that blocks (a FIFO with no writer yet) must not stall the runtime: on a
/// current-thread runtime, the task that writes the FIFO can run only if the read is off the
/// runtime's thread.
#[test]
fn a_blocking_read_does_not_stall_the_runtime() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    // Should the read block the runtime, this unblocks it after a while, with other text.
    let watchdog_fifo = fifo.clone();
    let watchdog = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(10));
        let _ = std::fs::write(&watchdog_fifo, "from-the-watchdog");
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let path = fifo.to_str().unwrap().to_owned();
    let loaded = runtime.block_on(async {
        let writer_fifo = fifo.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            // Opening a FIFO for writing waits for its reader: done on this runtime's only
            // thread, it finishes only because the read is elsewhere.
            std::fs::write(&writer_fifo, "from-the-runtime").unwrap();
        });
        let sources = env_sources(&[("SECRETS_TEST_UNREADABLE", &path)]);
        One::load_from(&sources).await.unwrap()
    });
    assert_eq!(loaded.value.expose_secret(), "from-the-runtime");
    drop(watchdog);
}

#[tokio::test]
async fn a_relative_path_from_env_is_refused_without_being_shown() {
    // A password pasted where the path belongs breaks the rule, so it is never echoed.
    let sources = env_sources(&[("SECRETS_TEST_UNREADABLE", DB_PASS)]);
    let err = One::load_from(&sources).await.err().unwrap();
    assert_eq!(err.fields()[0].kind(), ErrorKind::Invalid);
    assert_eq!(
        err.fields()[0].message(),
        "env SECRETS_TEST_UNREADABLE: file path is relative; give the absolute path (`/secrets/...`)"
    );
    assert_no_secret("error", &format!("{err} {err:?}"));
}
