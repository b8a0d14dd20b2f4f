use secrets_runtime::Secrets;

#[derive(Secrets)]
struct Config {
    #[env(fallback = "8080")]
    port: u16,
}

fn main() {}
