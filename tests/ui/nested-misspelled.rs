use secrets_runtime::Secrets;

#[derive(Secrets)]
struct Database {
    #[env]
    host: String,
}

#[derive(Secrets)]
struct Config {
    #[secrets(nestd, prefix = "DB_")]
    db: Database,
}

fn main() {}
