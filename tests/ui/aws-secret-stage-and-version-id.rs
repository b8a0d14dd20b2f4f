use secrets_runtime::{SecretString, Secrets};

#[derive(Secrets)]
struct Config {
    #[aws_secret(
        id = "prod/db",
        version_stage = "AWSPREVIOUS",
        version_id = "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111"
    )]
    db_pass: SecretString,
}

fn main() {}
