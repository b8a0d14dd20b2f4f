use secrets_runtime::Secrets;

#[derive(Secrets)]
struct Config {
    #[gcs(bucket = "certs", bucket_env = "CERTS_BUCKET", object = "tls.pem")]
    cert: Vec<u8>,
}

fn main() {}
