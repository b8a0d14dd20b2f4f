//! `secrets verify --ciphertext VAR` and `--bundle VAR`: decrypts a `#[kms]` value or a
//! `#[bundle]` bundle as a function would, and says how much it holds (bytes, keys), never
//! what.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use secrets_runtime::berglas;

use crate::backend::Backend;
use crate::input::Secret;

/// Cloud KMS ciphertext, base64, decrypted under `key`: `ok (N bytes)` or why not.
pub fn ciphertext(backend: &Backend, key: &str, value: &str) -> Result<String, String> {
    let plaintext = kms(backend, key, value, "the value")?;
    Ok(format!("ok ({} bytes)", plaintext.len()))
}

/// A bundle, in either form `secrets seal` writes: `ok (K keys)` or why not.
pub fn bundle(backend: &Backend, key: &str, value: &str) -> Result<String, String> {
    let value = value.trim_ascii();
    // The runtime's rule: a `:` marks berglas's envelope, whose data key has no AAD.
    let json = if value.contains(':') {
        berglas::open_with(value.as_bytes(), |wrapped| backend.decrypt(key, wrapped))
            .map_err(|e| format!("the bundle does not open: {}", e.message()))?
    } else {
        kms(backend, key, value, "the bundle")?
    };
    // Parsed as a Value: a typed parse's message could quote what it met.
    let parsed: serde_json::Value = serde_json::from_slice(&json).map_err(|e| {
        format!(
            "the bundle decrypts, but not to JSON (line {}, column {})",
            e.line(),
            e.column()
        )
    })?;
    let serde_json::Value::Object(map) = parsed else {
        return Err("the bundle decrypts, but not to a JSON object".to_owned());
    };
    if let Some(name) = map
        .iter()
        .find_map(|(name, v)| (!v.is_string()).then_some(name))
    {
        return Err(format!(
            "the bundle's `{name}` is not a string: #[bundle] fields read strings"
        ));
    }
    match map.len() {
        1 => Ok("ok (1 key)".to_owned()),
        keys => Ok(format!("ok ({keys} keys)")),
    }
}

fn kms(backend: &Backend, key: &str, value: &str, what: &str) -> Result<Secret, String> {
    let ciphertext = STANDARD
        .decode(value.trim_ascii())
        .map_err(|_| format!("{what} is not base64 (Cloud KMS ciphertext, as `secrets encrypt` or `secrets seal` writes it)"))?;
    backend
        .decrypt(key, &ciphertext)
        .map_err(|e| e.message().to_owned())
}
