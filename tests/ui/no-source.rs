use secrets_runtime::Secrets;

#[derive(Secrets)]
struct Config {
    #[env]
    db_host: String,
    db_port: u16,
}

fn main() {}
