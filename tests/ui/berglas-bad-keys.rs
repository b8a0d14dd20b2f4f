use secrets_runtime::{SecretString, Secrets};

#[derive(Secrets)]
struct Config {
    #[berglas(env = "LEGACY-TOKEN")]
    legacy: SecretString,
    #[berglas(bucket = "b")]
    other: SecretString,
}

fn main() {}
