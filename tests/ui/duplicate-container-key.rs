use secrets_runtime::Secrets;

#[derive(Secrets)]
#[secrets(prefix = "APP_")]
#[secrets(prefix = "SVC_")]
struct Config {
    #[env]
    port: u16,
}

fn main() {}
