//! Prometheus metrics of the edge (`gureum_edge_*`): requests by cache
//! status, origin fetches, bytes per tier, evictions, verification
//! failures, purges, change feed and pre-warm progress. Owns the registry;
//! counting must never block a request.

use prometheus::{Encoder, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry};

/// All edge metrics. Cloning shares the same counters.
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    /// Requests by `cache` = hit | miss | stale | bypass.
    pub requests: IntCounterVec,
    /// Origin GETs of object bytes (fills and pass-through), the figure
    /// single-flight keeps at one per slice.
    pub origin_fetches: IntCounter,
    /// Every origin call by `kind` (get, head, blocks, changes, list, proxy).
    pub origin_requests: IntCounterVec,
    /// Origin calls that failed (unreachable, timeout, 5xx) by `kind`.
    pub origin_errors: IntCounterVec,
    /// Bytes held per `tier` (memory, disk).
    pub cache_bytes: IntGaugeVec,
    /// Slices evicted by budget per `tier`.
    pub evictions: IntCounterVec,
    /// Body bytes sent to clients by where they came from (`tier` = memory,
    /// disk, origin).
    pub served_bytes: IntCounterVec,
    /// Slices whose bytes did not match the origin's block hash (`source` =
    /// origin for fills, disk for corrupted cache files).
    pub verify_failures: IntCounterVec,
    /// Objects dropped from the cache by `reason` (api, feed, reset, version).
    pub purged: IntCounterVec,
    /// Change-feed events applied.
    pub feed_events: IntCounter,
    /// Pre-warm objects by `result` (done, failed).
    pub prewarm_objects: IntCounterVec,
    /// Pre-warm objects listed but not yet pulled.
    pub prewarm_pending: IntGauge,
    /// TLS certificate reloads by `outcome` (ok, error).
    pub tls_reloads: IntCounterVec,
    /// Requests to private distributions by `outcome` (allowed, or the
    /// reason of the refusal: signature-expired, signature-bad, ...).
    pub signed_requests: IntCounterVec,
    /// Connection-hygiene limit hits by `limit`.
    pub limit_hits: IntCounterVec,
}

fn counter_vec(
    registry: &Registry,
    name: &str,
    help: &str,
    labels: &[&str],
) -> Result<IntCounterVec, prometheus::Error> {
    let c = IntCounterVec::new(Opts::new(name, help), labels)?;
    registry.register(Box::new(c.clone()))?;
    Ok(c)
}

impl Metrics {
    /// Creates and registers every metric.
    pub fn new() -> Result<Self, prometheus::Error> {
        let registry = Registry::new();
        let requests = counter_vec(
            &registry,
            "gureum_edge_requests_total",
            "Requests by cache status",
            &["cache"],
        )?;
        // Pre-create the label values so dashboards see zeros, not gaps.
        for status in ["hit", "miss", "stale", "bypass"] {
            requests.with_label_values(&[status]);
        }
        let origin_fetches = IntCounter::new(
            "gureum_edge_origin_fetches_total",
            "Origin GETs of object bytes",
        )?;
        registry.register(Box::new(origin_fetches.clone()))?;
        let origin_requests = counter_vec(
            &registry,
            "gureum_edge_origin_requests_total",
            "Origin calls by kind",
            &["kind"],
        )?;
        let origin_errors = counter_vec(
            &registry,
            "gureum_edge_origin_errors_total",
            "Failed origin calls by kind",
            &["kind"],
        )?;
        let cache_bytes = IntGaugeVec::new(
            Opts::new("gureum_edge_cache_bytes", "Bytes cached per tier"),
            &["tier"],
        )?;
        registry.register(Box::new(cache_bytes.clone()))?;
        let evictions = counter_vec(
            &registry,
            "gureum_edge_cache_evictions_total",
            "Slices evicted by budget per tier",
            &["tier"],
        )?;
        let served_bytes = counter_vec(
            &registry,
            "gureum_edge_served_bytes_total",
            "Body bytes sent by source tier",
            &["tier"],
        )?;
        let verify_failures = counter_vec(
            &registry,
            "gureum_edge_verify_failures_total",
            "Slices that failed blake3 verification",
            &["source"],
        )?;
        for source in ["origin", "disk"] {
            verify_failures.with_label_values(&[source]);
        }
        let purged = counter_vec(
            &registry,
            "gureum_edge_purged_objects_total",
            "Objects dropped from the cache by reason",
            &["reason"],
        )?;
        let feed_events = IntCounter::new(
            "gureum_edge_feed_events_total",
            "Change-feed events applied",
        )?;
        registry.register(Box::new(feed_events.clone()))?;
        let prewarm_objects = counter_vec(
            &registry,
            "gureum_edge_prewarm_objects_total",
            "Pre-warmed objects by result",
            &["result"],
        )?;
        let prewarm_pending = IntGauge::new(
            "gureum_edge_prewarm_pending",
            "Objects listed for pre-warm, not yet pulled",
        )?;
        registry.register(Box::new(prewarm_pending.clone()))?;
        let tls_reloads = counter_vec(
            &registry,
            "gureum_edge_tls_reloads_total",
            "TLS certificate reloads (SIGHUP or changed files) by outcome",
            &["outcome"],
        )?;
        let signed_requests = counter_vec(
            &registry,
            "gureum_edge_signed_requests_total",
            "Requests to private distributions by outcome",
            &["outcome"],
        )?;
        signed_requests.with_label_values(&["allowed"]);
        let limit_hits = counter_vec(
            &registry,
            "gureum_edge_limit_hits_total",
            "Requests and connections cut off or refused by a [limits] value, by limit",
            &["limit"],
        )?;
        for limit in gureum_common::limits::LIMIT_NAMES {
            limit_hits.with_label_values(&[limit]);
        }
        Ok(Metrics {
            limit_hits,
            signed_requests,
            tls_reloads,
            registry,
            requests,
            origin_fetches,
            origin_requests,
            origin_errors,
            cache_bytes,
            evictions,
            served_bytes,
            verify_failures,
            purged,
            feed_events,
            prewarm_objects,
            prewarm_pending,
        })
    }

    /// Counts one limit hit (the listener's and the service's hook).
    pub fn limit_hook(&self) -> gureum_common::limits::LimitHook {
        let hits = self.limit_hits.clone();
        std::sync::Arc::new(move |limit: &'static str| hits.with_label_values(&[limit]).inc())
    }

    /// The cache's share, as the cache wants it.
    pub fn cache(&self) -> crate::cache::CacheMetrics {
        crate::cache::CacheMetrics {
            memory_evictions: self.evictions.with_label_values(&["memory"]),
            disk_evictions: self.evictions.with_label_values(&["disk"]),
            memory_bytes: self.cache_bytes.with_label_values(&["memory"]),
            disk_bytes: self.cache_bytes.with_label_values(&["disk"]),
            disk_verify_failures: self.verify_failures.with_label_values(&["disk"]),
            purged: self.purged.clone(),
        }
    }

    /// Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut buf = Vec::new();
        let encoder = prometheus::TextEncoder::new();
        if let Err(err) = encoder.encode(&self.registry.gather(), &mut buf) {
            tracing::warn!(%err, "metrics encoding failed");
        }
        String::from_utf8_lossy(&buf).into_owned()
    }
}
