//! The metadata records of an object version. `ObjectInfo` is what S3 shows
//! (size, ETag, headers) and is also what the index stores; `VersionRecord`
//! is the per-drive `meta.json` next to each shard: `ObjectInfo` plus the
//! drive's shard index and the per-block blake3 digests, enough for any
//! `data` drives to rebuild the object and the index.

use std::collections::BTreeMap;

use std::path::Path;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::error::StoreError;
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
    /// Parts of a multipart object, in order (empty: one `shard.bin`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<PartInfo>,
    /// A delete marker: a version with no body that hides older ones.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub delete_marker: bool,
    /// Written while the bucket was unversioned or suspended: its S3
    /// version id is `null`, and the next such write replaces it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub null_version: bool,
    /// Object tags (`x-amz-tagging`, PutObjectTagging).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// The additional checksum S3 returns with `x-amz-checksum-mode`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<StoredChecksum>,
    /// The object's access control list (None: private to the owner).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acl: Option<StoredAcl>,
}

/// An access control list as stored with an object or bucket: the owner
/// and its grants. Plain data; what it means is decided above the store.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredAcl {
    /// Canonical user id of the owner.
    pub owner: String,
    /// Grants, in the order given.
    #[serde(default)]
    pub grants: Vec<StoredGrant>,
}

/// One grant of an ACL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredGrant {
    /// `CanonicalUser`, `Group` or `AmazonCustomerByEmail`.
    pub kind: String,
    /// Canonical id, group URI or email address, per `kind`.
    pub id: String,
    /// Display name of a canonical user, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// READ, WRITE, READ_ACP, WRITE_ACP or FULL_CONTROL.
    pub permission: String,
}

/// A checksum kept with an object version (or a part).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredChecksum {
    /// Algorithm name as S3 spells it: CRC32, CRC32C, CRC64NVME, SHA1, SHA256.
    pub algorithm: String,
    /// Base64 value; composite multipart values end in `-N`.
    pub value: String,
    /// FULL_OBJECT or COMPOSITE.
    pub kind: String,
}

/// One part of a multipart object, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartInfo {
    /// Part number the client gave.
    pub number: u32,
    /// Bytes in the part.
    pub size: u64,
    /// MD5 hex of the part.
    pub etag: String,
    /// The part's own checksum (base64), when the upload has an algorithm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<String>,
}

/// A run of object bytes stored in one shard file per drive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// Shard file name inside the version directory.
    pub file: String,
    /// Offset of the segment in the object.
    pub start: u64,
    /// Bytes in the segment.
    pub size: u64,
}

impl ObjectInfo {
    /// The version id S3 clients see: `null` for versions written while
    /// versioning was off or suspended.
    pub fn s3_version_id(&self) -> &str {
        if self.null_version {
            "null"
        } else {
            &self.version_id
        }
    }

    /// The shard files that make up this version, in object order.
    pub fn segments(&self) -> Vec<Segment> {
        if self.parts.is_empty() {
            return vec![Segment {
                file: super::shard_file::SHARD_FILE.to_string(),
                start: 0,
                size: self.size,
            }];
        }
        let mut start = 0;
        self.parts
            .iter()
            .map(|p| {
                let seg = Segment {
                    file: part_file(p.number),
                    start,
                    size: p.size,
                };
                start += p.size;
                seg
            })
            .collect()
    }
}

/// Shard file name of part `n` inside a version directory.
pub fn part_file(n: u32) -> String {
    format!("part.{n}")
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

/// Decodes a drive record file whose JSON carries a `format` version:
/// a newer version than `supported` is refused by name before the rest is
/// looked at (its fields may mean something else), garbage is
/// `CorruptRecord`. Every drive record is read through here.
pub fn decode_record<T: DeserializeOwned>(
    path: &Path,
    bytes: &[u8],
    supported: u32,
) -> Result<T, StoreError> {
    #[derive(Deserialize)]
    struct Head {
        format: u32,
    }
    let corrupt = |reason: String| StoreError::CorruptRecord {
        path: path.to_path_buf(),
        reason,
    };
    let head: Head = serde_json::from_slice(bytes).map_err(|e| corrupt(e.to_string()))?;
    if head.format == 0 || head.format > supported {
        return Err(StoreError::UnknownFormat {
            path: path.to_path_buf(),
            found: head.format,
            supported,
        });
    }
    serde_json::from_slice(bytes).map_err(|e| corrupt(e.to_string()))
}

/// Reads and decodes the `meta.json` at `path`; Ok(None) when absent.
pub fn read_version_record(path: &Path) -> Result<Option<VersionRecord>, StoreError> {
    match std::fs::read(path) {
        Ok(bytes) => decode_record(path, &bytes, VERSION_RECORD_FORMAT).map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(StoreError::CorruptRecord {
            path: path.to_path_buf(),
            reason: e.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_check_their_format() {
        let p = Path::new("/d/buckets/b/aa/h/v/meta.json");
        let future = br#"{"format":2,"deployment_id":"x"}"#;
        let err = decode_record::<VersionRecord>(p, future, VERSION_RECORD_FORMAT)
            .expect_err("future format");
        assert!(matches!(err, StoreError::UnknownFormat { found: 2, .. }));
        assert!(
            err.to_string().contains("/d/buckets/b/aa/h/v/meta.json"),
            "{err}"
        );
        for garbage in [&b"{not json"[..], b"", br#"{"format":1}"#, br#"{"x":1}"#] {
            let err = decode_record::<VersionRecord>(p, garbage, VERSION_RECORD_FORMAT)
                .expect_err("garbage");
            assert!(matches!(err, StoreError::CorruptRecord { .. }), "{err}");
            assert!(err.to_string().contains("meta.json"), "{err}");
        }
        let zero = br#"{"format":0}"#;
        assert!(matches!(
            decode_record::<VersionRecord>(p, zero, VERSION_RECORD_FORMAT),
            Err(StoreError::UnknownFormat { found: 0, .. })
        ));
    }
}
