use secrets_runtime::{SecretString, Secrets};

#[derive(Secrets)]
struct Config {
    #[kms]
    db_pass: SecretString,
    #[env(name = "DB_PASS")]
    db_pass_plain: String,
}

fn main() {}
