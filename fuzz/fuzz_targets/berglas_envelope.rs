//! berglas object bodies (`base64(wrapped key) ":" base64(nonce || ciphertext || tag)`): any
//! bytes, or a body sealed as `berglas create` seals it around a planted plaintext, then
//! edited (bits flipped, cut, bytes inserted).
//!
//! Besides "no panic": a sealed body splits and opens to its plaintext; an edited one opens to
//! the same plaintext or fails with `Invalid` (split) or `Decrypt` (open) and a fixed message
//! (`tests/berglas/props.rs`).

#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use secrets_runtime_fuzz::{Edit, check_body, check_envelope};

#[derive(Arbitrary, Debug)]
enum Input {
    /// Any bytes as an object body.
    Body(Vec<u8>),
    /// A sealed body around `CANARY + rest`, then these edits.
    Sealed {
        rest: Vec<u8>,
        edits: Vec<EditInput>,
    },
}

#[derive(Arbitrary, Debug)]
enum EditInput {
    Flip(usize, u8),
    Truncate(usize),
    Insert(usize, Vec<u8>),
}

impl EditInput {
    fn edit(&self) -> Edit {
        match self {
            EditInput::Flip(at, bits) => Edit::Flip(*at, *bits),
            EditInput::Truncate(len) => Edit::Truncate(*len),
            EditInput::Insert(at, bytes) => Edit::Insert(*at, bytes.clone()),
        }
    }
}

fuzz_target!(|input: Input| {
    match input {
        Input::Body(body) => {
            // Only a body sealed with the harness's stand-in key service can open.
            let _ = check_body(&body);
        }
        Input::Sealed { rest, edits } => {
            let edits: Vec<Edit> = edits.iter().map(EditInput::edit).collect();
            check_envelope(&rest, &edits);
        }
    }
});
