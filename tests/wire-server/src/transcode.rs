//! Cloud Storage's decompressive transcoding, which the emulator lacks: an object stored
//! with `Content-Encoding: gzip`, read by a client that did not send `Accept-Encoding: gzip`,
//! is served inflated, still with the stored object's `x-goog-hash` (which covers the
//! compressed bytes), and marked with the headers the official client looks for.
//!
//! <https://cloud.google.com/storage/docs/transcoding>

use std::io::Read;

use bytes::Bytes;
use flate2::read::GzDecoder;
use hyper::Response;
use hyper::header::{CONTENT_ENCODING, CONTENT_LENGTH, HeaderMap, HeaderValue, WARNING};

const STORED_ENCODING: &str = "x-goog-stored-content-encoding";
const TRANSFORMATIONS: &str = "x-guploader-response-body-transformations";

/// Whether a request's `Accept-Encoding` lists gzip, which turns transcoding off.
pub(crate) fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(hyper::header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| coding.trim().split(';').next() == Some("gzip"))
}

/// Inflates a media reply of a gzip-stored object in place, as Cloud Storage serves it to a
/// client that does not accept gzip; any other reply is left alone, and so is a stored body
/// that is not valid gzip (relayed as stored, as the service cannot do better either).
pub(crate) fn transcode(reply: &mut Response<Bytes>) {
    let stored_gzip = reply
        .headers()
        .get(STORED_ENCODING)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"gzip"));
    if !stored_gzip {
        return;
    }
    let mut inflated = Vec::new();
    if GzDecoder::new(reply.body().as_ref())
        .read_to_end(&mut inflated)
        .is_err()
    {
        return;
    }
    let headers = reply.headers_mut();
    headers.remove(CONTENT_ENCODING);
    headers.insert(CONTENT_LENGTH, HeaderValue::from(inflated.len()));
    headers.insert(
        WARNING,
        HeaderValue::from_static("214 UploadServer gunzipped"),
    );
    headers.insert(TRANSFORMATIONS, HeaderValue::from_static("gunzipped"));
    *reply.body_mut() = Bytes::from(inflated);
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use flate2::Compression;
    use flate2::write::GzEncoder;

    use super::*;

    fn gzip(data: &[u8]) -> Bytes {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
        encoder.write_all(data).unwrap();
        Bytes::from(encoder.finish().unwrap())
    }

    fn reply(stored: Option<&'static str>, body: Bytes) -> Response<Bytes> {
        let mut reply = Response::new(body);
        if let Some(stored) = stored {
            let headers = reply.headers_mut();
            headers.insert(STORED_ENCODING, HeaderValue::from_static(stored));
            headers.insert(CONTENT_ENCODING, HeaderValue::from_static(stored));
            headers.insert("x-goog-hash", HeaderValue::from_static("crc32c=AAAAAA=="));
        }
        reply
    }

    #[test]
    fn a_gzip_stored_object_is_served_inflated_and_marked() {
        let mut gz = reply(Some("gzip"), gzip(b"{\"k\":1}"));
        transcode(&mut gz);
        assert_eq!(gz.body().as_ref(), b"{\"k\":1}");
        let headers = gz.headers();
        assert_eq!(headers.get(CONTENT_ENCODING), None);
        assert_eq!(headers[CONTENT_LENGTH], "7");
        assert_eq!(headers[TRANSFORMATIONS], "gunzipped");
        assert_eq!(headers[WARNING], "214 UploadServer gunzipped");
        assert_eq!(
            headers["x-goog-hash"], "crc32c=AAAAAA==",
            "the stored object's"
        );
    }

    #[test]
    fn other_objects_and_broken_gzip_are_left_alone() {
        for mut untouched in [
            reply(None, Bytes::from_static(b"plain")),
            reply(Some("identity"), Bytes::from_static(b"plain")),
            reply(Some("gzip"), Bytes::from_static(b"not gzip")),
        ] {
            let before = untouched.body().clone();
            transcode(&mut untouched);
            assert_eq!(untouched.body(), &before);
            assert_eq!(untouched.headers().get(TRANSFORMATIONS), None);
        }
    }

    #[test]
    fn accept_encoding_is_read_as_a_list() {
        let accepts = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(
                hyper::header::ACCEPT_ENCODING,
                HeaderValue::from_static(value),
            );
            accepts_gzip(&headers)
        };
        assert!(accepts("gzip"));
        assert!(accepts("deflate, gzip;q=0.5"));
        assert!(!accepts("identity"));
        assert!(!accepts("x-gzip-ish"));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }
}
