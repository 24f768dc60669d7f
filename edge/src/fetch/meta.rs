//! Origin metadata calls: HeadObject (headers, revalidation with
//! If-None-Match) and the block-hash API, combined into an [`ObjectMeta`]
//! only when both describe the same version; the HEAD's headers are
//! handed out as soon as they arrive. Read-only; stores nothing.

use std::sync::Arc;
use std::time::Duration;

use gureum_common::feed::BlockHashes;
use http::{HeaderMap, Method, StatusCode};
use tokio::sync::oneshot;

use super::client::{Kind, OriginClient, header_str, object_path, read_small, status_error};
use crate::cache::meta::{ObjectMeta, Uncacheable};
use crate::error::EdgeError;
use gureum_common::headers::VERSION_ID;

/// Time limit of one metadata call.
const META_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest block-hash document accepted (a 64 GiB object at 1 MiB blocks
/// is ~4.5 MiB of JSON).
const MAX_BLOCKS_JSON: usize = 16 << 20;
/// HEAD/blocks pairs tried when the object changes between the two.
const MAX_PAIRS: usize = 3;

/// Answer of a HeadObject.
#[derive(Debug)]
pub enum Head {
    /// 200 with the object's headers.
    Found(HeaderMap),
    /// 304: the version asked about is still current.
    NotModified,
    /// 404.
    NotFound,
}

/// HeadObject, optionally conditional on `if_none_match` (a quoted ETag).
pub async fn head(
    origin: &OriginClient,
    bucket: &str,
    key: &str,
    if_none_match: Option<String>,
) -> Result<Head, EdgeError> {
    let headers: Vec<(&'static str, String)> = if_none_match
        .map(|e| ("if-none-match", e))
        .into_iter()
        .collect();
    let resp = origin
        .signed(
            Kind::Head,
            Method::HEAD,
            &object_path(bucket, key),
            &headers,
            META_TIMEOUT,
        )
        .await?;
    match resp.status() {
        StatusCode::OK => Ok(Head::Found(resp.headers().clone())),
        StatusCode::NOT_MODIFIED => Ok(Head::NotModified),
        StatusCode::NOT_FOUND => Ok(Head::NotFound),
        _ => Err(status_error(resp).await),
    }
}

/// Block hashes of the current version; `Ok(None)` when the object does
/// not exist, `Err(Uncacheable)` inside `Ok(Some(Err))` when the origin
/// cannot provide them.
async fn blocks(
    origin: &OriginClient,
    bucket: &str,
    key: &str,
) -> Result<Option<Result<BlockHashes, Uncacheable>>, EdgeError> {
    let target = format!("/_gureum/blocks{}", object_path(bucket, key));
    let resp = origin
        .signed(Kind::Blocks, Method::GET, &target, &[], META_TIMEOUT)
        .await?;
    let status = resp.status();
    if status == StatusCode::NOT_FOUND {
        return Ok(None);
    }
    if status.is_server_error() {
        return Err(status_error(resp).await);
    }
    if !status.is_success() {
        return Ok(Some(Err(Uncacheable::Unverifiable(format!(
            "block hashes answered {status}"
        )))));
    }
    let body = read_small(resp.into_body(), MAX_BLOCKS_JSON, META_TIMEOUT).await?;
    let parsed: BlockHashes = serde_json::from_slice(&body)
        .map_err(|e| EdgeError::protocol(format!("block hashes JSON: {e}")))?;
    Ok(Some(Ok(parsed)))
}

/// Outcome of [`fetch_meta`].
#[derive(Debug)]
pub enum Fetched {
    /// A verifiable, cacheable version.
    Meta(Box<ObjectMeta>),
    /// Exists but must not be cached (or cannot be verified).
    Pass(Uncacheable),
    /// No such object.
    NotFound,
}

fn same_version(headers: &HeaderMap, b: &BlockHashes) -> bool {
    match header_str(headers, VERSION_ID) {
        Some(v) => v == b.version_id,
        // An origin without version ids: the ETag is the best we have.
        None => header_str(headers, "etag").is_some_and(|e| e.trim_matches('"') == b.etag),
    }
}

/// HEAD and block hashes in parallel, retried while they disagree on the
/// version (the object was overwritten between the two). The first HEAD's
/// headers go to `early` the moment they arrive, so a miss can answer
/// before the (larger, slower) hash list is in.
pub async fn fetch_meta(
    origin: &OriginClient,
    bucket: &str,
    key: &str,
    mut early: Option<oneshot::Sender<Arc<HeaderMap>>>,
) -> Result<Fetched, EdgeError> {
    for _ in 0..MAX_PAIRS {
        let first_head = async {
            let h = head(origin, bucket, key, None).await;
            if let (Ok(Head::Found(headers)), Some(tx)) = (&h, early.take()) {
                // Nobody waiting is fine: the outcome still counts.
                let _ = tx.send(Arc::new(headers.clone()));
            }
            h
        };
        let (h, b) = tokio::join!(first_head, blocks(origin, bucket, key));
        let headers = match h? {
            Head::Found(headers) => headers,
            Head::NotFound => return Ok(Fetched::NotFound),
            Head::NotModified => return Err(EdgeError::protocol("304 to an unconditional HEAD")),
        };
        let cc = header_str(&headers, "cache-control")
            .map(crate::cache::freshness::CacheControl::parse)
            .unwrap_or_default();
        if cc.forbids_storing() {
            return Ok(Fetched::Pass(Uncacheable::NoStore));
        }
        let blocks = match b? {
            Some(Ok(blocks)) => blocks,
            Some(Err(why)) => return Ok(Fetched::Pass(why)),
            // Deleted between the two calls: ask again.
            None => continue,
        };
        if !same_version(&headers, &blocks) {
            continue;
        }
        return Ok(match ObjectMeta::from_origin(&headers, blocks) {
            Ok(meta) => Fetched::Meta(Box::new(meta)),
            Err(why) => Fetched::Pass(why),
        });
    }
    Err(EdgeError::protocol(format!(
        "{bucket}/{key} changed during every metadata fetch"
    )))
}
