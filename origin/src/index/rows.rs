//! The index's own record types — what its rows hold on disk — and their
//! versioned encoding. They mirror the object layer's types field for
//! field, but are owned here: a change to a store or object struct can no
//! longer change the index's format by accident; it has to come through
//! an explicit conversion (in `objects/rows.rs`) and, when the shape
//! changes, a new `RECORD_FORMAT`. Field names are those format 1 has
//! always had on disk. Decoding a newer format is an error, never a panic.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::IndexError;

/// Format version written into every row.
pub const RECORD_FORMAT: u32 = 1;

/// One version of one key (delete markers included).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionRow {
    /// Bucket.
    pub bucket: String,
    /// Key.
    pub key: String,
    /// Internal version id (UUIDv7 hex): orders a key's versions.
    pub version_id: String,
    /// Bytes.
    pub size: u64,
    /// ETag without quotes.
    pub etag: String,
    /// Last-Modified, unix ms.
    pub mtime_ms: i64,
    /// Erasure layout.
    pub layout: LayoutRow,
    /// Stored standard headers.
    #[serde(default)]
    pub headers: HeadersRow,
    /// User metadata.
    #[serde(default)]
    pub user_meta: BTreeMap<String, String>,
    /// Parts of a multipart version.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<PartRow>,
    /// A delete marker.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub delete_marker: bool,
    /// S3 version id `null`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub null_version: bool,
    /// Object tags.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// Additional checksum.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<ChecksumRow>,
    /// Access control list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acl: Option<AclRow>,
}

/// An access control list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AclRow {
    /// Owner's canonical id.
    pub owner: String,
    /// Grants.
    #[serde(default)]
    pub grants: Vec<GrantRow>,
}

/// One grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantRow {
    /// Grantee kind.
    pub kind: String,
    /// Grantee id, URI or email.
    pub id: String,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Permission.
    pub permission: String,
}

/// Erasure layout of a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayoutRow {
    /// Data shards.
    pub data: usize,
    /// Parity shards.
    pub parity: usize,
    /// Bytes per block.
    pub block_size: u32,
}

/// Standard headers kept with an object or upload.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeadersRow {
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
    /// Expires.
    pub expires: Option<String>,
}

/// One part of a multipart version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartRow {
    /// Part number.
    pub number: u32,
    /// Bytes.
    pub size: u64,
    /// MD5 hex.
    pub etag: String,
    /// Part checksum (base64).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<String>,
}

/// A stored additional checksum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecksumRow {
    /// Algorithm name.
    pub algorithm: String,
    /// Base64 value.
    pub value: String,
    /// FULL_OBJECT or COMPOSITE.
    pub kind: String,
}

/// A bucket. Its settings are the object layer's, kept as the same JSON
/// document the drives' bucket markers hold (versioned by the markers).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BucketRow {
    /// Name.
    pub name: String,
    /// Creation time, unix ms.
    pub created_ms: i64,
    /// Settings document.
    #[serde(default)]
    pub config: serde_json::Value,
}

/// A multipart upload in progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadRow {
    /// Bucket.
    pub bucket: String,
    /// Key.
    pub key: String,
    /// Upload id.
    pub upload_id: String,
    /// Start, unix ms.
    pub initiated_ms: i64,
    /// Headers of the object to be.
    pub headers: HeadersRow,
    /// Its user metadata.
    pub user_meta: BTreeMap<String, String>,
    /// Its tags.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// Checksum algorithm of every part.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum_algorithm: Option<String>,
    /// FULL_OBJECT or COMPOSITE.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum_type: Option<String>,
    /// ACL the object will get.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acl: Option<AclRow>,
}

/// One uploaded part of an upload in progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadPartRow {
    /// Part number.
    pub number: u32,
    /// Upload time, unix ms.
    pub mtime_ms: i64,
    /// Where its bytes are.
    pub data: PartDataRow,
}

/// Where a part's bytes live on the drives and what they hash to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartDataRow {
    /// Directory under the upload.
    pub dir: String,
    /// Bytes.
    pub size: u64,
    /// MD5 hex.
    pub etag: String,
    /// blake3 hex per block.
    pub block_hashes: Vec<String>,
    /// Checksum (base64).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<String>,
    /// Its algorithm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum_algorithm: Option<String>,
}

/// A version already gone from the index whose drive files may still be
/// there (a crash between the two steps): start-up finishes the removal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletionRow {
    /// Bucket.
    pub bucket: String,
    /// Key.
    pub key: String,
    /// Internal version id.
    pub version_id: String,
}

/// One change-feed entry as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeRow {
    /// Feed position.
    pub seq: u64,
    /// Bucket.
    pub bucket: String,
    /// Key.
    pub key: String,
    /// `put` or `delete`.
    pub op: String,
    /// ETag of a put.
    #[serde(default)]
    pub etag: String,
    /// Version of a put (or the deleted one).
    #[serde(default)]
    pub version_id: String,
}

#[derive(Serialize, Deserialize)]
struct Versioned<T> {
    v: u32,
    #[serde(flatten)]
    rec: T,
}

/// Encodes a row with the current format version.
pub(super) fn encode<T: Serialize>(rec: &T) -> Result<Vec<u8>, IndexError> {
    Ok(serde_json::to_vec(&Versioned {
        v: RECORD_FORMAT,
        rec,
    })?)
}

/// Decodes a row, refusing a format this build does not know.
pub(super) fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, IndexError> {
    #[derive(Deserialize)]
    struct Head {
        v: u32,
    }
    let head: Head = serde_json::from_slice(bytes)?;
    if head.v == 0 || head.v > RECORD_FORMAT {
        return Err(IndexError::UnknownFormat(head.v));
    }
    let rec: Versioned<T> = serde_json::from_slice(bytes)?;
    Ok(rec.rec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_one_rows_decode_and_newer_ones_are_refused() {
        // A row as format 1 has always written it.
        let v1 = br#"{"v":1,"bucket":"b","key":"k","version_id":"0190","size":3,"etag":"e","mtime_ms":5,"layout":{"data":4,"parity":2,"block_size":1048576},"headers":{"content_type":"text/plain","cache_control":null,"content_disposition":null,"content_encoding":null,"content_language":null,"expires":null},"user_meta":{"a":"b"}}"#;
        let row: VersionRow = decode(v1).expect("v1 row");
        assert_eq!(row.key, "k");
        assert_eq!(row.headers.content_type.as_deref(), Some("text/plain"));
        let again: VersionRow = decode(&encode(&row).expect("encode")).expect("round trip");
        assert_eq!(again, row);
        for bad in [&br#"{"v":2,"bucket":"b"}"#[..], br#"{"v":0,"bucket":"b"}"#] {
            assert!(matches!(
                decode::<VersionRow>(bad),
                Err(IndexError::UnknownFormat(_))
            ));
        }
        for garbage in [&b"{"[..], b"[]", br#"{"bucket":"b"}"#, br#"{"v":1}"#] {
            assert!(matches!(
                decode::<VersionRow>(garbage),
                Err(IndexError::Decode(_))
            ));
        }
    }
}
