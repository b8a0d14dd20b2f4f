// A misspelled `split` on a `Vec` field is said once, as the unknown key with its nearest name;
// no second error says that the `Vec` cannot be loaded.
use secrets_runtime::Secrets;

#[derive(Secrets)]
struct Config {
    #[env(splits = ",")]
    origins: Vec<String>,
}

fn main() {}
