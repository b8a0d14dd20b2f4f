//! Reading and writing the proto3 JSON fields of KMS requests and replies.
//!
//! Proto3 JSON writes `bytes` as base64 and `int64` (the CRC32C wrappers) as decimal strings;
//! readers must also accept URL-safe base64, missing padding, and int64 as a JSON number.
//! Error messages follow Google's wording but never quote the offending value: it could be a
//! secret.

use base64::Engine;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::{DecodePaddingMode, general_purpose};
use serde_json::Value;

/// Standard alphabet, padding optional.
const STANDARD_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);
/// URL-safe alphabet, padding optional.
const URL_SAFE_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Encodes bytes the way Google's servers do: standard alphabet, padded.
pub(crate) fn encode_bytes(data: &[u8]) -> String {
    general_purpose::STANDARD.encode(data)
}

/// The `bytes` field `json_name` of `body`; absent or `null` reads as empty, as in proto3.
/// `proto_name` is the field's name in error messages.
pub(crate) fn bytes_field(
    body: &Value,
    json_name: &str,
    proto_name: &str,
) -> Result<Vec<u8>, String> {
    match body.get(json_name) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(text)) => STANDARD_LENIENT
            .decode(text)
            .or_else(|_| URL_SAFE_LENIENT.decode(text))
            .map_err(|_| {
                format!("Invalid value at '{proto_name}' (TYPE_BYTES), Base64 decoding failed.")
            }),
        Some(_) => Err(format!(
            "Invalid value at '{proto_name}' (TYPE_BYTES), expected a base64 string."
        )),
    }
}

/// The optional `google.protobuf.Int64Value` field `json_name` of `body`, as a string or a
/// number.
pub(crate) fn int64_field(
    body: &Value,
    json_name: &str,
    proto_name: &str,
) -> Result<Option<i64>, String> {
    let invalid = || format!("Invalid value at '{proto_name}' (TYPE_INT64).");
    match body.get(json_name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => text.trim().parse().map(Some).map_err(|_| invalid()),
        Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(invalid),
        Some(_) => Err(invalid()),
    }
}

/// CRC32C (Castagnoli) of `data`, as the KMS CRC fields carry it.
pub(crate) fn crc32c(data: &[u8]) -> i64 {
    i64::from(crc32c::crc32c(data))
}

/// Checks the optional checksum field `crc_json` (proto name `crc_proto`) against `data`
/// (proto name `data_proto`). Returns whether a checksum was present (and matched).
pub(crate) fn verify_crc(
    body: &Value,
    data: &[u8],
    crc_json: &str,
    crc_proto: &str,
    data_proto: &str,
) -> Result<bool, String> {
    match int64_field(body, crc_json, crc_proto)? {
        None => Ok(false),
        Some(sent) if sent == crc32c(data) => Ok(true),
        Some(_) => Err(format!(
            "The checksum in field {crc_proto} did not match the data in field {data_proto}."
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bytes_accept_both_alphabets_with_or_without_padding() {
        // 0xfb 0xff encodes to "+/8=" (standard) and "-_8=" (URL-safe).
        for text in ["+/8=", "+/8", "-_8=", "-_8"] {
            let body = json!({ "b": text });
            assert_eq!(
                bytes_field(&body, "b", "b").unwrap(),
                [0xfb, 0xff],
                "{text}"
            );
        }
        assert!(bytes_field(&json!({}), "b", "b").unwrap().is_empty());
        assert!(bytes_field(&json!({ "b": "!!" }), "b", "b").is_err());
        assert!(bytes_field(&json!({ "b": 1 }), "b", "b").is_err());
    }

    #[test]
    fn int64_as_string_or_number() {
        assert_eq!(int64_field(&json!({ "c": "42" }), "c", "c"), Ok(Some(42)));
        assert_eq!(int64_field(&json!({ "c": 42 }), "c", "c"), Ok(Some(42)));
        assert_eq!(int64_field(&json!({}), "c", "c"), Ok(None));
        assert!(int64_field(&json!({ "c": "x" }), "c", "c").is_err());
        assert!(int64_field(&json!({ "c": 1.5 }), "c", "c").is_err());
    }

    #[test]
    fn crc_is_castagnoli() {
        // The check value of CRC-32C.
        assert_eq!(crc32c(b"123456789"), 0xE306_9283);
        let body = json!({ "c": crc32c(b"x").to_string() });
        assert_eq!(verify_crc(&body, b"x", "c", "c_crc32c", "c"), Ok(true));
        assert!(verify_crc(&body, b"y", "c", "c_crc32c", "c").is_err());
        assert_eq!(
            verify_crc(&json!({}), b"y", "c", "c_crc32c", "c"),
            Ok(false)
        );
    }
}
