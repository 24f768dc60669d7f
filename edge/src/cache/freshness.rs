//! Freshness and validation rules: origin Cache-Control parsing, how long
//! a cached version is fresh (origin s-maxage/max-age first, else the
//! distribution TTL), and the answer to a client's conditional request
//! (If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since) from
//! what is cached. Pure functions: no IO, no clocks except the ones passed.

use std::time::Duration;

use gureum_common::conditions::{Conditions, EtagCond, Outcome, Validators};
use http::HeaderMap;

use super::meta::ObjectMeta;

/// The Cache-Control directives a shared cache acts on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheControl {
    /// `no-store`: never keep a copy.
    pub no_store: bool,
    /// `private`: a shared cache must not keep a copy.
    pub private: bool,
    /// `no-cache`: keep, but revalidate before every use.
    pub no_cache: bool,
    /// `max-age=N`.
    pub max_age: Option<u64>,
    /// `s-maxage=N` (wins over max-age for shared caches).
    pub s_maxage: Option<u64>,
}

impl CacheControl {
    /// Parses a Cache-Control value; unknown directives are ignored.
    pub fn parse(value: &str) -> CacheControl {
        let mut cc = CacheControl::default();
        for part in value.split(',') {
            let part = part.trim();
            let (name, arg) = match part.split_once('=') {
                Some((n, a)) => (n.trim(), Some(a.trim().trim_matches('"'))),
                None => (part, None),
            };
            let secs = || arg.and_then(|a| a.parse::<u64>().ok());
            match name.to_ascii_lowercase().as_str() {
                "no-store" => cc.no_store = true,
                "private" => cc.private = true,
                "no-cache" => cc.no_cache = true,
                "max-age" => cc.max_age = secs(),
                "s-maxage" => cc.s_maxage = secs(),
                _ => {}
            }
        }
        cc
    }

    /// Whether a shared cache may not store the response at all.
    pub fn forbids_storing(&self) -> bool {
        self.no_store || self.private
    }
}

/// How long `meta` stays fresh after a validation.
pub fn lifetime(meta: &ObjectMeta, distribution_ttl: Duration) -> Duration {
    let cc = meta
        .headers
        .cache_control
        .as_deref()
        .map(CacheControl::parse)
        .unwrap_or_default();
    if cc.no_cache {
        return Duration::ZERO;
    }
    match cc.s_maxage.or(cc.max_age) {
        Some(secs) => Duration::from_secs(secs),
        None => distribution_ttl,
    }
}

/// Whether `meta` may be served without asking the origin.
pub fn is_fresh(meta: &ObjectMeta, distribution_ttl: Duration) -> bool {
    meta.age() < lifetime(meta, distribution_ttl)
}

/// The answer to a conditional request, when it is not the full response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precondition {
    /// 304: the client's copy is current.
    NotModified,
    /// 412: If-Match / If-Unmodified-Since failed.
    Failed,
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

/// Evaluates the client's conditional headers against the cached version
/// with the evaluator the origin uses (RFC 9110 section 13.2.2 order).
pub fn evaluate(req: &HeaderMap, meta: &ObjectMeta) -> Option<Precondition> {
    let since = |name: &str| {
        header(req, name)
            .and_then(|v| httpdate::parse_http_date(v).ok())
            .map(unix_secs)
    };
    let c = Conditions {
        if_match: header(req, "if-match").map(EtagCond::List),
        if_none_match: header(req, "if-none-match").map(EtagCond::List),
        if_modified_since: since("if-modified-since"),
        if_unmodified_since: since("if-unmodified-since"),
    };
    let v = Validators {
        etag: &meta.etag,
        last_modified: meta.headers.last_modified_time().map(unix_secs),
    };
    match c.evaluate(&v) {
        Outcome::Proceed => None,
        Outcome::NotModified => Some(Precondition::NotModified),
        Outcome::PreconditionFailed => Some(Precondition::Failed),
    }
}

fn unix_secs(t: std::time::SystemTime) -> i64 {
    match t.duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs() as i64),
    }
}

/// Whether an `If-Range` value still names this version (so the Range
/// applies); an absent header counts as a match.
pub fn if_range_matches(req: &HeaderMap, meta: &ObjectMeta) -> bool {
    let Some(v) = header(req, "if-range") else {
        return true;
    };
    if v.starts_with('"') {
        return v.trim_matches('"') == meta.etag;
    }
    match (
        httpdate::parse_http_date(v).ok(),
        meta.headers.last_modified_time(),
    ) {
        (Some(t), Some(lm)) => t == lm,
        _ => false,
    }
}

/// Seconds for the `Age` header.
pub fn age_secs(meta: &ObjectMeta) -> u64 {
    meta.age().as_secs()
}

#[cfg(test)]
mod tests {
    use super::*;
    use gureum_common::feed::BlockHashes;
    use http::HeaderValue;

    fn meta(cache_control: Option<&'static str>) -> ObjectMeta {
        let mut h = HeaderMap::new();
        h.insert(
            "last-modified",
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        if let Some(cc) = cache_control {
            h.insert("cache-control", HeaderValue::from_static(cc));
        }
        let blocks = BlockHashes {
            bucket: "b".into(),
            key: "k".into(),
            version_id: "v".into(),
            etag: "abc".into(),
            size: 1,
            block_size: 4,
            block_hashes: vec![blake3::hash(b"x").to_hex().to_string()],
        };
        ObjectMeta::from_origin(&h, blocks).expect("cacheable")
    }

    fn req(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn cache_control_cases() {
        let cc = CacheControl::parse("public, s-maxage=60, max-age=\"5\"");
        assert_eq!((cc.s_maxage, cc.max_age), (Some(60), Some(5)));
        assert!(CacheControl::parse("No-Store").forbids_storing());
        assert!(CacheControl::parse("private, max-age=9").forbids_storing());
        assert!(CacheControl::parse("no-cache").no_cache);
    }

    #[test]
    fn lifetime_prefers_origin() {
        let ttl = Duration::from_secs(100);
        assert_eq!(lifetime(&meta(None), ttl), ttl);
        assert_eq!(
            lifetime(&meta(Some("max-age=7")), ttl),
            Duration::from_secs(7)
        );
        assert_eq!(
            lifetime(&meta(Some("max-age=7, s-maxage=9")), ttl),
            Duration::from_secs(9)
        );
        assert_eq!(lifetime(&meta(Some("no-cache")), ttl), Duration::ZERO);
        assert!(is_fresh(&meta(None), ttl));
    }

    #[test]
    fn conditionals() {
        let m = meta(None);
        assert_eq!(
            evaluate(&req(&[("if-none-match", "\"abc\"")]), &m),
            Some(Precondition::NotModified)
        );
        assert_eq!(
            evaluate(&req(&[("if-none-match", "W/\"zzz\", *")]), &m),
            Some(Precondition::NotModified)
        );
        assert_eq!(evaluate(&req(&[("if-none-match", "\"zzz\"")]), &m), None);
        assert_eq!(
            evaluate(&req(&[("if-match", "\"zzz\"")]), &m),
            Some(Precondition::Failed)
        );
        assert_eq!(
            evaluate(
                &req(&[("if-modified-since", "Wed, 21 Oct 2015 07:28:00 GMT")]),
                &m
            ),
            Some(Precondition::NotModified)
        );
        assert_eq!(
            evaluate(
                &req(&[("if-modified-since", "Tue, 20 Oct 2015 07:28:00 GMT")]),
                &m
            ),
            None
        );
        assert_eq!(
            evaluate(
                &req(&[("if-unmodified-since", "Tue, 20 Oct 2015 07:28:00 GMT")]),
                &m
            ),
            Some(Precondition::Failed)
        );
        // If-None-Match wins over If-Modified-Since.
        assert_eq!(
            evaluate(
                &req(&[
                    ("if-none-match", "\"zzz\""),
                    ("if-modified-since", "Wed, 21 Oct 2015 07:28:00 GMT")
                ]),
                &m
            ),
            None
        );
        assert!(if_range_matches(&req(&[("if-range", "\"abc\"")]), &m));
        assert!(!if_range_matches(&req(&[("if-range", "\"old\"")]), &m));
    }
}
