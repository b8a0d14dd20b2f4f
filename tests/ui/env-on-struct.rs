use secrets_runtime::Secrets;

#[derive(Secrets)]
#[env]
struct Config {
    #[env]
    port: u16,
}

fn main() {}
