use secrets_runtime::{Error, Secrets};

#[derive(Secrets)]
struct Config<T> {
    #[env]
    port: T,
}

// The stub impl the derive leaves on error keeps this from adding errors of its own.
pub async fn boot() -> Result<u16, Error> {
    Ok(Config::<u16>::load().await?.port)
}

fn main() {}
