use secrets_runtime::{SecretString, Secrets};

#[derive(Secrets)]
struct Config {
    #[ssm(name = "prod/api/token")]
    a: SecretString,
    #[ssm(name = "/ssm/token")]
    b: SecretString,
    #[ssm(name = "/prod/api/token:")]
    c: SecretString,
    #[ssm(name = "/prod/api token")]
    d: SecretString,
}

fn main() {}
