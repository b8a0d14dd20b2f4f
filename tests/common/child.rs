//! Tests that need a process environment of their own (`GCE_METADATA_HOST`, endpoint
//! variables): Rust 2024 makes changing the test's own environment unsafe, so such a test
//! runs itself again as a child, with only the variables a function on Google Cloud would have.

use std::process::{Command, Output};

use super::assert_no_secret;

/// Set in the child.
const CHILD: &str = "SECRETS_TEST_CHILD";

/// Whether this process is the child [`run_child`] started.
pub fn in_child() -> bool {
    std::env::var_os(CHILD).is_some()
}

/// Runs test `name` of this binary in a child whose environment is `env` alone, and returns
/// what it printed, after checking that it succeeded and printed no secret.
pub fn run_child(name: &str, env: &[(&str, String)]) -> String {
    let Output {
        status,
        stdout,
        stderr,
    } = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", name, "--nocapture"])
        .env_clear()
        .env(CHILD, "1")
        .envs(env.iter().map(|(var, value)| (var, value)))
        .output()
        .unwrap();
    let output = format!(
        "{}{}",
        String::from_utf8_lossy(&stdout),
        String::from_utf8_lossy(&stderr)
    );
    assert_no_secret("child output", &output);
    assert!(status.success(), "the child failed:\n{output}");
    output
}
