use secrets_runtime::Secrets;

#[derive(Secrets)]
struct Config {
    #[env(default = 8080)]
    port: u16,
}

fn main() {}
