use secrets_runtime::Secrets;

#[derive(Secrets)]
struct Database {
    #[env]
    host: String,
}

#[derive(Secrets)]
struct Config {
    #[secrets(nested, prefix = "DB-")]
    db: Database,
}

fn main() {}
