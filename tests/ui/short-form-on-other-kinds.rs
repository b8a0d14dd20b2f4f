use secrets_runtime::Secrets;

#[derive(Secrets)]
struct Config {
    #[kms("DB_PASS_CT")]
    db_pass: String,
    #[gcs("app.json")]
    app: String,
    #[env("PORT", name = "OTHER_PORT")]
    port: u16,
}

fn main() {}
