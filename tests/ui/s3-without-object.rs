use secrets_runtime::Secrets;

#[derive(Secrets)]
struct Config {
    #[s3(bucket = "cfg", key = "username")]
    username: String,
}

fn main() {}
