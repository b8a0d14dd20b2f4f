// Nested structs two levels deep, and keys picked from one decrypted JSON object.
use secrets_runtime::{Error, SecretString, Secrets, Sources};

#[derive(Secrets)]
struct Credentials {
    #[kms(env = "BUNDLE", json_key = "user")]
    user: String,
    #[kms(env = "BUNDLE", json_key = "password")]
    password: SecretString,
}

#[derive(Secrets)]
#[secrets(prefix = "PG_")]
struct Database {
    #[env(default = "5432")]
    port: u16,
    #[secrets(nested, prefix = "ADMIN_")]
    admin: Credentials,
}

#[derive(Secrets)]
struct Config {
    #[env]
    host: String,
    #[secrets(nested, prefix = "DB_")]
    db: Database,
    #[secrets(nested)]
    #[secrets(prefix = "API_")]
    api: Credentials,
}

pub async fn boot(sources: &Sources) -> Result<(), Error> {
    let config = Config::load_from(sources).await?;
    let Config { host, db, api } = config;
    let Database { port, admin } = db;
    let _ = (host, port, admin.user, admin.password, api.user, api.password);
    Ok(())
}

fn main() {}
