//! What the fuzz targets share: the runtime, the names and secrets they seed, and the checks
//! every load must pass. Everything goes through `secrets_runtime`'s public API.

#![forbid(unsafe_code)]

use std::future::Future;
use std::sync::OnceLock;

use base64::prelude::*;
use secrets_runtime::Error;

pub const KEY: &str = "projects/p/locations/global/keyRings/r/cryptoKeys/k";
pub const OTHER_KEY: &str = "projects/p/locations/global/keyRings/r/cryptoKeys/other";
/// A well-formed key name that no key ring here holds.
pub const UNKNOWN_KEY: &str = "projects/p/locations/global/keyRings/r/cryptoKeys/unknown";
pub const BUCKET: &str = "my-bucket";
pub const CERT_BUCKET: &str = "certs-bkt";
/// A well-formed bucket name that no store here holds.
pub const UNKNOWN_BUCKET: &str = "no-such-bucket";

/// Every secret a harness plants starts with this: no error may ever show it. Alphanumeric,
/// so Debug's escaping cannot hide it.
pub const CANARY: &str = "CANARYq7Zx";

/// One current-thread runtime with every driver, built once per process: building one per
/// input would cost more than the load it runs.
pub fn block_on<F: Future>(future: F) -> F::Output {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a current-thread runtime builds")
        })
        .block_on(future)
}

// The berglas parsers are crate-private in secrets-runtime: their source is compiled here with
// the crate-root names it refers to (`crate::BackendError`, ...), and checked by the same
// properties as `tests/berglas_fuzz_regressions.rs`.
use secrets_runtime::{BackendError, ErrorKind, SecretBytes};
#[path = "../../secrets-runtime/src/aead.rs"]
mod aead;
#[path = "../../tests/berglas/props.rs"]
mod berglas_props;
// `open_with` (the bundle's entry) is the runtime's, not the targets'.
#[allow(dead_code)]
#[path = "../../secrets-runtime/src/kinds/berglas/envelope.rs"]
mod envelope;
#[path = "../../secrets-runtime/src/kinds/berglas/reference.rs"]
mod reference;
pub use berglas_props::{Edit, check_body, check_envelope, check_reference};

// The oracle lives with the test suite, which runs it on every `cargo test`; the targets
// share the same file.
mod ciphertext;
mod text;
pub use ciphertext::{CipherEdit, CipherVar, Layout, reference_decode};
pub use text::Text;

#[path = "../../tests/common/oracle.rs"]
mod oracle;
pub use oracle::*;

/// What every failed load must satisfy: it names at least one field, once each, in
/// declaration order; each with a non-empty source and message; and nothing it shows holds a
/// planted secret, but for `names` (names an error may quote, such as a JSON key written
/// twice: names are configuration, not values).
pub fn check_error(err: &Error, target: &str, declared: &[&str], names: &[&str]) {
    assert_eq!(err.target(), target);
    assert!(!err.fields().is_empty(), "a failed load names no field");
    let mut last = None;
    for failure in err.fields() {
        let at = declared
            .iter()
            .position(|name| *name == failure.field())
            .unwrap_or_else(|| panic!("unknown field {}", failure.field()));
        assert!(
            last.is_none_or(|last| at > last),
            "fields out of order or repeated: {err}"
        );
        last = Some(at);
        assert!(
            !failure.origin().is_empty(),
            "field {} has an empty source: {err:?}",
            failure.field()
        );
        assert!(
            !failure.message().is_empty(),
            "field {} has an empty message: {err:?}",
            failure.field()
        );
    }
    let shown = format!("{err} {err:?} {err:#?}");
    // `FUZZ_SHOW=1`: print every error, to pick corpus inputs that reach rare messages.
    if std::env::var_os("FUZZ_SHOW").is_some() {
        eprintln!("FUZZ_SHOW {err}");
    }
    let unnamed = |mut text: String| {
        for name in names {
            // As `{:?}` writes it inside a longer string: without its quotes.
            let debug = format!("{name:?}");
            text = text.replace(&debug[1..debug.len() - 1], "");
            text = text.replace(name, "");
        }
        text
    };
    assert_no_canary(&unnamed(shown));
    for failure in err.fields() {
        assert_no_canary(&unnamed(format!(
            "{failure} {failure:?} {}",
            failure.message()
        )));
    }
}

/// Panics if `shown` holds the canary, or the base64 of its first 9 bytes (where base64 of a
/// planted secret would start).
pub fn assert_no_canary(shown: &str) {
    assert!(
        !shown.contains(CANARY),
        "a planted secret is shown: {shown}"
    );
    let encoded = BASE64_STANDARD.encode(&CANARY.as_bytes()[..9]);
    assert!(
        !shown.contains(&encoded),
        "a planted secret's base64 is shown: {shown}"
    );
}

/// `CANARY` followed by `rest`: a secret no error may show.
pub fn planted(rest: &[u8]) -> Vec<u8> {
    let mut secret = CANARY.as_bytes().to_vec();
    secret.extend_from_slice(rest);
    secret
}
