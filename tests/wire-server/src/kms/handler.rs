//! The KMS HTTP+JSON surface: routing `POST /v1/{name}:decrypt` and `:encrypt`, validating
//! requests in the order Cloud KMS does (name shape, permission, existence, checksums), and
//! writing replies the official `google-cloud-kms-v1` client accepts.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::{Method, Request};
use percent_encoding::percent_decode_str;
use serde_json::{Value, json};

use super::State;
use super::fields::{bytes_field, crc32c, encode_bytes, verify_crc};
use super::keyring::{KeyError, is_crypto_key_name};
use crate::metadata::Rejection as TokenRejection;
use crate::reply::{
    self, Canonical, Flavor, INVALID_ARGUMENT, NOT_FOUND, PERMISSION_DENIED, UNAUTHENTICATED,
};
use crate::serve::Outcome;

/// Cloud KMS rejects plaintext over 64 KiB.
const MAX_PLAINTEXT: usize = 64 * 1024;

/// The two RPCs this server implements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rpc {
    Decrypt,
    Encrypt,
}

impl Rpc {
    /// The IAM permission Cloud KMS checks for this RPC.
    fn permission(self) -> &'static str {
        match self {
            Rpc::Decrypt => "cloudkms.cryptoKeyVersions.useToDecrypt",
            Rpc::Encrypt => "cloudkms.cryptoKeyVersions.useToEncrypt",
        }
    }
}

/// Serves one request.
pub(super) async fn handle(state: Arc<State>, request: Request<Incoming>) -> Outcome {
    state.requests.fetch_add(1, Ordering::SeqCst);
    if let Some(tokens) = state.tokens.get() {
        let authorization = request
            .headers()
            .get(hyper::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        if let Err(why) = tokens.check(authorization) {
            return unauthenticated(why).into_outcome();
        }
    }
    let route = route(&request);
    // Counted before faults are drawn: tests count attempts, not successes.
    let is_decrypt = matches!(route, Some((_, Rpc::Decrypt)));
    if is_decrypt {
        state.decrypts.fetch_add(1, Ordering::SeqCst);
    }
    // Drawn on arrival, before the body is read, so that queued faults go to requests in the
    // order they arrive.
    let fate = state.faults.draw();
    // Read even when a fault is coming: `decrypts_with_crc_count` counts attempts, as
    // `decrypt_count` does, and only the body tells whether one carried a checksum.
    let body = match request.into_body().collect().await {
        Ok(collected) => collected.to_bytes(),
        // The client went away while sending: whatever we answer, nobody reads it.
        Err(_) => return invalid("Incomplete request body.").into_outcome(),
    };
    let body = parse_json(&body);
    if is_decrypt && body.as_ref().is_ok_and(carries_ciphertext_crc) {
        state.decrypts_with_crc.fetch_add(1, Ordering::SeqCst);
    }
    if let Some(outcome) = reply::carry_out(fate, Flavor::Aip193).await {
        return outcome;
    }
    let Some((name, rpc)) = route else {
        return Rejection::new(NOT_FOUND, "The requested URL was not found on this server.")
            .into_outcome();
    };
    let result = body.and_then(|body| match rpc {
        Rpc::Decrypt => decrypt(&state, &name, &body),
        Rpc::Encrypt => encrypt(&state, &name, &body),
    });
    match result {
        Ok(value) => Outcome::Reply(reply::json_ok(&value)),
        Err(rejection) => rejection.into_outcome(),
    }
}

/// A request refused with a canonical error.
#[derive(Debug)]
struct Rejection {
    canonical: Canonical,
    message: String,
}

impl Rejection {
    fn new(canonical: Canonical, message: impl Into<String>) -> Rejection {
        Rejection {
            canonical,
            message: message.into(),
        }
    }

    fn into_outcome(self) -> Outcome {
        Outcome::Reply(reply::error(Flavor::Aip193, self.canonical, &self.message))
    }
}

/// Google's 401 for a request without usable credentials, in its words.
fn unauthenticated(why: TokenRejection) -> Rejection {
    let message = match why {
        TokenRejection::Missing => {
            "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential."
        }
        TokenRejection::Unknown | TokenRejection::Expired => {
            "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential."
        }
    };
    Rejection::new(UNAUTHENTICATED, message)
}

/// `POST /v1/{name}:decrypt` or `:encrypt` → the decoded key name and the RPC. The query
/// (`$alt=json;enum-encoding=int` from the official client) does not change the reply.
fn route(request: &Request<Incoming>) -> Option<(String, Rpc)> {
    if request.method() != Method::POST {
        return None;
    }
    let path = request.uri().path().strip_prefix("/v1/")?;
    let (name, verb) = path.rsplit_once(':')?;
    let rpc = match verb {
        "decrypt" => Rpc::Decrypt,
        "encrypt" => Rpc::Encrypt,
        _ => return None,
    };
    let name = percent_decode_str(name).decode_utf8().ok()?.into_owned();
    Some((name, rpc))
}

fn parse_json(body: &[u8]) -> Result<Value, Rejection> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(value @ Value::Object(_)) => Ok(value),
        _ => Err(invalid(
            "Invalid JSON payload received. Expected a JSON object.",
        )),
    }
}

/// Name shape, then permission, then existence: Cloud KMS answers 403 for a key the caller may
/// not use whether or not it exists ("or it may not exist"), so existence is checked last.
fn check_key(state: &State, name: &str, rpc: Rpc) -> Result<(), Rejection> {
    if !is_crypto_key_name(name) {
        return Err(invalid(format!(
            "Resource name [{name}] does not represent a valid CryptoKey: expected \
             projects/*/locations/*/keyRings/*/cryptoKeys/*."
        )));
    }
    if state.is_denied(name) {
        return Err(Rejection::new(
            PERMISSION_DENIED,
            format!(
                "Permission '{}' denied on resource '{name}' (or it may not exist).",
                rpc.permission()
            ),
        ));
    }
    if !state.keys.contains(name) {
        return Err(not_found(name));
    }
    Ok(())
}

fn decrypt(state: &State, name: &str, body: &Value) -> Result<Value, Rejection> {
    check_key(state, name, Rpc::Decrypt)?;
    let ciphertext = bytes_field(body, "ciphertext", "ciphertext").map_err(invalid)?;
    let aad = bytes_field(
        body,
        "additionalAuthenticatedData",
        "additional_authenticated_data",
    )
    .map_err(invalid)?;
    let has_ciphertext_crc = verify_crc(
        body,
        &ciphertext,
        "ciphertextCrc32c",
        "ciphertext_crc32c",
        "ciphertext",
    )
    .map_err(invalid)?;
    if !has_ciphertext_crc && state.require_ciphertext_crc.load(Ordering::SeqCst) {
        // Not a Cloud KMS rule: the message says so, lest a reader look for it in Google's docs.
        return Err(invalid("ciphertext_crc32c is required by this test server"));
    }
    verify_crc(
        body,
        &aad,
        "additionalAuthenticatedDataCrc32c",
        "additional_authenticated_data_crc32c",
        "additional_authenticated_data",
    )
    .map_err(invalid)?;
    let decrypted = state
        .keys
        .decrypt(name, &ciphertext, &aad)
        .map_err(|e| match e {
            KeyError::NotFound => not_found(name),
            KeyError::Invalid => invalid("Decryption failed: the ciphertext is invalid."),
        })?;
    let mut crc = crc32c(&decrypted.plaintext);
    if state.wrong_plaintext_crc.load(Ordering::SeqCst) {
        // Flipping every bit keeps the value a valid u32 and guarantees a mismatch.
        crc ^= 0xFFFF_FFFF;
    }
    let mut reply = json!({
        "plaintext": encode_bytes(&decrypted.plaintext),
        "plaintextCrc32c": crc.to_string(),
        "usedPrimary": decrypted.used_primary,
        "protectionLevel": "SOFTWARE",
    });
    if state.omit_plaintext_crc.load(Ordering::SeqCst)
        && let Some(fields) = reply.as_object_mut()
    {
        fields.remove("plaintextCrc32c");
    }
    Ok(reply)
}

/// Whether a decrypt body carries `ciphertextCrc32c`; `null` reads as absent, as in proto3.
fn carries_ciphertext_crc(body: &Value) -> bool {
    body.get("ciphertextCrc32c")
        .is_some_and(|crc| !crc.is_null())
}

fn encrypt(state: &State, name: &str, body: &Value) -> Result<Value, Rejection> {
    check_key(state, name, Rpc::Encrypt)?;
    let plaintext = bytes_field(body, "plaintext", "plaintext").map_err(invalid)?;
    if plaintext.len() > MAX_PLAINTEXT {
        return Err(invalid(
            "The request's plaintext is larger than the maximum of 65536 bytes.",
        ));
    }
    let aad = bytes_field(
        body,
        "additionalAuthenticatedData",
        "additional_authenticated_data",
    )
    .map_err(invalid)?;
    let verified_plaintext = verify_crc(
        body,
        &plaintext,
        "plaintextCrc32c",
        "plaintext_crc32c",
        "plaintext",
    )
    .map_err(invalid)?;
    let verified_aad = verify_crc(
        body,
        &aad,
        "additionalAuthenticatedDataCrc32c",
        "additional_authenticated_data_crc32c",
        "additional_authenticated_data",
    )
    .map_err(invalid)?;
    let (version, ciphertext) =
        state
            .keys
            .encrypt(name, &plaintext, &aad)
            .map_err(|e| match e {
                KeyError::NotFound => not_found(name),
                KeyError::Invalid => invalid("Encryption failed."),
            })?;
    Ok(json!({
        "name": format!("{name}/cryptoKeyVersions/{version}"),
        "ciphertext": encode_bytes(&ciphertext),
        "ciphertextCrc32c": crc32c(&ciphertext).to_string(),
        "verifiedPlaintextCrc32c": verified_plaintext,
        "verifiedAdditionalAuthenticatedDataCrc32c": verified_aad,
        "protectionLevel": "SOFTWARE",
    }))
}

fn invalid(message: impl Into<String>) -> Rejection {
    Rejection::new(INVALID_ARGUMENT, message)
}

fn not_found(name: &str) -> Rejection {
    Rejection::new(NOT_FOUND, format!("CryptoKey {name} not found."))
}
