use secrets_runtime::Secrets;

#[derive(Secrets)]
struct Config {
    #[s3(bucket = "My_Bucket", object = "app1.json", key = "username")]
    a: String,
    #[s3(bucket = "xn--bucket", object = "app1.json", key = "username")]
    b: String,
    #[s3(bucket = "10.0.0.1", object = "app1.json", key = "username")]
    c: String,
}

fn main() {}
