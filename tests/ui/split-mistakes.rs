use secrets_runtime::Secrets;

#[derive(Secrets)]
struct Config {
    #[env(split = ",")]
    port: u16,
    #[env(split = "")]
    origins: Vec<String>,
    #[env(split = ",")]
    key: Vec<u8>,
    #[gcs(object = "o", split = ",", split = ";")]
    hosts: Vec<String>,
}

fn main() {}
