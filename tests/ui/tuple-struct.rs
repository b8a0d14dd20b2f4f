use secrets_runtime::Secrets;

#[derive(Secrets)]
struct Config(#[env] String);

fn main() {}
