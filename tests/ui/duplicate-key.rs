use secrets_runtime::Secrets;

#[derive(Secrets)]
struct Config {
    #[env(name = "PORT", name = "HTTP_PORT")]
    port: u16,
}

fn main() {}
