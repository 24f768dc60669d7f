//! The fetch layer: everything that goes to the origin on behalf of the
//! cache. Loads and revalidates object metadata (single-flight per key),
//! fills missing slices (single-flight per slice, streamed to every waiter
//! as each verified slice lands), and streams uncacheable objects through.
//! It fills the cache; it never decides what a client is told.

pub mod client;
pub mod fill;
pub mod flight;
pub mod meta;

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderMap, Method, Response, StatusCode};
use hyper::body::Incoming;

use crate::cache::key::NameKey;
use crate::cache::meta::{ObjectMeta, Uncacheable};
use crate::cache::{Cache, PurgeReason, Tier};
use crate::error::EdgeError;
use crate::metrics::Metrics;
use client::{Kind, OriginClient, header_str, object_path};
use flight::{Claim, EarlyGroup, EarlyRun, FillState, Flights, Group, Interest};
use gureum_common::headers::VERSION_ID;

/// Time to the origin's headers when streaming an uncacheable object.
const PASS_TIMEOUT: Duration = Duration::from_secs(30);
/// How often a reader starts over after the job it waited on was abandoned.
const MAX_RECLAIMS: usize = 8;
/// Most slices one fill job claims (one origin GET). Claiming is work per
/// slice done on the reader's first poll, before its headers leave: a
/// whole 512 MiB object claimed at once cost ~1-2 ms of time to first
/// byte. A reader that gets past a run claims the next one.
const MAX_RUN: u32 = 64;

/// What the edge knows about an object after asking the origin.
#[derive(Debug, Clone)]
pub enum MetaOutcome {
    /// Current and cached.
    Cached(Arc<ObjectMeta>),
    /// Verifiable but not installed (purged while it was fetched): serve
    /// this request from it, cache nothing durable.
    Uncached(Arc<ObjectMeta>),
    /// Must not be cached: stream from the origin.
    Pass(Uncacheable),
    /// No such object.
    NotFound,
}

/// The fetch layer.
pub struct Fetcher {
    /// Origin client (private: callers ask the fetch layer, not the origin).
    origin: Arc<OriginClient>,
    /// The cache being filled.
    pub cache: Arc<Cache>,
    /// Slices in flight.
    pub flights: Flights,
    /// Metrics.
    pub metrics: Metrics,
    meta_calls: Group<NameKey, MetaOutcome>,
    loads: EarlyGroup<NameKey, Arc<HeaderMap>, MetaOutcome>,
}

/// A metadata load in flight: the origin's HEAD headers first, then the
/// outcome.
pub type Loading = EarlyRun<Arc<HeaderMap>, MetaOutcome>;

impl Fetcher {
    /// A fetch layer over `origin` filling `cache`.
    pub fn new(origin: Arc<OriginClient>, cache: Arc<Cache>, metrics: Metrics) -> Arc<Fetcher> {
        Arc::new(Fetcher {
            origin,
            cache,
            flights: Flights::default(),
            metrics,
            meta_calls: Group::default(),
            loads: EarlyGroup::default(),
        })
    }

    fn install(&self, fetched: meta::Fetched, started: Instant) -> MetaOutcome {
        match fetched {
            meta::Fetched::Meta(m) => match self.cache.install(*m, started) {
                Ok(m) => MetaOutcome::Cached(m),
                Err(m) => MetaOutcome::Uncached(m),
            },
            meta::Fetched::Pass(why) => MetaOutcome::Pass(why),
            meta::Fetched::NotFound => MetaOutcome::NotFound,
        }
    }

    /// Starts (or joins) loading metadata of an object not in the cache:
    /// one origin round per key however many clients ask at once. The run
    /// publishes the origin's HEAD headers before its outcome.
    pub fn start_load(self: &Arc<Self>, bucket: &str, key: &str) -> Loading {
        let this = Arc::clone(self);
        let (b, k) = (bucket.to_string(), key.to_string());
        let settled = || self.cache.lookup(bucket, key).map(MetaOutcome::Cached);
        self.loads
            .start((b.clone(), k.clone()), settled, move |early| async move {
                let started = Instant::now();
                let fetched = meta::fetch_meta(&this.origin, &b, &k, Some(early)).await?;
                Ok(this.install(fetched, started))
            })
    }

    /// Loads metadata of an object not in the cache (see [`Self::start_load`]).
    pub async fn load(self: &Arc<Self>, bucket: &str, key: &str) -> Result<MetaOutcome, EdgeError> {
        self.start_load(bucket, key).done.await
    }

    /// Asks the origin whether `cached` is still current (If-None-Match);
    /// 304 keeps the cached body. Errors are returned for the caller to
    /// decide on stale-if-error.
    pub async fn revalidate(
        self: &Arc<Self>,
        cached: &Arc<ObjectMeta>,
    ) -> Result<MetaOutcome, EdgeError> {
        let this = Arc::clone(self);
        let cached = Arc::clone(cached);
        let name = (cached.id.bucket.clone(), cached.id.key.clone());
        self.meta_calls
            .run(name, move || async move {
                let started = Instant::now();
                let (b, k) = (&cached.id.bucket, &cached.id.key);
                match meta::head(&this.origin, b, k, Some(cached.quoted_etag())).await? {
                    meta::Head::NotModified => {
                        this.cache.revalidated(&cached);
                        Ok(MetaOutcome::Cached(cached))
                    }
                    meta::Head::Found(h)
                        if header_str(&h, VERSION_ID) == Some(&cached.id.version_id) =>
                    {
                        this.cache.revalidated(&cached);
                        Ok(MetaOutcome::Cached(cached))
                    }
                    meta::Head::Found(_) => {
                        let fetched = meta::fetch_meta(&this.origin, b, k, None).await?;
                        if !matches!(fetched, meta::Fetched::Meta(_)) {
                            this.cache.purge_key(b, k, PurgeReason::Version);
                        }
                        Ok(this.install(fetched, started))
                    }
                    meta::Head::NotFound => {
                        this.cache.purge_key(b, k, PurgeReason::Version);
                        Ok(MetaOutcome::NotFound)
                    }
                }
            })
            .await
    }

    /// Slice `i` of `meta`, from the cache or by joining / starting a fill
    /// of `i..=last`. `interest` keeps the fill the reader depends on going
    /// between slices; the caller holds it for as long as it reads.
    pub async fn slice(
        self: &Arc<Self>,
        meta: &Arc<ObjectMeta>,
        i: u32,
        last: u32,
        interest: &mut Option<Interest>,
    ) -> Result<(Bytes, Tier), EdgeError> {
        for _ in 0..MAX_RECLAIMS {
            if let Some(hit) = self.cache.get_slice(meta, i).await {
                return Ok(hit);
            }
            let cache = &self.cache;
            let run_last = last.min(i.saturating_add(MAX_RUN - 1));
            let rx = match self
                .flights
                .claim(meta, i, run_last, |j| cache.has_slice(meta, j))
            {
                Claim::Join { rx, interest: mine } => {
                    *interest = Some(mine);
                    rx
                }
                Claim::Lead {
                    rx,
                    interest: mine,
                    run,
                } => {
                    *interest = Some(mine);
                    tokio::spawn(fill::run_job(Arc::clone(self), Arc::clone(meta), run));
                    rx
                }
            };
            match flight::wait(rx).await {
                FillState::Ready(b) => return Ok((b, Tier::Origin)),
                FillState::Failed(e) => return Err(e),
                FillState::Abandoned | FillState::Pending => continue,
            }
        }
        Err(EdgeError::internal("slice fill kept being abandoned"))
    }

    /// Origin GET of bytes `start..=end` of exactly the version `meta`
    /// describes (If-Match on its ETag, version id checked); another
    /// version, or none, is [`EdgeError::VersionChanged`]. Counts as an
    /// origin fetch.
    pub(crate) async fn get_span(
        &self,
        meta: &ObjectMeta,
        (start, end): (u64, u64),
        timeout: Duration,
    ) -> Result<Response<Incoming>, EdgeError> {
        self.metrics.origin_fetches.inc();
        let resp = self
            .origin
            .signed(
                Kind::Get,
                Method::GET,
                &object_path(&meta.id.bucket, &meta.id.key),
                &[
                    ("range", format!("bytes={start}-{end}")),
                    // Bytes of another version must never be served as these.
                    ("if-match", meta.quoted_etag()),
                ],
                timeout,
            )
            .await?;
        let status = resp.status();
        let version = header_str(resp.headers(), VERSION_ID);
        if status == StatusCode::PRECONDITION_FAILED
            || status == StatusCode::NOT_FOUND
            || (!meta.id.version_id.is_empty() && version.is_some_and(|v| v != meta.id.version_id))
        {
            return Err(EdgeError::VersionChanged);
        }
        let whole = start == 0 && end + 1 == meta.size;
        if !(status == StatusCode::PARTIAL_CONTENT || (status == StatusCode::OK && whole)) {
            return Err(client::status_error(resp).await);
        }
        Ok(resp)
    }

    /// Bytes `start..=end` of exactly the version `shown` describes (the
    /// headers already sent for it), streamed from the origin uncached.
    pub async fn pass_span(
        &self,
        shown: &ObjectMeta,
        span: (u64, u64),
    ) -> Result<crate::respond::EdgeBody, EdgeError> {
        use http_body_util::BodyExt;
        Ok(self
            .get_span(shown, span, PASS_TIMEOUT)
            .await?
            .into_body()
            .map_err(|e| Box::new(e) as client::BoxError)
            .boxed_unsync())
    }

    /// GET/HEAD of an uncacheable object, signed by the edge, streamed as
    /// the origin sends it (with the client's range and conditionals).
    pub async fn pass(
        &self,
        method: Method,
        bucket: &str,
        key: &str,
        client: &HeaderMap,
    ) -> Result<Response<Incoming>, EdgeError> {
        const FORWARDED: [&str; 6] = [
            "range",
            "if-match",
            "if-none-match",
            "if-modified-since",
            "if-unmodified-since",
            "if-range",
        ];
        let headers: Vec<(&'static str, String)> = FORWARDED
            .iter()
            .filter_map(|n| header_str(client, n).map(|v| (*n, v.to_string())))
            .collect();
        let kind = if method == Method::HEAD {
            Kind::Head
        } else {
            self.metrics.origin_fetches.inc();
            Kind::Get
        };
        self.origin
            .signed(
                kind,
                method,
                &object_path(bucket, key),
                &headers,
                PASS_TIMEOUT,
            )
            .await
    }
}
