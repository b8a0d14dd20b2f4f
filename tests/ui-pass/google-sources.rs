//! Every Google source attribute in its documented forms.
use secrets_runtime::{SecretSlice, SecretString, Secrets};

#[derive(Secrets)]
#[secrets(project_env = "GOOGLE_CLOUD_PROJECT")]
#[allow(dead_code)]
struct Config {
    #[secret_manager(secret = "db-pass")]
    db_pass: SecretString,
    #[secret_manager(secret = "api", version = "3", key = "token")]
    api_token: SecretString,
    #[secret_manager(secret = "projects/shared/secrets/ca")]
    ca: Vec<u8>,
    #[secret_manager(secret = "eu", location = "europe-west1", project = "my-project")]
    eu: Option<SecretString>,
    #[secret_manager(secret_env = "SECRET_NAME", project_env = "OTHER_PROJECT")]
    from_env: SecretString,
    #[file(path = "/secrets/tls-key", raw)]
    tls_key: SecretSlice<u8>,
    #[file(path_env = "DB_CONFIG_FILE", key = "password")]
    db_password: SecretString,
    #[berglas]
    legacy_token: SecretString,
    #[berglas(env = "OTHER_REF", key = "user")]
    legacy_user: Option<String>,
}

fn main() {}
