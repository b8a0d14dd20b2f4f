use secrets_runtime::{SecretString, Secrets};

// A misspelled key is one error each. What its absence would imply is not reported too:
// `café` would read env `CAFÉ` (not a valid name), `token` would read env `TOKEN`, which
// `db_pass` holds as ciphertext.
#[derive(Secrets)]
struct Config {
    #[env(nmae = "CAFE")]
    café: String,
    #[kms(env = "TOKEN")]
    db_pass: SecretString,
    #[env(nmae = "TOKEN_PLAIN")]
    token: String,
}

fn main() {}
