use secrets_runtime::Secrets;

struct Endpoint {
    host: String,
}

#[derive(Secrets)]
struct Config {
    #[env]
    port: u16,
    #[env]
    endpoint: Endpoint,
}

fn main() {}
