//! GET/HEAD of an object under a distribution: freshness (TTL,
//! revalidation, stale-if-error), the client's conditionals and Range
//! answered from cached metadata, and a body streamed slice by slice from
//! the cache tiers or the fill in flight. Every response says HIT, MISS or
//! STALE. Never talks to the origin directly: it is handed the cache, the
//! fetch layer and the metrics, not the origin client.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use http::request::Parts;
use http::{HeaderValue, Method, Response, StatusCode, header};
use http_body::Frame;
use http_body_util::{BodyExt, BodyStream, StreamBody};

use crate::cache::Cache;
use crate::cache::Tier;
use crate::cache::freshness::{self, Precondition};
use crate::cache::meta::ObjectMeta;
use crate::config::Distribution;
use crate::error::EdgeError;
use crate::fetch::flight::{Interest, SharedResult};
use crate::fetch::{Fetcher, MetaOutcome};
use crate::range::{self, Span};
use crate::respond::{self, BoxError, CacheStatus, EdgeBody, Forwarded};
use gureum_common::headers::VERSION_ID;

/// What the cache path uses.
pub struct Ctx<'a> {
    /// The cache tiers.
    pub cache: &'a Cache,
    /// The fetch layer (the only way to the origin from here).
    pub fetcher: &'a Arc<Fetcher>,
    /// Counters.
    pub metrics: &'a crate::metrics::Metrics,
}

/// Serves `bucket/key` under distribution `dist`.
pub async fn object(
    ctx: &Ctx<'_>,
    parts: &Parts,
    dist: &Distribution,
    bucket: &str,
    key: &str,
) -> Response<EdgeBody> {
    let head = parts.method == Method::HEAD;
    let resource = parts.uri.path();
    let fail = |err: &EdgeError, status: CacheStatus| {
        let resp = respond::error(err, resource, head);
        if let EdgeError::InvalidArgument(_) | EdgeError::InvalidRange { .. } = err {
            // Refused here, not by the origin.
            return respond::refused(resp, status, "refused", ctx.metrics);
        }
        let note = Forwarded::of(status, resp.status());
        respond::finish_noted(resp, status, None, &note, ctx.metrics)
    };
    // A Range the origin would refuse is refused before anything else,
    // as the origin parses it before looking at the object.
    let raw_range = parts.headers.get(header::RANGE);
    if let Some(raw) = raw_range
        && raw.to_str().map_or(true, |r| {
            range::resolve(Some(r), u64::MAX) == Span::Malformed
        })
    {
        let shown = String::from_utf8_lossy(raw.as_bytes()).into_owned();
        let err = EdgeError::InvalidArgument(format!("invalid header: range: {shown:?}").into());
        return fail(&err, CacheStatus::Miss);
    }
    // Metadata: fresh, revalidated, stale-if-error, or loaded.
    let mut stale_cause = None;
    // Set when a miss answers from the origin's HEAD before the block
    // hashes are in: the body waits for the load to finish.
    let mut pending = None;
    let ttl = dist.ttl_for(key);
    // What `Cache-Status` reports beyond X-Cache.
    let mut note = Forwarded::default();
    let (outcome, mut status) = match ctx.cache.lookup(bucket, key) {
        Some(m) if freshness::is_fresh(&m, ttl) => (MetaOutcome::Cached(m), CacheStatus::Hit),
        Some(m) => match ctx.fetcher.revalidate(&m).await {
            Ok(MetaOutcome::Cached(n)) if Arc::ptr_eq(&n, &m) => {
                // Still current at the origin (304 or the same version).
                note.reason = Some("stale");
                note.status = Some(304);
                note.stored = true;
                (MetaOutcome::Cached(n), CacheStatus::Hit)
            }
            Ok(other) => {
                note.reason = Some("stale");
                note.status = Some(200);
                note.stored = matches!(other, MetaOutcome::Cached(_));
                (other, CacheStatus::Miss)
            }
            Err(e) if e.allows_stale() => {
                tracing::info!(bucket, key, err = %e, "origin failing; serving stale");
                note.reason = Some("stale");
                note.detail = Some("stale-if-error");
                if let EdgeError::OriginStatus { status, .. } = &e {
                    note.status = Some(status.as_u16());
                }
                stale_cause = Some(e);
                (MetaOutcome::Cached(m), CacheStatus::Stale)
            }
            Err(e) => return fail(&e, CacheStatus::Miss),
        },
        None => {
            let loading = ctx.fetcher.start_load(bucket, key);
            note.reason = Some("uri-miss");
            note.status = Some(200);
            note.collapsed = loading.joined;
            let shown = match loading.done.peek() {
                // Joined a load that already finished: use its outcome.
                Some(_) => None,
                None => loading
                    .early
                    .clone()
                    .await
                    .and_then(|h| ObjectMeta::provisional(bucket, key, &h)),
            };
            match shown {
                Some(shown) => {
                    // Headers that allow storing: the load in flight
                    // stores it.
                    note.stored = true;
                    pending = Some(loading.done);
                    (MetaOutcome::Uncached(Arc::new(shown)), CacheStatus::Miss)
                }
                None => match loading.done.await {
                    Ok(o) => (o, CacheStatus::Miss),
                    Err(e) => return fail(&e, CacheStatus::Miss),
                },
            }
        }
    };
    if matches!(outcome, MetaOutcome::Cached(_)) && status == CacheStatus::Miss {
        note.stored = true;
    }
    let meta = match outcome {
        MetaOutcome::Cached(m) | MetaOutcome::Uncached(m) => m,
        MetaOutcome::Pass(why) => {
            tracing::debug!(bucket, key, ?why, "not cacheable; streaming from origin");
            return pass(ctx, parts, bucket, key).await;
        }
        MetaOutcome::NotFound => {
            let resp = respond::error(&EdgeError::NoSuchKey, resource, head);
            note.status = Some(404);
            note.stored = false;
            return respond::finish_noted(resp, status, None, &note, ctx.metrics);
        }
    };
    if matches!(status, CacheStatus::Hit | CacheStatus::Stale) || note.stored {
        // Whole seconds, rounded down: a copy 0.3 s past its lifetime is
        // already stale (ttl=-1), never "ttl=0".
        let ms = |d: Duration| i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
        let left = ms(freshness::lifetime(&meta, ttl)).saturating_sub(ms(meta.age()));
        note.ttl = Some(left.div_euclid(1000));
    }
    let age =
        matches!(status, CacheStatus::Hit | CacheStatus::Stale).then(|| freshness::age_secs(&meta));
    match freshness::evaluate(&parts.headers, &meta) {
        Some(Precondition::NotModified) => {
            let mut resp = Response::new(respond::empty());
            *resp.status_mut() = StatusCode::NOT_MODIFIED;
            validators(&meta, resp.headers_mut());
            return respond::finish_noted(resp, status, age, &note, ctx.metrics);
        }
        Some(Precondition::Failed) => {
            let err = EdgeError::OriginStatus {
                status: StatusCode::PRECONDITION_FAILED,
                content_type: None,
                body: Bytes::from(crate::error::error_xml(
                    "PreconditionFailed",
                    "At least one of the pre-conditions you specified did not hold",
                    resource,
                )),
            };
            return fail(&err, status);
        }
        None => {}
    }
    let range_header = parts
        .headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .filter(|_| freshness::if_range_matches(&parts.headers, &meta));
    let (start, end, partial) = match range::resolve(range_header, meta.size) {
        Span::Whole => (0, meta.size.saturating_sub(1), false),
        Span::Part { start, end } => (start, end, true),
        Span::Unsatisfiable => {
            return fail(&EdgeError::InvalidRange { size: meta.size }, status);
        }
        // Refused above; kept for completeness of the match.
        Span::Malformed => {
            let err = EdgeError::InvalidArgument("invalid header: range".into());
            return fail(&err, status);
        }
    };
    let has_body = !head && meta.size > 0;
    if has_body && status != CacheStatus::Miss {
        let (first, last) = slice_span(&meta, start, end);
        if !(first..=last).all(|i| ctx.cache.has_slice(&meta, i)) {
            if let Some(cause) = stale_cause {
                // Stale metadata is no use without the bytes.
                return fail(&cause, CacheStatus::Miss);
            }
            status = CacheStatus::Miss;
            // The object is known but these bytes are not cached (yet):
            // evicted, or still being filled for another viewer.
            note.reason = Some("miss");
            note.status = Some(200);
            note.stored = true;
            note.collapsed = ctx.fetcher.flights.in_flight(&meta, first);
        }
    }
    let body = if has_body {
        let (first, last) = slice_span(&meta, start, end);
        let mut interest = None;
        if let Some(done) = pending {
            pending_body(Arc::clone(ctx.fetcher), meta.clone(), done, (start, end))
        } else if status == CacheStatus::Miss {
            // A miss answers as soon as the metadata is in (one origin
            // round trip), so a player starts without waiting for a whole
            // slice; a fill that breaks later breaks this response, never
            // ends it short as if complete.
            slice_body(
                Arc::clone(ctx.fetcher),
                meta.clone(),
                (start, end),
                None,
                None,
            )
        } else {
            // Cached metadata: the first slice comes before the headers, so
            // a slice that cannot be had after all gets a clean 502/504.
            match ctx.fetcher.slice(&meta, first, last, &mut interest).await {
                Ok(head_slice) => slice_body(
                    Arc::clone(ctx.fetcher),
                    meta.clone(),
                    (start, end),
                    Some(head_slice),
                    interest,
                ),
                Err(e) => return fail(&e, status),
            }
        }
    } else {
        respond::empty()
    };
    let mut resp = Response::new(body);
    let h = resp.headers_mut();
    meta.headers.apply(h);
    validators(&meta, h);
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    let len = if meta.size == 0 { 0 } else { end - start + 1 };
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    if let Ok(v) = HeaderValue::from_str(&meta.id.version_id) {
        h.insert(VERSION_ID, v);
    }
    if partial {
        if let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{end}/{}", meta.size)) {
            h.insert(header::CONTENT_RANGE, v);
        }
        *resp.status_mut() = StatusCode::PARTIAL_CONTENT;
    }
    respond::finish_noted(resp, status, age, &note, ctx.metrics)
}

fn validators(meta: &ObjectMeta, h: &mut http::HeaderMap) {
    if let Ok(v) = HeaderValue::from_str(&meta.quoted_etag()) {
        h.insert(header::ETAG, v);
    }
    for (name, value) in [
        (header::LAST_MODIFIED, &meta.headers.last_modified),
        (header::CACHE_CONTROL, &meta.headers.cache_control),
        (header::EXPIRES, &meta.headers.expires),
    ] {
        if let Some(v) = value.as_deref().and_then(|v| HeaderValue::from_str(v).ok()) {
            h.insert(name, v);
        }
    }
}

/// Slices covering bytes `start..=end`.
fn slice_span(meta: &ObjectMeta, start: u64, end: u64) -> (u32, u32) {
    (
        (start / meta.slice_size) as u32,
        (end / meta.slice_size) as u32,
    )
}

struct BodyState {
    fetcher: Arc<Fetcher>,
    meta: Arc<ObjectMeta>,
    /// The first slice, when it was fetched before the headers went out.
    ready: Option<(Bytes, Tier)>,
    next: u32,
    last: u32,
    start: u64,
    end: u64,
    /// Keeps the fill this body reads from going between slices.
    interest: Option<Interest>,
}

/// Bytes `start..=end` of `meta`, slice by slice. A slice that cannot be
/// had ends the stream with an error, which breaks the response instead
/// of ending it short.
fn slice_body(
    fetcher: Arc<Fetcher>,
    meta: Arc<ObjectMeta>,
    (start, end): (u64, u64),
    first_slice: Option<(Bytes, Tier)>,
    interest: Option<Interest>,
) -> EdgeBody {
    let (first, last) = slice_span(&meta, start, end);
    let state = BodyState {
        fetcher,
        meta,
        ready: first_slice,
        next: first,
        last,
        start,
        end,
        interest,
    };
    let stream = futures::stream::unfold(state, |mut st| async move {
        if st.next > st.last {
            return None;
        }
        let i = st.next;
        st.next += 1;
        let got = match st.ready.take() {
            Some(ready) => Ok(ready),
            None => {
                st.fetcher
                    .slice(&st.meta, i, st.last, &mut st.interest)
                    .await
            }
        };
        let item = match got {
            Ok((bytes, tier)) => {
                let s0 = st.meta.slice_start(i);
                let lo = (st.start.max(s0) - s0) as usize;
                let hi = ((st.end + 1).min(s0 + bytes.len() as u64) - s0) as usize;
                if lo > hi || hi > bytes.len() {
                    Err(EdgeError::internal(format!(
                        "slice {i} has {} bytes",
                        bytes.len()
                    )))
                } else {
                    st.fetcher
                        .metrics
                        .served_bytes
                        .with_label_values(&[tier.as_str()])
                        .inc_by((hi - lo) as u64);
                    Ok(bytes.slice(lo..hi))
                }
            }
            Err(e) => Err(e),
        };
        if let Err(e) = &item {
            tracing::warn!(bucket = %st.meta.id.bucket, key = %st.meta.id.key, slice = i,
                err = %e, "aborting response body");
            st.next = st.last + 1;
        }
        Some((item, st))
    });
    StreamBody::new(stream.map(|r| r.map(Frame::data).map_err(|e| Box::new(e) as BoxError)))
        .boxed_unsync()
}

/// Body of a miss answered from the origin's HEAD (`shown`): waits for the
/// metadata load, then streams the slices of that same version, or the
/// origin's bytes of it when it turned out uncacheable. Any other outcome
/// (the object changed or vanished meanwhile) breaks the response.
fn pending_body(
    fetcher: Arc<Fetcher>,
    shown: Arc<ObjectMeta>,
    done: SharedResult<MetaOutcome>,
    span: (u64, u64),
) -> EdgeBody {
    let body = futures::stream::once(async move {
        let body = match done.await {
            Ok(MetaOutcome::Cached(m) | MetaOutcome::Uncached(m)) if m.same_version(&shown) => {
                Ok(slice_body(fetcher, m, span, None, None))
            }
            Ok(MetaOutcome::Pass(_)) => fetcher.pass_span(&shown, span).await,
            Ok(_) => Err(EdgeError::VersionChanged),
            Err(e) => Err(e),
        };
        let body = body.unwrap_or_else(|e| {
            tracing::warn!(bucket = %shown.id.bucket, key = %shown.id.key, err = %e,
                "aborting response body");
            let failed = futures::stream::once(async move { Err(Box::new(e) as BoxError) });
            StreamBody::new(failed).boxed_unsync()
        });
        BodyStream::new(body)
    })
    .flatten();
    StreamBody::new(body).boxed_unsync()
}

/// Streams an uncacheable object from the origin (X-Cache: MISS).
async fn pass(ctx: &Ctx<'_>, parts: &Parts, bucket: &str, key: &str) -> Response<EdgeBody> {
    let head = parts.method == Method::HEAD;
    match ctx
        .fetcher
        .pass(parts.method.clone(), bucket, key, &parts.headers)
        .await
    {
        Ok(resp) => {
            let (mut p, body) = resp.into_parts();
            respond::strip_hop_by_hop(&mut p.headers);
            let body = body.map_err(|e| Box::new(e) as BoxError).boxed_unsync();
            respond::finish(
                Response::from_parts(p, body),
                CacheStatus::Miss,
                None,
                ctx.metrics,
            )
        }
        Err(e) => respond::finish(
            respond::error(&e, parts.uri.path(), head),
            CacheStatus::Miss,
            None,
            ctx.metrics,
        ),
    }
}
