use secrets_runtime::{Error, Secrets};

#[derive(Secrets)]
struct Config<'a> {
    #[env]
    host: &'a str,
}

// The stub impl the derive leaves on error keeps this from adding errors of its own.
pub async fn boot() -> Result<usize, Error> {
    Ok(Config::load().await?.host.len())
}

fn main() {}
