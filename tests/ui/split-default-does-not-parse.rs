use secrets_runtime::Secrets;

#[derive(Secrets)]
struct Config {
    #[env(split = ",", default = "80,eighty")]
    ports: Vec<u16>,
    #[env(split = ",", default = "https://a.example,")]
    origins: Vec<String>,
}

fn main() {}
