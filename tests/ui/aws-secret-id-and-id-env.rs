use secrets_runtime::{SecretString, Secrets};

#[derive(Secrets)]
struct Config {
    #[aws_secret(id = "prod/db", id_env = "DB_SECRET_ID")]
    db_pass: SecretString,
}

fn main() {}
