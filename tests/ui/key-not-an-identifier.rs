use secrets_runtime::Secrets;

#[derive(Secrets)]
struct Config {
    #[env(::name = "HOST")]
    host: String,
}

fn main() {}
