use secrets_runtime::Secrets;

#[derive(Secrets)]
struct Config {
    #[env(name)]
    port: u16,
}

fn main() {}
