//! Bad inputs of `#[berglas]` fields: malformed references (never quoted back: one may be a
//! secret pasted in its place), objects that are not berglas's format or were renamed, and
//! missing backends. One row per mistake (see common/matrix.rs).

// Structs whose load fails on purpose: their fields are never read.
#![allow(dead_code)]

mod common;

use common::matrix::*;
use common::*;
use secrets_runtime::{ErrorKind, SecretString, Secrets};

#[derive(Secrets)]
struct Legacy {
    #[berglas]
    legacy: SecretString,
}

#[derive(Secrets)]
struct Keyed {
    #[berglas(key = "password")]
    legacy: SecretString,
}

const UNREAD: &str = "berglas reference in env LEGACY";

fn object(name: &str) -> String {
    format!("berglas://{BUCKET}/{name} via env LEGACY")
}

fn malformed(why: &str) -> Msg {
    exact(format!("env LEGACY is not a berglas reference: {why}"))
}

#[allow(clippy::too_many_lines)] // the table
fn cases() -> Vec<Case> {
    use ErrorKind::{Decrypt, Invalid, Missing, Unconfigured};
    let reference = |name: &str| text(format!("berglas://{BUCKET}/{name}"));
    vec![
        case::<Legacy>("a secret pasted in place of the reference")
            .at("legacy", UNREAD)
            .env("LEGACY", text(DB_PASS))
            .secret(DB_PASS)
            .fails(Invalid, malformed("it does not start with `berglas://` or `sm://`")),
        case::<Legacy>("a gs:// URL, which only berglas's CLI rewrites")
            .at("legacy", UNREAD)
            .env("LEGACY", text(format!("gs://{BUCKET}/db")))
            .fails(Invalid, malformed("it does not start with `berglas://` or `sm://`")),
        case::<Legacy>("no object")
            .at("legacy", UNREAD)
            .env("LEGACY", text(format!("berglas://{BUCKET}")))
            .fails(Invalid, malformed("it names no object: the form is `berglas://BUCKET/OBJECT`")),
        case::<Legacy>("no secret")
            .at("legacy", UNREAD)
            .env("LEGACY", text("sm://my-project"))
            .fails(Invalid, malformed("it names no secret: the form is `sm://PROJECT/SECRET`")),
        case::<Legacy>("a nested secret name")
            .at("legacy", UNREAD)
            .env("LEGACY", text("sm://my-project/team/db"))
            .fails(
                Invalid,
                malformed("its secret name holds a `/`: Secret Manager secrets are not nested"),
            ),
        case::<Legacy>("a blank reference")
            .at("legacy", UNREAD)
            .env("LEGACY", text(" \n"))
            .fails(Missing, exact("env LEGACY is blank")),
        case::<Legacy>("an object made for another name")
            .at("legacy", object("renamed"))
            .env("LEGACY", reference("renamed"))
            .berglas("renamed", b"Zq-renamed-secret", Spoil::WrappedFor("original"))
            .secret("Zq-renamed-secret")
            .fails(Decrypt, exact(format!("berglas object gs://{BUCKET}/renamed: {NOT_THIS_KEY}; berglas binds the data key to the object's name, so an object renamed or copied after it was written no longer opens"))),
        case::<Legacy>("a truncated envelope")
            .at("legacy", object("cut"))
            .env("LEGACY", reference("cut"))
            .berglas("cut", b"Zq-cut-secret", Spoil::Truncated(30))
            .secret("Zq-cut-secret")
            .fails(Invalid, prefix(format!("berglas object gs://{BUCKET}/cut: its sealed value"))),
        case::<Legacy>("no berglas-kms-key metadata")
            .at("legacy", object("plain"))
            .env("LEGACY", reference("plain"))
            .berglas("plain", b"Zq-plain-secret", Spoil::NoKeyMetadata)
            .fails(
                Invalid,
                exact(format!("berglas object gs://{BUCKET}/plain has no `berglas-kms-key` metadata: it is not a berglas secret")),
            ),
        case::<Legacy>("not an envelope at all")
            .at("legacy", object("notes"))
            .env("LEGACY", reference("notes"))
            .object("notes", "Zq-just-some-text")
            .secret("Zq-just-some-text")
            .fails(Invalid, prefix(format!("berglas object gs://{BUCKET}/notes has no `berglas-kms-key`"))),
        case::<Legacy>("an object that does not exist")
            .at("legacy", object("absent"))
            .env("LEGACY", reference("absent"))
            .fails(Missing, exact(format!("berglas object gs://{BUCKET}/absent not found"))),
        case::<Keyed>("a JSON key the secret lacks")
            .at("legacy", format!("berglas://{BUCKET}/json via env LEGACY#password"))
            .env("LEGACY", reference("json"))
            .berglas("json", br#"{"user": "Zq-json-user"}"#, Spoil::Nothing)
            .secret("Zq-json-user")
            .fails(Missing, exact("the JSON object has no key `password`")),
        case::<Legacy>("no key service")
            .at("legacy", object("db"))
            .env("LEGACY", reference("db"))
            .berglas("db", b"Zq-db-secret", Spoil::Nothing)
            .no_kms()
            .fails(Unconfigured, no_backend("KMS", "kms")),
    ]
}

#[test]
fn each_bad_berglas_input_fails_as_its_row_says() {
    run(cases());
}
