use secrets_runtime::Secrets;

#[derive(Secrets)]
struct Config {
    #[gcs(objct = "app1", key = "username")]
    username: String,
}

fn main() {}
