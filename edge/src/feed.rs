//! Follows the origin's change feed (`GET /_gureum/changes`) for every
//! distributed bucket and drops a key from the cache the moment it is
//! overwritten or deleted, so nobody waits for a TTL. The position is kept
//! in `<disk_dir>/feed/` so a restarted edge resumes where it stopped;
//! when the origin can no longer tell what was missed (`reset`), the
//! bucket's distributions are purged whole. Never serves clients.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use gureum_common::feed::{ChangeEvent, ChangeOp, ChangesPage};
use gureum_common::s3xml::S3ErrorDoc;
use http::{Method, StatusCode};

use crate::app::Edge;
use crate::cache::PurgeReason;
use crate::fetch::client::{Kind, query_value, read_small};

/// Long-poll length asked of the origin (its maximum is 30 s).
const WAIT_SECS: u64 = 25;
/// Time limit of one poll: the long-poll plus slack.
const POLL_TIMEOUT: Duration = Duration::from_secs(WAIT_SECS + 15);
/// Largest page accepted.
const MAX_PAGE: usize = 32 << 20;
/// How long the start waits for a first position before serving anyway.
const FIRST_POLL_TIMEOUT: Duration = Duration::from_secs(3);
/// Retry delays after a failed poll.
const BACKOFF_MIN: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(5);

/// Starts one follower per distributed bucket. Runs before the edge
/// serves: a bucket without a saved position is purged first, since what
/// is cached for it may have changed while nobody was watching, and takes
/// its position from the origin before the edge serves (when the origin is
/// unreachable then, the bucket is purged again once the feed connects).
pub async fn start(edge: &Arc<Edge>) {
    let buckets: BTreeSet<String> = edge
        .cfg
        .distributions
        .iter()
        .map(|d| d.bucket.clone())
        .collect();
    for bucket in buckets {
        let path = state_path(edge, &bucket);
        let mut since = load_position(&path).await;
        if since.is_none() {
            reset(edge, &bucket);
            // Take a position before serving, so nothing cached from now on
            // can miss its invalidation.
            match tokio::time::timeout(FIRST_POLL_TIMEOUT, poll(edge, &bucket, None)).await {
                Ok(Ok(page)) => {
                    since = Some(page.next);
                    save_position(&path, page.next).await;
                }
                Ok(Err(err)) => tracing::warn!(bucket, %err, "change feed not reachable at start"),
                Err(_) => tracing::warn!(bucket, "change feed not reachable at start (timeout)"),
            }
        }
        tokio::spawn(follow(Arc::clone(edge), bucket, path, since));
    }
}

fn state_path(edge: &Edge, bucket: &str) -> PathBuf {
    edge.cfg
        .cache
        .disk_dir
        .join("feed")
        .join(format!("{}.seq", hex::encode(bucket)))
}

async fn load_position(path: &PathBuf) -> Option<u64> {
    let text = tokio::fs::read_to_string(path).await.ok()?;
    text.trim().parse().ok()
}

async fn save_position(path: &PathBuf, seq: u64) {
    let tmp = path.with_extension("tmp");
    let res = async {
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir).await?;
        }
        tokio::fs::write(&tmp, format!("{seq}\n")).await?;
        tokio::fs::rename(&tmp, path).await
    }
    .await;
    if let Err(err) = res {
        tracing::warn!(path = %path.display(), %err, "cannot save change-feed position");
    }
}

async fn poll(edge: &Edge, bucket: &str, since: Option<u64>) -> Result<ChangesPage, String> {
    let mut target = format!("/_gureum/changes?bucket={}", query_value(bucket));
    if let Some(s) = since {
        target.push_str(&format!("&since={s}&wait={WAIT_SECS}"));
    }
    let resp = edge
        .origin
        .signed(Kind::Changes, Method::GET, &target, &[], POLL_TIMEOUT)
        .await
        .map_err(|e| e.to_string())?;
    let status = resp.status();
    let body = read_small(resp.into_body(), MAX_PAGE, POLL_TIMEOUT)
        .await
        .map_err(|e| e.to_string())?;
    if status != StatusCode::OK {
        let code = S3ErrorDoc::parse(&body).map(|e| e.code).unwrap_or_default();
        return Err(format!("origin answered {status} {code}"));
    }
    serde_json::from_slice(&body).map_err(|e| format!("bad change page: {e}"))
}

fn apply(edge: &Edge, ev: &ChangeEvent) {
    if edge.router.find(&ev.bucket, &ev.key).is_none() {
        return;
    }
    edge.metrics.feed_events.inc();
    if ev.op == ChangeOp::Put
        && edge
            .cache
            .lookup(&ev.bucket, &ev.key)
            .is_some_and(|m| m.id.version_id == ev.version_id)
    {
        // Already holding exactly this version.
        return;
    }
    let n = match ev.op {
        ChangeOp::Put => {
            edge.cache
                .supersede_key(&ev.bucket, &ev.key, &ev.version_id, PurgeReason::Feed)
        }
        _ => edge.cache.purge_key(&ev.bucket, &ev.key, PurgeReason::Feed),
    };
    tracing::debug!(bucket = %ev.bucket, key = %ev.key, op = ?ev.op, seq = ev.seq, dropped = n, "change");
}

fn reset(edge: &Edge, bucket: &str) {
    if edge.cache.is_empty() {
        return;
    }
    let mut dropped = 0;
    for d in edge.cfg.distributions.iter().filter(|d| d.bucket == bucket) {
        dropped += edge
            .cache
            .purge_prefix(bucket, &d.prefix, PurgeReason::Reset);
    }
    tracing::warn!(
        bucket,
        dropped,
        "change feed cannot tell what was missed; purged the bucket's distributions"
    );
}

async fn follow(edge: Arc<Edge>, bucket: String, path: PathBuf, mut since: Option<u64>) {
    // Started without a position: what gets cached until the first poll
    // succeeds was filled while nobody was watching.
    let mut blind = since.is_none();
    let mut backoff = BACKOFF_MIN;
    let mut failing = false;
    loop {
        let page = match poll(&edge, &bucket, since).await {
            Ok(p) => p,
            Err(err) => {
                edge.origin_health.set_reachable(false);
                if !failing {
                    tracing::warn!(bucket, %err, "change feed poll failed; retrying");
                    failing = true;
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(BACKOFF_MAX);
                continue;
            }
        };
        if failing {
            tracing::info!(bucket, "change feed reconnected");
            failing = false;
        }
        edge.origin_health.set_reachable(true);
        backoff = BACKOFF_MIN;
        if page.reset || blind {
            reset(&edge, &bucket);
            blind = false;
        }
        for ev in &page.events {
            apply(&edge, ev);
        }
        if since != Some(page.next) {
            since = Some(page.next);
            save_position(&path, page.next).await;
        }
    }
}
