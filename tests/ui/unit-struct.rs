use secrets_runtime::Secrets;

#[derive(Secrets)]
struct Config;

fn main() {}
