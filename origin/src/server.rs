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
use crate::crypto::MasterKey;
use crate::http::{Front, OriginService};
use crate::iam::Iam;
use crate::iam::authorize::Authorizer;
use crate::index::Index;
use crate::metrics::Metrics;
use crate::objects::{LifecycleClock, Objects};
use crate::s3::GureumS3;
use crate::s3::access::{IamAuth, PolicyAccess};
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
    let finished = objects.finish_pending_deletions().await?;
    if finished > 0 {
        tracing::info!(finished, "finished deletions interrupted by a crash");
    }
    let (data, parity) = objects.layout();
    let (key_path, create) = &cfg.master_key;
    let master = MasterKey::load_or_create(key_path, *create)
        .with_context(|| format!("master key {}", key_path.display()))?;
    let iam = Arc::new(
        Iam::open(
            Arc::clone(&objects),
            Arc::new(master),
            creds.access_key,
            creds.secret_key,
        )
        .await
        .context("cannot load the IAM state")?,
    );
    let authz = Arc::new(Authorizer::new(Arc::clone(&iam), Arc::clone(&objects)));
    tokio::spawn(lifecycle_loop(
        Arc::clone(&objects),
        LifecycleTiming::from_env()?,
    ));
    let mut builder = S3ServiceBuilder::new(GureumS3::new(
        Arc::clone(&objects),
        cfg.region.clone(),
        Arc::clone(&authz),
    ));
    builder.set_validation(GureumNames);
    builder.set_route(GureumRoute::new(Arc::clone(&objects), Arc::clone(&authz)));
    builder.set_auth(IamAuth(Arc::clone(&iam)));
    builder.set_access(PolicyAccess::new(authz, cfg.tls.is_some()));
    let domain = match &cfg.domain {
        Some(d) => {
            let parse = || {
                crate::s3::host::DomainHost::new(d)
                    .with_context(|| format!("--domain {d}: not a valid host name"))
            };
            builder.set_host(parse()?);
            Some(parse()?)
        }
        None => None,
    };
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
    let limit_hook = metrics.limit_hook();
    let front = Front {
        s3: builder.build(),
        secure: tls.is_some(),
        limits: cfg.limits.clone(),
        limit_hook: Arc::clone(&limit_hook),
        metrics,
        objects,
        domain,
        iam,
    };
    let listener = TcpListener::bind(cfg.listen)
        .await
        .with_context(|| format!("cannot listen on {}", cfg.listen))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, data, parity, "gureum-origin ready");
    // Scripts and tests wait for this exact line on stdout.
    println!("gureum-origin listening on {scheme}://{addr}");
    use std::io::Write;
    std::io::stdout().flush()?;
    gureum_common::server::serve(
        listener,
        OriginService(Arc::new(front)),
        tls,
        gureum_common::server::Hygiene {
            limits: cfg.limits.clone(),
            hook: limit_hook,
        },
        gureum_common::server::shutdown_signal(),
        Duration::from_secs(10),
    )
    .await;
    tracing::info!("gureum-origin stopped");
    Ok(())
}

/// How often lifecycle rules are applied and how long their "day" is.
/// Both come from the environment so tests can run a day in a second:
/// `GUREUM_LIFECYCLE_INTERVAL_SECS` (default 3600) and
/// `GUREUM_LIFECYCLE_DAY_SECS` (default 86400).
struct LifecycleTiming {
    interval: Duration,
    day: Duration,
}

impl LifecycleTiming {
    fn from_env() -> anyhow::Result<Self> {
        let secs = |name: &str, default: f64| -> anyhow::Result<Duration> {
            match std::env::var(name) {
                Ok(v) => {
                    let s: f64 = v
                        .parse()
                        .ok()
                        .filter(|s: &f64| s.is_finite() && *s > 0.0)
                        .with_context(|| {
                            format!("{name}={v}: expected a positive number of seconds")
                        })?;
                    Ok(Duration::from_secs_f64(s))
                }
                Err(_) => Ok(Duration::from_secs_f64(default)),
            }
        };
        Ok(Self {
            interval: secs("GUREUM_LIFECYCLE_INTERVAL_SECS", 3600.0)?,
            day: secs("GUREUM_LIFECYCLE_DAY_SECS", 86400.0)?,
        })
    }
}

/// Applies lifecycle rules every `interval`, for as long as the server runs.
async fn lifecycle_loop(objects: Arc<Objects>, timing: LifecycleTiming) {
    let mut tick = tokio::time::interval(timing.interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let clock = LifecycleClock {
            now_ms: crate::store::now_ms(),
            day: timing.day,
        };
        match objects.apply_lifecycle(clock).await {
            Ok(r) if r.expired + r.noncurrent_removed + r.uploads_aborted > 0 => {
                tracing::info!(
                    expired = r.expired,
                    noncurrent = r.noncurrent_removed,
                    uploads_aborted = r.uploads_aborted,
                    "lifecycle applied"
                );
            }
            Ok(_) => {}
            Err(err) => tracing::warn!(%err, "lifecycle sweep failed; retrying next interval"),
        }
    }
}

/// Rebuilds the index from the drives.
pub async fn reindex(cfg: StorageConfig) -> anyhow::Result<()> {
    let objects = open_storage(&cfg, StoreMetrics::default())?;
    let (buckets, keys, unreadable) = objects.reindex().await?;
    println!(
        "reindexed {buckets} buckets, {keys} object versions ({unreadable} versions on too few drives skipped)"
    );
    Ok(())
}
