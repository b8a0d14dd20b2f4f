use secrets_runtime::Secrets;

#[derive(Secrets)]
struct Config {
    #[secrets(prefix = "APP_")]
    #[env]
    port: u16,
}

fn main() {}
