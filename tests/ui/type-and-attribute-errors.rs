use secrets_runtime::Secrets;

struct Endpoint;

// An attribute error does not hold back the error on an unsupported field type.
#[derive(Secrets)]
struct Config {
    #[env(nmae = "HOST")]
    host: String,
    #[env]
    endpoint: Endpoint,
}

fn main() {}
