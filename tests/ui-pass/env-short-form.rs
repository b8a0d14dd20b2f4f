//! `#[env("VAR")]` is `#[env(name = "VAR")]`, alone or with other keys after it.

use secrets_runtime::Secrets;

#[derive(Secrets)]
struct Config {
    #[env("PORT")]
    port: u16,
    #[env("LOG_LEVEL", default = "info")]
    log_level: String,
    #[env(r"HOST")]
    host: Option<String>,
}

fn main() {}
