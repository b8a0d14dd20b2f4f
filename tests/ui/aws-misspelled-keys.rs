use secrets_runtime::{SecretString, Secrets};

#[derive(Secrets)]
struct Config {
    #[aws_kms(contxt = "app=billing")]
    a: SecretString,
    #[s3(objet = "app1.json")]
    b: Vec<u8>,
    #[aws_secret(id = "prod/db", version = "AWSPREVIOUS")]
    c: SecretString,
    #[ssm(parameter = "/prod/token")]
    d: SecretString,
}

fn main() {}
