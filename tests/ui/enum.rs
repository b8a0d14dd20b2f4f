use secrets_runtime::{Error, Secrets};

#[derive(Secrets)]
enum Config {
    Dev,
    Prod,
}

// The stub impl the derive leaves on error keeps this from adding errors of its own.
pub async fn boot() -> Result<bool, Error> {
    Ok(matches!(Config::load().await?, Config::Prod))
}

fn main() {}
