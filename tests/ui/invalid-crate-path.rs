use secrets_runtime::Secrets;

#[derive(Secrets)]
#[secrets(crate = "secrets runtime")]
struct Config {
    #[env]
    port: u16,
}

fn main() {}
