//! The metadata records of an object version. `ObjectInfo` is what S3 shows
//! (size, ETag, headers) and is also what the index stores; `VersionRecord`
//! is the per-drive `meta.json` next to each shard: `ObjectInfo` plus the
//! drive's shard index and the per-block blake3 digests, enough for any
//! `data` drives to rebuild the object and the index.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::layout::Layout;

/// Current on-disk format of `meta.json`.
pub const VERSION_RECORD_FORMAT: u32 = 1;

/// File name of the per-drive metadata record inside a version directory.
pub const META_FILE: &str = "meta.json";

/// HTTP-visible facts of one object version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectInfo {
    /// Bucket name.
    pub bucket: String,
    /// Object key.
    pub key: String,
    /// Unique id of this version; names its directory on every drive.
    pub version_id: String,
    /// Object size in bytes.
    pub size: u64,
    /// MD5 of the body in hex (S3 ETag without quotes).
    pub etag: String,
    /// Last-Modified, unix milliseconds.
    pub mtime_ms: i64,
    /// Erasure layout the shards were written with.
    pub layout: Layout,
    /// Standard headers stored with the object.
    #[serde(default)]
    pub headers: StoredHeaders,
    /// `x-amz-meta-*` user metadata (names without the prefix).
    #[serde(default)]
    pub user_meta: BTreeMap<String, String>,
}

/// Headers S3 stores with an object and returns on GET/HEAD.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredHeaders {
    /// Content-Type.
    pub content_type: Option<String>,
    /// Cache-Control.
    pub cache_control: Option<String>,
    /// Content-Disposition.
    pub content_disposition: Option<String>,
    /// Content-Encoding.
    pub content_encoding: Option<String>,
    /// Content-Language.
    pub content_language: Option<String>,
    /// Expires, as sent.
    pub expires: Option<String>,
}

/// The `meta.json` record each drive keeps next to its shard.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VersionRecord {
    /// Record format version (`VERSION_RECORD_FORMAT`).
    pub format: u32,
    /// Deployment the drive belongs to.
    pub deployment_id: String,
    /// Which shard of each block this drive holds.
    pub shard_index: usize,
    /// The object facts.
    pub info: ObjectInfo,
    /// blake3 of each object block, hex, in block order (for edge verification).
    pub block_hashes: Vec<String>,
}
