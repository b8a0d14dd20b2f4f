use secrets_runtime::Secrets;

#[derive(Secrets)]
struct Config {
    #[kms(env = "DB_BUNDLE", json_key = "")]
    db_user: String,
}

fn main() {}
