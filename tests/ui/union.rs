use secrets_runtime::Secrets;

#[derive(Secrets)]
union Config {
    port: u16,
    flags: u32,
}

fn main() {}
