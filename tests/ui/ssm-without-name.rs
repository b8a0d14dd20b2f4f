use secrets_runtime::{SecretString, Secrets};

#[derive(Secrets)]
struct Config {
    #[ssm(key = "token")]
    token: SecretString,
}

fn main() {}
