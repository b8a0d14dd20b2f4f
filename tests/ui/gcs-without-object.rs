use secrets_runtime::Secrets;

#[derive(Secrets)]
struct Config {
    #[gcs(key = "username")]
    username: String,
}

fn main() {}
