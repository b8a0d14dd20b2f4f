//! Relaying one request to an upstream server and its reply back, bodies buffered: what the
//! proxies in front of an emulator ([`GcsProxy`](crate::GcsProxy),
//! [`AwsProxy`](crate::AwsProxy)) do with every request they do not answer themselves.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{HOST, HeaderMap, HeaderName};
use hyper::{Request, Response, Uri};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;

/// The client a proxy forwards with.
pub(crate) type Upstream = Client<HttpConnector, Full<Bytes>>;

/// `request` with its body read whole, so a proxy can look at it before forwarding it.
pub(crate) async fn buffered(request: Request<Incoming>) -> Result<Request<Bytes>, String> {
    let (parts, body) = request.into_parts();
    let body = body
        .collect()
        .await
        .map_err(|e| format!("reading the request body: {e}"))?
        .to_bytes();
    Ok(Request::from_parts(parts, body))
}

/// Sends `request` to `upstream` (`http://host:port`) with the body buffered, and buffers the
/// reply: bodies in tests are small, a buffered body gets a plain `content-length` on the way
/// back, and the caller may rewrite it.
pub(crate) async fn forward(
    client: &Upstream,
    upstream: &str,
    request: Request<Incoming>,
) -> Result<Response<Bytes>, String> {
    forward_buffered(client, upstream, buffered(request).await?).await
}

/// [`forward`] for a request already read whole.
pub(crate) async fn forward_buffered(
    client: &Upstream,
    upstream: &str,
    request: Request<Bytes>,
) -> Result<Response<Bytes>, String> {
    let (parts, body) = request.into_parts();
    let path_and_query = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
    let uri: Uri = format!("{upstream}{path_and_query}")
        .parse()
        .map_err(|e| format!("bad upstream URL: {e}"))?;
    let mut forwarded = Request::new(Full::new(body));
    *forwarded.method_mut() = parts.method;
    *forwarded.uri_mut() = uri;
    *forwarded.headers_mut() = end_to_end(parts.headers);
    // The client sets `host` from the URI: the proxy's own host would be wrong upstream.
    forwarded.headers_mut().remove(HOST);

    let reply = client
        .request(forwarded)
        .await
        .map_err(|e| format!("upstream {upstream} unreachable: {e}"))?;
    let (parts, body) = reply.into_parts();
    let body = body
        .collect()
        .await
        .map_err(|e| format!("reading the upstream body: {e}"))?
        .to_bytes();
    let mut relayed = Response::new(body);
    *relayed.status_mut() = parts.status;
    *relayed.headers_mut() = end_to_end(parts.headers);
    Ok(relayed)
}

/// `headers` without the hop-by-hop ones (RFC 9110 §7.6.1), which describe one connection and
/// must not be relayed; `transfer-encoding` goes too since bodies are re-sent whole.
pub(crate) fn end_to_end(mut headers: HeaderMap) -> HeaderMap {
    // Headers named in `connection` are hop-by-hop as well.
    let named: Vec<HeaderName> = headers
        .get_all(hyper::header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
        .collect();
    for name in named {
        headers.remove(name);
    }
    for name in [
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    ] {
        headers.remove(name);
    }
    headers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hop_by_hop_headers_are_dropped() {
        let mut headers = HeaderMap::new();
        headers.insert("connection", "keep-alive, x-private".parse().unwrap());
        headers.insert("x-private", "1".parse().unwrap());
        headers.insert("transfer-encoding", "chunked".parse().unwrap());
        headers.insert("x-goog-generation", "42".parse().unwrap());
        headers.insert("x-goog-hash", "crc32c=AAAAAA==".parse().unwrap());
        let kept = end_to_end(headers);
        let names: Vec<&str> = kept.keys().map(HeaderName::as_str).collect();
        assert_eq!(names, ["x-goog-generation", "x-goog-hash"]);
    }
}
