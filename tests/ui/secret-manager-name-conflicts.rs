use secrets_runtime::{SecretString, Secrets};

#[derive(Secrets)]
struct Config {
    #[secret_manager(secret = "projects/shared/secrets/ca/versions/2", project = "mine", version = "3")]
    ca: SecretString,
}

fn main() {}
