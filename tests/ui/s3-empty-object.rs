use secrets_runtime::Secrets;

#[derive(Secrets)]
struct Config {
    #[s3(bucket = "cfg", object = "")]
    cert: Vec<u8>,
}

fn main() {}
