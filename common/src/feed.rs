//! Wire types the origin publishes for edges: the change feed
//! (`GET /_gureum/changes`) and per-block integrity hashes
//! (`GET /_gureum/blocks/{bucket}/{key}`). Shared so both sides agree on
//! the JSON; no logic lives here.

use serde::{Deserialize, Serialize};

/// What happened to a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeOp {
    /// A new current version was written.
    Put,
    /// The key was deleted.
    Delete,
}

/// One entry of the change feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeEvent {
    /// Position in the feed; strictly increasing, may have gaps.
    pub seq: u64,
    /// Bucket of the key.
    pub bucket: String,
    /// The key.
    pub key: String,
    /// Put or delete.
    pub op: ChangeOp,
    /// ETag (MD5 hex, unquoted) of the new version; empty on delete.
    #[serde(default)]
    pub etag: String,
    /// Version id of the new (put) or removed (delete) version.
    #[serde(default)]
    pub version_id: String,
}

/// Response of `GET /_gureum/changes`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangesPage {
    /// Events with `seq >= since`, oldest first.
    pub events: Vec<ChangeEvent>,
    /// Where to continue (`since` of the next call).
    pub next: u64,
    /// The origin no longer knows what happened since `since`: drop
    /// everything cached for the bucket, then continue from `next`.
    pub reset: bool,
}

/// Response of `GET /_gureum/blocks/{bucket}/{key}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockHashes {
    /// Bucket.
    pub bucket: String,
    /// Key.
    pub key: String,
    /// Version the hashes belong to.
    pub version_id: String,
    /// ETag (MD5 hex, unquoted).
    pub etag: String,
    /// Object size.
    pub size: u64,
    /// Bytes per block (the last block may be shorter).
    pub block_size: u32,
    /// blake3 hex of each block, in order.
    pub block_hashes: Vec<String>,
}
