use secrets_runtime::Secrets;

#[derive(Secrets)]
struct Config {
    #[env(default = "eighty")]
    port: u16,
    #[env(default = "yes")]
    verbose: bool,
    #[env(default = "0.0.0.0")]
    listen: std::net::SocketAddr,
    #[env(default = "1.5")]
    workers: usize,
}

fn main() {}
