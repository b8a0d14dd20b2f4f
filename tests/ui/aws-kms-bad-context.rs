use secrets_runtime::{SecretString, Secrets};

#[derive(Secrets)]
struct Config {
    #[aws_kms(context = "app:billing")]
    a: SecretString,
    #[aws_kms(context = "app=billing,stage=")]
    b: SecretString,
    #[aws_kms(context = "app=billing,app=payroll")]
    c: SecretString,
}

fn main() {}
