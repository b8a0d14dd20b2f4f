use secrets_runtime::{SecretSlice, Secrets};

#[derive(Secrets)]
struct Config {
    #[aws_kms(key = "arn:aws:s3:::my-bucket")]
    signing_key: SecretSlice<u8>,
}

fn main() {}
