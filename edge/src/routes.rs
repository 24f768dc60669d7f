//! Routing: decides what a request is — health, metrics, admin, an object
//! under a distribution (served from cache), or anything else (falls back
//! to the origin region) — and why. Parses only; serves nothing.

use http::{Method, Uri};
use percent_encoding::percent_decode_str;

use crate::config::Distribution;

/// Why a request went to the fallback instead of the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BypassReason {
    /// Not under any distribution.
    NotDistributed,
    /// Not GET or HEAD (writes go to the origin with the client's auth).
    Method,
    /// A query (listing, sub-resource, response overrides) the cache does
    /// not answer.
    Query,
    /// A path the edge cannot decode; the origin gives the proper error.
    BadPath,
}

impl BypassReason {
    /// Label for logs.
    pub fn as_str(self) -> &'static str {
        match self {
            BypassReason::NotDistributed => "not-distributed",
            BypassReason::Method => "method",
            BypassReason::Query => "query",
            BypassReason::BadPath => "bad-path",
        }
    }
}

/// What a request is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `GET /health/live`.
    Live,
    /// `GET /health/ready`.
    Ready,
    /// `GET /metrics`.
    Metrics,
    /// `/_edge/purge`.
    Purge,
    /// Another `/_edge/...` path.
    AdminUnknown,
    /// GET/HEAD of an object under distribution `dist`.
    Cached {
        /// Index into the distributions.
        dist: usize,
        /// Bucket.
        bucket: String,
        /// Key (decoded).
        key: String,
    },
    /// Everything else.
    Fallback(BypassReason),
}

/// Query parameters a presigned URL carries: the cache may ignore them
/// (a distribution is public by design).
fn ignorable_param(name: &str) -> bool {
    gureum_common::headers::is_amz_query_param(name)
}

/// CloudFront's signing parameters (reserved names: an application may not
/// use them for its own purposes).
fn signing_param(name: &str) -> bool {
    matches!(
        name,
        "Expires" | "Policy" | "Signature" | "Key-Pair-Id" | "Hash-Algorithm"
    )
}

/// Maps requests to routes.
pub struct Router {
    distributions: Vec<Distribution>,
    /// Whether any distribution is private (only then does a fallback
    /// request need a second look).
    any_signed: bool,
}

impl Router {
    /// A router over `distributions`.
    pub fn new(distributions: Vec<Distribution>) -> Router {
        let any_signed = distributions.iter().any(|d| d.signed.is_some());
        Router {
            distributions,
            any_signed,
        }
    }

    /// The private distribution a request that was not routed to the cache
    /// (another method, a query the cache does not answer) still falls
    /// under: CloudFront checks the grant of every request of a private
    /// behaviour, not only the cached ones.
    pub fn signed_for(&self, uri: &Uri) -> Option<&Distribution> {
        if !self.any_signed {
            return None;
        }
        let decoded = percent_decode_str(uri.path()).decode_utf8().ok()?;
        let (bucket, key) = decoded.strip_prefix('/')?.split_once('/')?;
        let d = self.distributions.get(self.find(bucket, key)?)?;
        d.signed.is_some().then_some(d)
    }

    /// Distribution `i`.
    pub fn distribution(&self, i: usize) -> Option<&Distribution> {
        self.distributions.get(i)
    }

    /// The most specific distribution covering (bucket, key).
    pub fn find(&self, bucket: &str, key: &str) -> Option<usize> {
        self.distributions
            .iter()
            .enumerate()
            .filter(|(_, d)| d.bucket == bucket && key.starts_with(d.prefix.as_str()))
            .max_by_key(|(_, d)| d.prefix.len())
            .map(|(i, _)| i)
    }

    /// Classifies one request.
    pub fn route(&self, method: &Method, uri: &Uri) -> Route {
        let path = uri.path();
        let get_like = method == Method::GET || method == Method::HEAD;
        match path {
            "/health/live" if get_like => return Route::Live,
            "/health/ready" if get_like => return Route::Ready,
            "/metrics" if get_like => return Route::Metrics,
            "/_edge/purge" => return Route::Purge,
            _ if path.starts_with("/_edge/") => return Route::AdminUnknown,
            _ => {}
        }
        let Ok(decoded) = percent_decode_str(path).decode_utf8() else {
            return Route::Fallback(BypassReason::BadPath);
        };
        let Some((bucket, key)) = decoded
            .strip_prefix('/')
            .and_then(|p| p.split_once('/'))
            .filter(|(b, k)| !b.is_empty() && !k.is_empty())
        else {
            return Route::Fallback(BypassReason::NotDistributed);
        };
        let Some(dist) = self.find(bucket, key) else {
            return Route::Fallback(BypassReason::NotDistributed);
        };
        if !get_like {
            return Route::Fallback(BypassReason::Method);
        }
        // A private distribution's signing parameters are per viewer: they
        // are checked before the cache and are not part of its key.
        let signed = self.distributions[dist].signed.is_some();
        if let Some(q) = uri.query()
            && form_urlencoded::parse(q.as_bytes())
                .any(|(k, _)| !(ignorable_param(&k) || signed && signing_param(&k)))
        {
            return Route::Fallback(BypassReason::Query);
        }
        Route::Cached {
            dist,
            bucket: bucket.to_string(),
            key: key.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn router() -> Router {
        let d = |bucket: &str, prefix: &str| Distribution {
            bucket: bucket.into(),
            prefix: prefix.into(),
            ttl: Duration::from_secs(60),
            ttl_rules: Vec::new(),
            prewarm: false,
            signed: None,
        };
        Router::new(vec![
            d("media", "video/"),
            d("media", "video/hd/"),
            d("all", ""),
        ])
    }

    fn route(method: Method, uri: &str) -> Route {
        router().route(&method, &uri.parse().expect("uri"))
    }

    #[test]
    fn distributions_and_fallbacks() {
        assert_eq!(
            route(Method::GET, "/media/video/hd/a%20b.mp4"),
            Route::Cached {
                dist: 1,
                bucket: "media".into(),
                key: "video/hd/a b.mp4".into()
            }
        );
        assert!(matches!(
            route(Method::HEAD, "/all/x"),
            Route::Cached { dist: 2, .. }
        ));
        assert_eq!(
            route(Method::GET, "/media/audio/a"),
            Route::Fallback(BypassReason::NotDistributed)
        );
        assert_eq!(
            route(Method::PUT, "/media/video/a"),
            Route::Fallback(BypassReason::Method)
        );
        assert_eq!(
            route(Method::GET, "/media/video/a?tagging"),
            Route::Fallback(BypassReason::Query)
        );
        assert!(matches!(
            route(
                Method::GET,
                "/media/video/a?X-Amz-Signature=abc&X-Amz-Date=1"
            ),
            Route::Cached { .. }
        ));
        assert_eq!(
            route(Method::GET, "/media?list-type=2"),
            Route::Fallback(BypassReason::NotDistributed)
        );
        // Multi-byte characters around byte 6 of a parameter name.
        for q in [
            "abcde%E2%82%AC=1",
            "%E2%82%AC%E2%82%AC=1",
            "x-amz%C3%A9=1",
            "%F0%9F%98%80xx=1",
        ] {
            assert_eq!(
                route(Method::GET, &format!("/media/video/a?{q}")),
                Route::Fallback(BypassReason::Query),
                "{q}"
            );
        }
        assert!(ignorable_param("X-Amz-Expires"));
        assert!(!ignorable_param("x-amz-"));
        assert!(!ignorable_param("abcde\u{20ac}"));
        assert_eq!(route(Method::GET, "/health/live"), Route::Live);
        assert_eq!(route(Method::POST, "/_edge/purge"), Route::Purge);
        assert_eq!(route(Method::GET, "/_edge/x"), Route::AdminUnknown);
    }
}
