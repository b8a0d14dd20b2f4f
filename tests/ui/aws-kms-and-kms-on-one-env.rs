use secrets_runtime::{SecretString, Secrets};

#[derive(Secrets)]
struct Config {
    #[kms(env = "TOKEN_CT")]
    token: SecretString,
    #[aws_kms(env = "TOKEN_CT")]
    aws_token: SecretString,
}

fn main() {}
