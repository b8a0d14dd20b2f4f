use secrets_runtime::Secrets;

#[derive(Secrets)]
struct Config {
    #[env = "PORT"]
    port: u16,
}

fn main() {}
