use secrets_runtime::Secrets;

#[derive(Secrets)]
struct Config {
    #[s3(bucket = "cfg", bucket_env = "CFG_BUCKET", object = "app1.json")]
    config: Vec<u8>,
}

fn main() {}
