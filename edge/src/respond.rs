//! Response building shared by every handler: the body type, the cache
//! status behind `X-Cache` (and its metric), error documents, and the
//! hop-by-hop header rules of a proxy. Decides nothing about caching.

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Response, StatusCode, header};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Empty, Full};

use crate::error::EdgeError;
use crate::metrics::Metrics;

/// Body of every edge response.
pub type EdgeBody = UnsyncBoxBody<Bytes, BoxError>;

/// Boxed error of streamed bodies (responses to clients and requests to the origin).
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// What the cache did for a request (the `X-Cache` value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheStatus {
    /// Served from cache, fresh.
    Hit,
    /// Fetched (at least partly) from the origin.
    Miss,
    /// Served from cache after the origin failed (stale-if-error).
    Stale,
    /// Not a cached path: fallback to the origin region.
    Bypass,
}

impl CacheStatus {
    /// `X-Cache` header value.
    pub fn header(self) -> &'static str {
        match self {
            CacheStatus::Hit => "HIT",
            CacheStatus::Miss => "MISS",
            CacheStatus::Stale => "STALE",
            CacheStatus::Bypass => "BYPASS",
        }
    }

    /// Metric label.
    pub fn label(self) -> &'static str {
        match self {
            CacheStatus::Hit => "hit",
            CacheStatus::Miss => "miss",
            CacheStatus::Stale => "stale",
            CacheStatus::Bypass => "bypass",
        }
    }
}

/// An empty body.
pub fn empty() -> EdgeBody {
    Empty::<Bytes>::new().map_err(|e| match e {}).boxed_unsync()
}

/// A body of known bytes.
pub fn full(bytes: impl Into<Bytes>) -> EdgeBody {
    Full::new(bytes.into())
        .map_err(|e| match e {})
        .boxed_unsync()
}

/// A small response with a content type.
pub fn text(
    status: StatusCode,
    body: impl Into<Bytes>,
    content_type: &'static str,
) -> Response<EdgeBody> {
    let body = body.into();
    let mut resp = Response::new(full(body));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    resp
}

/// The S3-style error response for `err` (HEAD gets no body).
pub fn error(err: &EdgeError, resource: &str, head: bool) -> Response<EdgeBody> {
    let (body, content_type) = err.body(resource);
    let content_type = match err {
        EdgeError::OriginStatus {
            content_type: Some(ct),
            ..
        } if !body.is_empty() => HeaderValue::from_str(ct).ok(),
        _ => None,
    }
    .unwrap_or(HeaderValue::from_static(content_type));
    let len = body.len();
    let mut resp = Response::new(if head { empty() } else { full(body) });
    *resp.status_mut() = err.status();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, content_type);
    resp.headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    if let EdgeError::InvalidRange { size } = err
        && let Ok(v) = HeaderValue::from_str(&format!("bytes */{size}"))
    {
        resp.headers_mut().insert(header::CONTENT_RANGE, v);
    }
    resp
}

/// Stamps `X-Cache` (and `Age` when given) and counts the request.
pub fn finish(
    mut resp: Response<EdgeBody>,
    status: CacheStatus,
    age: Option<u64>,
    metrics: &Metrics,
) -> Response<EdgeBody> {
    metrics.requests.with_label_values(&[status.label()]).inc();
    let h = resp.headers_mut();
    h.insert("x-cache", HeaderValue::from_static(status.header()));
    if let Some(age) = age {
        h.insert(header::AGE, HeaderValue::from(age));
    }
    resp
}

/// Connection-scoped headers a proxy must not pass on (RFC 9110 7.6.1),
/// plus those named in `Connection`.
pub fn strip_hop_by_hop(h: &mut HeaderMap) {
    let named: Vec<String> = h
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .collect();
    for name in named {
        h.remove(name.as_str());
    }
    for name in [
        "connection",
        "keep-alive",
        "proxy-connection",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    ] {
        h.remove(name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hop_by_hop_headers_go() {
        let mut h = HeaderMap::new();
        h.insert("connection", HeaderValue::from_static("close, x-private"));
        h.insert("x-private", HeaderValue::from_static("1"));
        h.insert("transfer-encoding", HeaderValue::from_static("chunked"));
        h.insert("authorization", HeaderValue::from_static("AWS4..."));
        strip_hop_by_hop(&mut h);
        assert_eq!(h.len(), 1);
        assert!(h.contains_key("authorization"));
    }
}
