use secrets_runtime::{SecretString, Secrets};

#[derive(Secrets)]
struct Config {
    #[aws_secret(id = "prod/db", version_stage = "AWS PREVIOUS")]
    a: SecretString,
    #[aws_secret(id = "prod/db", version_id = "")]
    b: SecretString,
}

fn main() {}
