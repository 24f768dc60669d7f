//! Prometheus metrics of the origin (`gureum_origin_*`): requests and
//! latency per S3 operation, bytes in/out, drive health, shard repairs.
//! Owns the registry; must never block a request on rendering.

use std::time::Duration;

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry,
    TextEncoder,
};

use crate::objects::DriveStatus;
use crate::store::StoreMetrics;

/// All origin metrics.
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    drives_online: IntGauge,
    drives_offline: IntGauge,
    /// Certificate reloads by outcome (`ok`, `error`).
    pub tls_reloads: IntCounterVec,
    /// Connection-hygiene limit hits by `limit`.
    limit_hits: IntCounterVec,
    /// Counters handed to the store.
    pub store: StoreMetrics,
}

impl Metrics {
    /// Creates and registers every metric.
    pub fn new() -> Result<Self, prometheus::Error> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "gureum_origin_requests_total",
                "S3 requests by operation and HTTP status",
            ),
            &["op", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "gureum_origin_request_duration_seconds",
                "Time to response headers by S3 operation",
            )
            .buckets(vec![
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                10.0,
            ]),
            &["op"],
        )?;
        let drives_online = IntGauge::new("gureum_origin_drives_online", "Drives online")?;
        let drives_offline =
            IntGauge::new("gureum_origin_drives_offline", "Drives offline or wiped")?;
        let counter = |name: &str, help: &str| -> Result<IntCounter, prometheus::Error> {
            let c = IntCounter::new(name, help)?;
            registry.register(Box::new(c.clone()))?;
            Ok(c)
        };
        let store = StoreMetrics {
            bytes_in: counter(
                "gureum_origin_bytes_in_total",
                "Object bytes received by PUTs",
            )?,
            bytes_out: counter("gureum_origin_bytes_out_total", "Object bytes sent by GETs")?,
            shard_errors: counter(
                "gureum_origin_shard_errors_total",
                "Shard-blocks found missing or corrupt (bitrot) on read",
            )?,
            reconstructed_blocks: counter(
                "gureum_origin_reconstructed_blocks_total",
                "Blocks rebuilt from parity on read",
            )?,
        };
        let tls_reloads = IntCounterVec::new(
            Opts::new(
                "gureum_origin_tls_reloads_total",
                "TLS certificate reloads (SIGHUP or changed files) by outcome",
            ),
            &["outcome"],
        )?;
        registry.register(Box::new(tls_reloads.clone()))?;
        let limit_hits = IntCounterVec::new(
            Opts::new(
                "gureum_origin_limit_hits_total",
                "Requests and connections cut off or refused by a [limits] value, by limit",
            ),
            &["limit"],
        )?;
        registry.register(Box::new(limit_hits.clone()))?;
        for limit in gureum_common::limits::LIMIT_NAMES {
            limit_hits.with_label_values(&[limit]);
        }
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(drives_online.clone()))?;
        registry.register(Box::new(drives_offline.clone()))?;
        Ok(Self {
            registry,
            requests,
            latency,
            drives_online,
            drives_offline,
            tls_reloads,
            limit_hits,
            store,
        })
    }

    /// Counts one limit hit (the listener's and the front's hook).
    pub fn limit_hook(&self) -> gureum_common::limits::LimitHook {
        let hits = self.limit_hits.clone();
        std::sync::Arc::new(move |limit: &'static str| hits.with_label_values(&[limit]).inc())
    }

    /// Records one finished request.
    pub fn observe(&self, op: &str, status: u16, elapsed: Duration) {
        self.requests
            .with_label_values(&[op, &status.to_string()])
            .inc();
        self.latency
            .with_label_values(&[op])
            .observe(elapsed.as_secs_f64());
    }

    /// Prometheus text exposition, drive gauges refreshed first.
    pub fn render(&self, status: DriveStatus) -> String {
        self.drives_online.set(status.online as i64);
        self.drives_offline.set(status.offline as i64);
        let mut buf = Vec::new();
        if let Err(err) = TextEncoder::new().encode(&self.registry.gather(), &mut buf) {
            tracing::error!(%err, "metrics encoding failed");
        }
        String::from_utf8(buf).unwrap_or_default()
    }
}
