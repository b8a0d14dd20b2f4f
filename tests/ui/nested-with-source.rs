use secrets_runtime::Secrets;

#[derive(Secrets)]
struct Database {
    #[env]
    host: String,
}

#[derive(Secrets)]
struct Config {
    #[secrets(nested)]
    #[env]
    db: Database,
}

fn main() {}
