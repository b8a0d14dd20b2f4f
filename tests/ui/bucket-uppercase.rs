use secrets_runtime::Secrets;

#[derive(Secrets)]
struct Config {
    #[gcs(bucket = "My-Certs", object = "tls.pem")]
    cert: Vec<u8>,
}

fn main() {}
