use secrets_runtime::Secrets;

struct Database {
    host: String,
}

#[derive(Secrets)]
struct Config {
    #[secrets(nested, prefix = "DB_")]
    db: Database,
}

fn main() {}
