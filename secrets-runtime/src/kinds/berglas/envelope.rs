//! berglas's Cloud Storage object format, as berglas v2 writes it (`encryptAndWrite` in
//! `pkg/berglas/writer.go`, `envelopeEncrypt` in `berglas.go`) and reads it (`storageRead` in
//! `read.go`, `envelopeDecrypt`):
//!
//! ```text
//! base64(wrapped data key) ":" base64(nonce(12) || ciphertext || tag(16))
//! ```
//!
//! The data key is a fresh random AES-256 key per write, wrapped by Cloud KMS with the object's
//! name as additional authenticated data; the value is sealed with it by AES-256-GCM, with no
//! associated data. Both parts are Go's `base64.StdEncoding`.

use base64::Engine;
use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::{DecodePaddingMode, general_purpose::STANDARD};
use zeroize::Zeroizing;

use crate::aead::{self, KeyBytes};
use crate::{BackendError, ErrorKind, SecretBytes};

const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;

/// Go's `base64.StdEncoding` as berglas decodes with it: standard alphabet, padding required,
/// and (Go's non-strict mode) non-zero bits after the last byte accepted. The line breaks Go
/// skips are removed before decoding.
const GO_STD_ENCODING: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::RequireCanonical)
        .with_decode_allow_trailing_bits(true),
);

/// A berglas object's body, decoded.
pub(crate) struct Envelope {
    /// The data key as Cloud KMS wrapped it.
    pub(crate) wrapped_dek: Vec<u8>,
    /// `nonce || ciphertext || tag`.
    pub(crate) sealed: Zeroizing<Vec<u8>>,
}

/// Splits a berglas object body on its first `:` (as berglas's `SplitN(data, ":", 2)`) and
/// decodes both parts. Messages never quote the body.
pub(crate) fn split(body: &[u8]) -> Result<Envelope, BackendError> {
    let Some(colon) = body.iter().position(|b| *b == b':') else {
        return Err(invalid(
            "it has no `:` between a wrapped data key and a sealed value",
        ));
    };
    let (wrapped_dek, sealed) = (&body[..colon], &body[colon + 1..]);
    let wrapped_dek = decode(wrapped_dek)
        .ok_or_else(|| invalid("its wrapped data key is not padded standard base64"))?;
    let sealed = Zeroizing::new(
        decode(sealed).ok_or_else(|| invalid("its sealed value is not padded standard base64"))?,
    );
    // berglas would send these to Cloud KMS and fail after; failing first saves the request.
    if wrapped_dek.is_empty() {
        return Err(invalid("its wrapped data key is empty"));
    }
    if sealed.len() < NONCE_LEN + TAG_LEN {
        return Err(invalid(
            "its sealed value is shorter than a nonce and a tag",
        ));
    }
    Ok(Envelope {
        wrapped_dek,
        sealed,
    })
}

/// A body that is not in berglas's format.
fn invalid(why: &str) -> BackendError {
    BackendError::new(ErrorKind::Invalid, why)
}

/// Go's `StdEncoding.DecodeString`, which skips `\r` and `\n` wherever they are.
fn decode(part: &[u8]) -> Option<Vec<u8>> {
    let decoded = if part.iter().any(|b| matches!(b, b'\r' | b'\n')) {
        let joined: Vec<u8> = part
            .iter()
            .copied()
            .filter(|b| !matches!(b, b'\r' | b'\n'))
            .collect();
        GO_STD_ENCODING.decode(joined)
    } else {
        GO_STD_ENCODING.decode(part)
    };
    decoded.ok()
}

/// Opens `nonce || ciphertext || tag` with the 32-byte data key: AES-256-GCM, no associated
/// data. Every failure is [`ErrorKind::Decrypt`].
pub(crate) fn open(dek: &[u8], sealed: &[u8]) -> Result<SecretBytes, BackendError> {
    let dek = data_key(dek)?;
    // No key name and no AAD: `aead` then binds nothing, which is berglas's `nil`.
    aead::open(&dek, "", &[], sealed).map_err(|_| {
        BackendError::new(
            ErrorKind::Decrypt,
            "its sealed value does not open with its data key: it was altered or cut",
        )
    })
}

/// The data key as `aead` takes it. Go's `aes.NewCipher` would also take a 16- or 24-byte key,
/// but berglas only ever makes 32-byte ones.
fn data_key(dek: &[u8]) -> Result<KeyBytes, BackendError> {
    let mut key = KeyBytes::default();
    if dek.len() != key.len() {
        return Err(BackendError::new(
            ErrorKind::Decrypt,
            "its data key, as Cloud KMS unwrapped it, is not 32 bytes long",
        ));
    }
    key.copy_from_slice(dek);
    Ok(key)
}

/// Makes an object body as `berglas create` does: a fresh random data key seals `plaintext`
/// (AES-256-GCM, random nonce, no associated data), and `wrap` returns that key wrapped by the
/// key service. berglas wraps it with Cloud KMS `encrypt`, passing the object's name as
/// additional authenticated data; `wrap` must do the same for a berglas reader to open it.
///
/// The body holds no plaintext: only the wrapped key and the sealed value.
///
/// # Errors
/// Whatever `wrap` returns.
pub fn seal(
    plaintext: &[u8],
    wrap: impl FnOnce(&[u8]) -> Result<Vec<u8>, BackendError>,
) -> Result<String, BackendError> {
    let dek = aead::generate_key();
    let sealed = aead::seal(&dek, "", &[], plaintext);
    let wrapped_dek = wrap(dek.as_slice())?;
    Ok(format!(
        "{}:{}",
        STANDARD.encode(wrapped_dek),
        STANDARD.encode(sealed)
    ))
}

/// Opens an object body as berglas's `envelopeDecrypt` does, the counterpart of [`seal`]:
/// `unwrap` returns the data key as the key service unwraps it (Cloud KMS `decrypt`, with the
/// object's name as additional authenticated data for a berglas object, none for a bundle).
///
/// # Errors
/// [`ErrorKind::Invalid`] for a body not in the format, [`ErrorKind::Decrypt`] when the value
/// does not open, or whatever `unwrap` returns. Messages never quote the body.
pub fn open_with(
    body: &[u8],
    unwrap: impl FnOnce(&[u8]) -> Result<SecretBytes, BackendError>,
) -> Result<SecretBytes, BackendError> {
    let envelope = split(body)?;
    let dek = unwrap(&envelope.wrapped_dek)?;
    open(&dek, &envelope.sealed)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Made by Python's `cryptography` (AESGCM), not by this crate: key `00 01 .. 1f`, nonce
    /// `64 65 .. 6f`, plaintext `berglas interop vector`, wrapped key `wrapped-by-kms`.
    const VECTOR: &str =
        "d3JhcHBlZC1ieS1rbXM=:ZGVmZ2hpamtsbW5vKn6sARWIJb5XDCuNqAoa3TSnZX7kHtYQRJZPOPjJddLvGNgK3ok=";
    const VECTOR_PLAINTEXT: &[u8] = b"berglas interop vector";

    fn vector_key() -> Vec<u8> {
        (0..32).collect()
    }

    fn message(result: Result<impl Sized, BackendError>, kind: ErrorKind) -> String {
        let Err(err) = result else {
            panic!("expected a {kind:?} error")
        };
        assert_eq!(err.kind(), kind, "{}", err.message());
        err.message().to_owned()
    }

    #[test]
    fn opens_an_envelope_made_by_another_implementation() {
        let envelope = split(VECTOR.as_bytes()).unwrap();
        assert_eq!(envelope.wrapped_dek, b"wrapped-by-kms");
        assert_eq!(&envelope.sealed[..12], (100..112).collect::<Vec<u8>>());
        assert_eq!(envelope.sealed.len(), 12 + VECTOR_PLAINTEXT.len() + 16);
        let plaintext = open(&vector_key(), &envelope.sealed).unwrap();
        assert_eq!(plaintext.as_slice(), VECTOR_PLAINTEXT);
        // The public form: `unwrap` is handed the wrapped key, its error passes through.
        let opened = open_with(VECTOR.as_bytes(), |wrapped| {
            assert_eq!(wrapped, b"wrapped-by-kms");
            Ok(Zeroizing::new(vector_key()))
        });
        assert_eq!(opened.unwrap().as_slice(), VECTOR_PLAINTEXT);
        let refused = open_with(VECTOR.as_bytes(), |_| {
            Err(BackendError::new(ErrorKind::PermissionDenied, "no"))
        });
        assert_eq!(message(refused, ErrorKind::PermissionDenied), "no");
    }

    #[test]
    fn sealed_bodies_round_trip_and_carry_what_wrap_returned() {
        for plaintext in [&b""[..], b"s", &[0xff; 1000]] {
            let mut seen = None;
            let body = seal(plaintext, |dek| {
                seen = Some(dek.to_vec());
                Ok(b"wrapped".to_vec())
            })
            .unwrap();
            let dek = seen.expect("wrap was called");
            assert_eq!(dek.len(), 32);
            let (wrapped, sealed) = body.split_once(':').unwrap();
            assert_eq!(wrapped, STANDARD.encode("wrapped"));
            assert_eq!(
                STANDARD.decode(sealed).unwrap().len(),
                12 + plaintext.len() + 16
            );
            let envelope = split(body.as_bytes()).unwrap();
            assert_eq!(envelope.wrapped_dek, b"wrapped");
            assert_eq!(open(&dek, &envelope.sealed).unwrap().as_slice(), plaintext);
        }
    }

    #[test]
    fn each_seal_draws_a_new_key_and_nonce() {
        let mut keys = Vec::new();
        let bodies: Vec<String> = (0..2)
            .map(|_| {
                seal(b"same", |dek| {
                    keys.push(dek.to_vec());
                    Ok(vec![1])
                })
                .unwrap()
            })
            .collect();
        assert_ne!(keys[0], keys[1]);
        assert_ne!(bodies[0], bodies[1]);
    }

    #[test]
    fn a_failed_wrap_is_the_error() {
        let failed = seal(b"x", |_| {
            Err(BackendError::new(ErrorKind::PermissionDenied, "no"))
        });
        assert_eq!(message(failed, ErrorKind::PermissionDenied), "no");
    }

    #[test]
    fn splits_on_the_first_colon_and_skips_line_breaks_as_go_does() {
        let (wrapped, sealed) = VECTOR.split_once(':').unwrap();
        let broken = format!("{}\r\n{}:{}\n", &wrapped[..4], &wrapped[4..], sealed);
        let envelope = split(broken.as_bytes()).unwrap();
        assert_eq!(envelope.wrapped_dek, b"wrapped-by-kms");
        // A second `:` belongs to the sealed part, where it is not base64.
        let message = message(split(format!("{VECTOR}:").as_bytes()), ErrorKind::Invalid);
        assert!(message.contains("sealed value"), "{message}");
    }

    #[test]
    fn accepts_non_zero_trailing_bits_as_go_does() {
        // `d3JhcHBlZC1ieS1rbXM=` ends `XM=`; `XN=` differs only in bits past the last byte.
        let loose = VECTOR.replacen("bXM=", "bXN=", 1);
        assert_eq!(
            split(loose.as_bytes()).unwrap().wrapped_dek,
            b"wrapped-by-kms"
        );
    }

    #[test]
    fn malformed_bodies_are_invalid_and_never_quoted() {
        const SECRET: &str = "Hunter2Pa55w0rdZZ";
        let (wrapped, sealed) = VECTOR.split_once(':').unwrap();
        let cases = [
            (SECRET.to_owned(), "no `:`"),
            (String::new(), "no `:`"),
            (format!("{SECRET}:{sealed}"), "wrapped data key"),
            (format!("{wrapped}:{SECRET}"), "sealed value"),
            // Padding is required, and only the standard alphabet.
            (
                format!("{}:{sealed}", wrapped.trim_end_matches('=')),
                "wrapped data key",
            ),
            (format!("{wrapped}:-{}", &sealed[1..]), "sealed value"),
            (format!(" {wrapped}:{sealed}"), "wrapped data key"),
            (format!(":{sealed}"), "empty"),
            (format!("{wrapped}:"), "shorter than a nonce and a tag"),
            (format!("{wrapped}:{}", STANDARD.encode([0; 27])), "shorter"),
        ];
        for (body, expected) in cases {
            let message = message(split(body.as_bytes()), ErrorKind::Invalid);
            assert!(message.contains(expected), "{body:?}: {message}");
            assert!(!message.contains(SECRET), "{message}");
            assert!(!message.contains(wrapped) && !message.contains(sealed));
        }
    }

    #[test]
    fn a_wrong_key_or_altered_value_is_a_decrypt_error() {
        let envelope = split(VECTOR.as_bytes()).unwrap();
        let mut wrong = vector_key();
        wrong[0] ^= 1;
        let messages = [
            message(open(&wrong, &envelope.sealed), ErrorKind::Decrypt),
            message(
                open(&vector_key()[..16], &envelope.sealed),
                ErrorKind::Decrypt,
            ),
            message(open(&[], &envelope.sealed), ErrorKind::Decrypt),
            message(
                open(&vector_key(), &envelope.sealed[..27]),
                ErrorKind::Decrypt,
            ),
            message(open(&vector_key(), &[]), ErrorKind::Decrypt),
        ];
        for at in [0, 12, envelope.sealed.len() - 1] {
            let mut altered = envelope.sealed.to_vec();
            altered[at] ^= 0x80;
            message(open(&vector_key(), &altered), ErrorKind::Decrypt);
        }
        let plaintext = String::from_utf8_lossy(VECTOR_PLAINTEXT);
        for message in messages {
            assert!(!message.contains(plaintext.as_ref()), "{message}");
        }
    }
}
