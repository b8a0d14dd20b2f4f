use secrets_runtime::Secrets;

#[derive(Secrets)]
struct Config {
    #[env(default = "8080")]
    port: u16,
    #[env(name = "PORT", default = "9090")]
    port_again: u16,
}

fn main() {}
