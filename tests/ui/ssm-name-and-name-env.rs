use secrets_runtime::{SecretString, Secrets};

#[derive(Secrets)]
struct Config {
    #[ssm(name = "/prod/api/token", name_env = "TOKEN_PARAMETER")]
    token: SecretString,
}

fn main() {}
