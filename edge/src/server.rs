//! Assembling and running the edge: open the cache (rebuilding the disk
//! index), build the fetch layer, bind, announce, start the change-feed
//! followers and pre-warm, serve until a signal. Process wiring only.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;

use crate::app::{Edge, EdgeService};
use crate::cache::Cache;
use crate::config::EdgeConfig;
use crate::fetch::Fetcher;
use crate::fetch::client::OriginClient;
use crate::health::OriginHealth;
use crate::metrics::Metrics;
use crate::routes::Router;
use crate::{feed, prewarm};

/// Runs the edge until SIGINT/SIGTERM.
pub async fn serve(cfg: EdgeConfig) -> anyhow::Result<()> {
    let metrics = Metrics::new().context("metrics registry")?;
    let cache = Cache::open(&cfg.cache, metrics.cache())
        .await
        .with_context(|| format!("cannot open disk cache {}", cfg.cache.disk_dir.display()))?;
    let origin = Arc::new(
        OriginClient::new(cfg.origin.clone(), metrics.clone()).context("[origin] ca_file")?,
    );
    origin.check_tls().await.map_err(anyhow::Error::msg)?;
    let tls = match &cfg.tls {
        None => None,
        Some(files) => {
            let reloads = metrics.tls_reloads.clone();
            let hook = Arc::new(move |outcome: &'static str| {
                reloads.with_label_values(&[outcome]).inc();
            });
            Some(
                gureum_common::tls::listener(files, hook)
                    .context("cannot use the TLS certificate")?,
            )
        }
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let fetcher = Fetcher::new(Arc::clone(&origin), Arc::clone(&cache), metrics.clone());
    let listener = TcpListener::bind(cfg.listen)
        .await
        .with_context(|| format!("cannot listen on {}", cfg.listen))?;
    let addr = listener.local_addr()?;
    let edge = Arc::new(Edge {
        router: Router::new(cfg.distributions.clone()),
        cfg,
        cache,
        fetcher,
        origin,
        metrics,
        origin_health: OriginHealth::default(),
        secure: tls.is_some(),
    });
    let hygiene = gureum_common::server::Hygiene {
        limits: edge.cfg.limits.clone(),
        hook: edge.metrics.limit_hook(),
    };
    feed::start(&edge).await;
    prewarm::spawn(&edge);
    tracing::info!(
        %addr,
        origin = edge.origin.base_url(),
        distributions = edge.cfg.distributions.len(),
        "gureum-edge ready"
    );
    // Scripts and tests wait for this exact line on stdout.
    println!("gureum-edge listening on {scheme}://{addr}");
    std::io::stdout().flush()?;
    gureum_common::server::serve(
        listener,
        EdgeService(edge),
        tls,
        hygiene,
        gureum_common::server::shutdown_signal(),
        Duration::from_secs(10),
    )
    .await;
    tracing::info!("gureum-edge stopped");
    Ok(())
}
