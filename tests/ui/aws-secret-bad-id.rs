use secrets_runtime::{SecretString, Secrets};

#[derive(Secrets)]
struct Config {
    #[aws_secret(id = "prod db")]
    a: SecretString,
    #[aws_secret(id = "arn:aws:ssm:us-east-1:111122223333:parameter/db")]
    b: SecretString,
}

fn main() {}
