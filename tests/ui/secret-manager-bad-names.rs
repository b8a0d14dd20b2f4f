use secrets_runtime::{SecretString, Secrets};

#[derive(Secrets)]
struct Config {
    #[secret_manager(secret = "db pass")]
    a: SecretString,
    #[secret_manager(secret = "projects/p/secret/s")]
    b: SecretString,
    #[secret_manager(secret = "s", version = "03")]
    c: SecretString,
    #[secret_manager(secret = "s", project = "My Project")]
    d: SecretString,
    #[secret_manager(secret = "s", location = "Europe")]
    e: SecretString,
}

fn main() {}
