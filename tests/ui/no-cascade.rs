use secrets_runtime::{Error, Secrets};

#[derive(Secrets)]
struct Config {
    #[env(nmae = "PORT")]
    port: u16,
}

pub async fn boot() -> Result<u16, Error> {
    let config = Config::load().await?;
    Ok(config.port)
}

fn main() {}
