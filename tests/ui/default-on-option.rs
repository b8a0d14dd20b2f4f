use secrets_runtime::Secrets;

#[derive(Secrets)]
struct Config {
    #[env(default = "info")]
    log_level: Option<String>,
}

fn main() {}
