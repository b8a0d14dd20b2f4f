use secrets_runtime::Secrets;

#[derive(Secrets)]
#[secrets(prefix = "APP-")]
struct Config {
    #[env]
    port: u16,
}

fn main() {}
