use secrets_runtime::Secrets;

#[derive(Secrets)]
struct Config {
    #[env]
    café: String,
}

fn main() {}
