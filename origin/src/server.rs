//! Assembling and running the origin: open store and index, wire the s3s
//! service with auth, bind, announce, serve until a signal. Also the offline
//! `reindex` job. Owns process wiring only; no request logic lives here.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use s3s::service::S3ServiceBuilder;
use tokio::net::TcpListener;

use crate::api::{GureumNames, GureumRoute};
use crate::config::{ServeConfig, StorageConfig};
use crate::http::{Front, OriginService};
use crate::index::Index;
use crate::metrics::Metrics;
use crate::objects::Objects;
use crate::s3::GureumS3;
use crate::s3::access::{RootAuth, RootOnly};
use crate::store::{Store, StoreConfig, StoreMetrics};

/// Root credentials (from the environment).
pub struct RootCredentials {
    /// Access key id.
    pub access_key: String,
    /// Secret key.
    pub secret_key: String,
}

impl RootCredentials {
    /// Reads GUREUM_ROOT_ACCESS_KEY / GUREUM_ROOT_SECRET_KEY.
    pub fn from_env() -> anyhow::Result<Self> {
        let get = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        match (get("GUREUM_ROOT_ACCESS_KEY"), get("GUREUM_ROOT_SECRET_KEY")) {
            (Some(access_key), Some(secret_key)) => Ok(Self {
                access_key,
                secret_key,
            }),
            _ => anyhow::bail!(
                "set GUREUM_ROOT_ACCESS_KEY and GUREUM_ROOT_SECRET_KEY to the root credentials"
            ),
        }
    }
}

fn open_storage(cfg: &StorageConfig, metrics: StoreMetrics) -> anyhow::Result<Objects> {
    let store = Store::open(
        &StoreConfig {
            drives: cfg.drives.clone(),
            parity: cfg.parity,
        },
        metrics,
    )?;
    std::fs::create_dir_all(&cfg.meta_dir)
        .with_context(|| format!("cannot create meta dir {}", cfg.meta_dir.display()))?;
    let index = Index::open(&cfg.meta_dir).map_err(|e| {
        anyhow::anyhow!(
            "cannot open index in {} ({e}); is another gureum-origin using it?",
            cfg.meta_dir.display()
        )
    })?;
    Ok(Objects::new(Arc::new(store), index))
}

/// Runs the server until SIGINT/SIGTERM.
pub async fn serve(cfg: ServeConfig, creds: RootCredentials) -> anyhow::Result<()> {
    let metrics = Arc::new(Metrics::new()?);
    let objects = Arc::new(open_storage(&cfg.storage, metrics.store.clone())?);
    let store = Arc::clone(objects.store());
    let layout = store.layout();
    let mut builder =
        S3ServiceBuilder::new(GureumS3::new(Arc::clone(&objects), cfg.region.clone()));
    builder.set_validation(GureumNames);
    builder.set_route(GureumRoute::new(objects));
    builder.set_auth(RootAuth::new(creds.access_key, creds.secret_key));
    builder.set_access(RootOnly);
    if let Some(domain) = &cfg.domain {
        builder.set_host(
            s3s::host::SingleDomain::new(domain)
                .map_err(|e| anyhow::anyhow!("--domain {domain}: {e}"))?,
        );
    }
    let front = Front {
        s3: builder.build(),
        metrics,
        store,
    };
    let listener = TcpListener::bind(cfg.listen)
        .await
        .with_context(|| format!("cannot listen on {}", cfg.listen))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, data = layout.data, parity = layout.parity, "gureum-origin ready");
    // Scripts and tests wait for this exact line on stdout.
    println!("gureum-origin listening on http://{addr}");
    use std::io::Write;
    std::io::stdout().flush()?;
    gureum_common::server::serve(
        listener,
        OriginService(Arc::new(front)),
        gureum_common::server::shutdown_signal(),
        Duration::from_secs(10),
    )
    .await;
    tracing::info!("gureum-origin stopped");
    Ok(())
}

/// Rebuilds the index from the drives.
pub async fn reindex(cfg: StorageConfig) -> anyhow::Result<()> {
    let objects = open_storage(&cfg, StoreMetrics::default())?;
    let (buckets, keys, unreadable) = objects.reindex().await?;
    println!(
        "reindexed {buckets} buckets, {keys} objects ({unreadable} versions on too few drives skipped)"
    );
    Ok(())
}
