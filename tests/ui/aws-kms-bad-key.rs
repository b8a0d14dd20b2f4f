use secrets_runtime::{SecretSlice, Secrets};

#[derive(Secrets)]
struct Config {
    #[aws_kms(key = "alias/my app")]
    signing_key: SecretSlice<u8>,
}

fn main() {}
