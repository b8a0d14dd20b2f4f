use secrets_runtime::Secrets;

#[derive(Secrets)]
struct Config {
    #[gcs(object = "", key = "username")]
    username: String,
}

fn main() {}
