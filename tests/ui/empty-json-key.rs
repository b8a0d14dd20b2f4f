use secrets_runtime::Secrets;

#[derive(Secrets)]
struct Config {
    #[gcs(object = "app1", key = "")]
    username: String,
}

fn main() {}
