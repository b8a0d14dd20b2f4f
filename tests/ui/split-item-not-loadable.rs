use secrets_runtime::Secrets;

struct Origin;

#[derive(Secrets)]
struct Config {
    #[env(split = ",")]
    origins: Vec<Origin>,
}

fn main() {}
