//! Response building shared by every handler: the body type, the cache
//! status behind `X-Cache` (and its metric) and RFC 9211 `Cache-Status`,
//! error documents, and the hop-by-hop header rules of a proxy. Decides
//! nothing about caching.

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

/// Cache name in `Cache-Status` (contract).
pub const CACHE_NAME: &str = "gureum-edge";

/// What the cache did, in RFC 9211 `Cache-Status` terms, beyond the
/// [`CacheStatus`] of `X-Cache`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Forwarded {
    /// `fwd=`: why the origin was asked (`uri-miss`, `miss`, `stale`,
    /// `bypass`); None when it was not.
    pub reason: Option<&'static str>,
    /// `fwd-status=`: the status the origin answered with.
    pub status: Option<u16>,
    /// `stored`: the response was stored in the cache.
    pub stored: bool,
    /// `collapsed`: the request joined a fetch already in flight.
    pub collapsed: bool,
    /// `ttl=`: freshness left, seconds (negative once stale).
    pub ttl: Option<i64>,
    /// `detail=`: more about the answer (`stale-if-error`, `local`).
    pub detail: Option<&'static str>,
}

impl Forwarded {
    /// What `status` alone says, for handlers that know no more.
    pub fn of(status: CacheStatus, resp_status: StatusCode) -> Forwarded {
        match status {
            CacheStatus::Hit => Forwarded::default(),
            CacheStatus::Miss => Forwarded {
                reason: Some("uri-miss"),
                status: Some(resp_status.as_u16()),
                ..Forwarded::default()
            },
            CacheStatus::Stale => Forwarded {
                reason: Some("stale"),
                detail: Some("stale-if-error"),
                ..Forwarded::default()
            },
            CacheStatus::Bypass => Forwarded {
                reason: Some("bypass"),
                status: Some(resp_status.as_u16()),
                ..Forwarded::default()
            },
        }
    }

    /// The `Cache-Status` field value (RFC 9211 section 2).
    pub fn header_value(&self, status: CacheStatus) -> String {
        let mut v = String::from(CACHE_NAME);
        if matches!(status, CacheStatus::Hit | CacheStatus::Stale) && self.reason.is_none() {
            v.push_str("; hit");
        }
        if let Some(r) = self.reason {
            v.push_str("; fwd=");
            v.push_str(r);
        }
        if let Some(s) = self.status {
            v.push_str(&format!("; fwd-status={s}"));
        }
        if self.stored {
            v.push_str("; stored");
        }
        if self.collapsed {
            v.push_str("; collapsed");
        }
        if let Some(t) = self.ttl {
            v.push_str(&format!("; ttl={t}"));
        }
        if let Some(d) = self.detail {
            v.push_str("; detail=");
            v.push_str(d);
        }
        v
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

/// Stamps `X-Cache`, `Cache-Status` (from `status` alone) and `Age` when
/// given, and counts the request.
pub fn finish(
    resp: Response<EdgeBody>,
    status: CacheStatus,
    age: Option<u64>,
    metrics: &Metrics,
) -> Response<EdgeBody> {
    let note = Forwarded::of(status, resp.status());
    finish_noted(resp, status, age, &note, metrics)
}

/// [`finish`] for an answer the edge gave itself without asking the origin
/// (a refusal): `Cache-Status: gureum-edge; detail=<detail>`.
pub fn refused(
    resp: Response<EdgeBody>,
    status: CacheStatus,
    detail: &'static str,
    metrics: &Metrics,
) -> Response<EdgeBody> {
    let note = Forwarded {
        detail: Some(detail),
        ..Forwarded::default()
    };
    finish_noted(resp, status, None, &note, metrics)
}

/// [`finish`] with what the handler knows about the fetch.
pub fn finish_noted(
    mut resp: Response<EdgeBody>,
    status: CacheStatus,
    age: Option<u64>,
    note: &Forwarded,
    metrics: &Metrics,
) -> Response<EdgeBody> {
    metrics.requests.with_label_values(&[status.label()]).inc();
    let h = resp.headers_mut();
    h.insert("x-cache", HeaderValue::from_static(status.header()));
    if let Ok(v) = HeaderValue::from_str(&note.header_value(status)) {
        h.insert("cache-status", v);
    }
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
mod cache_status_tests {
    use super::*;

    #[test]
    fn values() {
        let ok = StatusCode::OK;
        let cases: [(CacheStatus, Forwarded, &str); 6] = [
            (
                CacheStatus::Hit,
                Forwarded {
                    ttl: Some(3590),
                    ..Forwarded::default()
                },
                "gureum-edge; hit; ttl=3590",
            ),
            (
                CacheStatus::Miss,
                Forwarded {
                    stored: true,
                    ttl: Some(3600),
                    ..Forwarded::of(CacheStatus::Miss, ok)
                },
                "gureum-edge; fwd=uri-miss; fwd-status=200; stored; ttl=3600",
            ),
            (
                CacheStatus::Miss,
                Forwarded {
                    collapsed: true,
                    ..Forwarded::of(CacheStatus::Miss, ok)
                },
                "gureum-edge; fwd=uri-miss; fwd-status=200; collapsed",
            ),
            (
                CacheStatus::Stale,
                Forwarded {
                    status: Some(503),
                    ttl: Some(-4),
                    ..Forwarded::of(CacheStatus::Stale, ok)
                },
                "gureum-edge; fwd=stale; fwd-status=503; ttl=-4; detail=stale-if-error",
            ),
            (
                CacheStatus::Bypass,
                Forwarded::of(CacheStatus::Bypass, StatusCode::FORBIDDEN),
                "gureum-edge; fwd=bypass; fwd-status=403",
            ),
            (
                CacheStatus::Bypass,
                Forwarded {
                    detail: Some("local"),
                    ..Forwarded::default()
                },
                "gureum-edge; detail=local",
            ),
        ];
        for (status, note, want) in cases {
            assert_eq!(note.header_value(status), want);
        }
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
