//! What the edge knows about one cached object version: identity, size,
//! the origin's per-block blake3 hashes (every slice is checked against
//! them), the response headers to replay, and when the origin last
//! confirmed it. Also its versioned on-disk record. Holds no bytes.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use gureum_common::feed::BlockHashes;
use gureum_common::headers::VERSION_ID;
use http::{HeaderMap, HeaderName, HeaderValue};
use serde::{Deserialize, Serialize};

use super::key::ObjectId;

/// Version of [`MetaRecord`]; bump with a migration when the shape changes.
pub const META_FORMAT: u32 = 1;

/// Response headers of the object, replayed on every hit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredHeaders {
    /// Content-Type.
    pub content_type: Option<String>,
    /// Last-Modified (HTTP date, as the origin sent it).
    pub last_modified: Option<String>,
    /// Cache-Control.
    pub cache_control: Option<String>,
    /// Content-Encoding.
    pub content_encoding: Option<String>,
    /// Content-Disposition.
    pub content_disposition: Option<String>,
    /// Content-Language.
    pub content_language: Option<String>,
    /// Expires.
    pub expires: Option<String>,
    /// `x-amz-meta-*` user metadata, names lower-case.
    pub user_meta: Vec<(String, String)>,
}

const REPLAYED: [&str; 7] = [
    "content-type",
    "last-modified",
    "cache-control",
    "content-encoding",
    "content-disposition",
    "content-language",
    "expires",
];

impl StoredHeaders {
    /// Picks the replayable headers of an origin GET/HEAD response.
    pub fn from_origin(h: &HeaderMap) -> Self {
        let get = |name: &str| {
            h.get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let user_meta = h
            .iter()
            .filter(|(k, _)| k.as_str().starts_with("x-amz-meta-"))
            .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
            .collect();
        StoredHeaders {
            content_type: get(REPLAYED[0]),
            last_modified: get(REPLAYED[1]),
            cache_control: get(REPLAYED[2]),
            content_encoding: get(REPLAYED[3]),
            content_disposition: get(REPLAYED[4]),
            content_language: get(REPLAYED[5]),
            expires: get(REPLAYED[6]),
            user_meta,
        }
    }

    /// Writes the headers into a response.
    pub fn apply(&self, out: &mut HeaderMap) {
        let fields = [
            &self.content_type,
            &self.last_modified,
            &self.cache_control,
            &self.content_encoding,
            &self.content_disposition,
            &self.content_language,
            &self.expires,
        ];
        for (name, value) in REPLAYED.iter().zip(fields) {
            if let Some(v) = value.as_deref().and_then(|v| HeaderValue::from_str(v).ok()) {
                out.insert(HeaderName::from_static(name), v);
            }
        }
        for (k, v) in &self.user_meta {
            if let (Ok(k), Ok(v)) = (
                HeaderName::from_bytes(k.as_bytes()),
                HeaderValue::from_str(v),
            ) {
                out.insert(k, v);
            }
        }
    }

    /// Last-Modified as a time, for If-Modified-Since.
    pub fn last_modified_time(&self) -> Option<SystemTime> {
        self.last_modified
            .as_deref()
            .and_then(|v| httpdate::parse_http_date(v).ok())
    }
}

/// Why an origin answer cannot be cached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Uncacheable {
    /// Origin Cache-Control says no-store or private.
    NoStore,
    /// Block hashes missing or inconsistent with the size, so slices could
    /// not be verified.
    Unverifiable(String),
}

/// One cached object version.
#[derive(Debug)]
pub struct ObjectMeta {
    /// Bucket, key and version.
    pub id: Arc<ObjectId>,
    /// ETag without quotes.
    pub etag: String,
    /// Object size in bytes.
    pub size: u64,
    /// Slice size = the origin's block size, so each slice has one hash.
    pub slice_size: u64,
    /// blake3 of each slice.
    pub hashes: Vec<[u8; 32]>,
    /// Headers to replay.
    pub headers: StoredHeaders,
    /// When the origin last confirmed this version (ms since the epoch);
    /// atomic because a revalidation refreshes it under readers.
    validated_ms: AtomicU64,
    /// Distinct for every record built, and part of its slices' memory
    /// keys: slices of a purged record (dropped from memory by a background
    /// task) are never found by the record that replaces it, even for the
    /// same version.
    pub generation: u64,
}

fn next_generation() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

impl ObjectMeta {
    /// Combines an origin HEAD/GET response's headers with the block hashes
    /// of the same version.
    pub fn from_origin(
        headers: &HeaderMap,
        blocks: BlockHashes,
    ) -> Result<ObjectMeta, Uncacheable> {
        let stored = StoredHeaders::from_origin(headers);
        if let Some(cc) = &stored.cache_control
            && super::freshness::CacheControl::parse(cc).forbids_storing()
        {
            return Err(Uncacheable::NoStore);
        }
        let block_size = u64::from(blocks.block_size);
        if block_size == 0 {
            return Err(Uncacheable::Unverifiable("block size 0".into()));
        }
        let expected = blocks.size.div_ceil(block_size);
        if blocks.block_hashes.len() as u64 != expected {
            return Err(Uncacheable::Unverifiable(format!(
                "{} block hashes for {} bytes",
                blocks.block_hashes.len(),
                blocks.size
            )));
        }
        let mut hashes = Vec::with_capacity(blocks.block_hashes.len());
        for h in &blocks.block_hashes {
            let mut raw = [0u8; 32];
            hex::decode_to_slice(h, &mut raw)
                .map_err(|_| Uncacheable::Unverifiable(format!("bad block hash {h:?}")))?;
            hashes.push(raw);
        }
        Ok(ObjectMeta {
            id: Arc::new(ObjectId {
                bucket: blocks.bucket,
                key: blocks.key,
                version_id: blocks.version_id,
            }),
            etag: blocks.etag.trim_matches('"').to_string(),
            size: blocks.size,
            slice_size: block_size,
            hashes,
            headers: stored,
            validated_ms: AtomicU64::new(now_ms()),
            generation: next_generation(),
        })
    }

    /// What the origin's HEAD headers alone say about `bucket/key`: enough
    /// to answer a client (size, validators, headers) but with no block
    /// hashes, so never cached and never cut into slices. `None` when the
    /// headers lack size or ETag, or forbid storing.
    pub fn provisional(bucket: &str, key: &str, headers: &HeaderMap) -> Option<ObjectMeta> {
        let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let size = text("content-length")?.parse().ok()?;
        let etag = text("etag")?.trim_matches('"').to_string();
        let stored = StoredHeaders::from_origin(headers);
        if stored
            .cache_control
            .as_deref()
            .is_some_and(|cc| super::freshness::CacheControl::parse(cc).forbids_storing())
        {
            return None;
        }
        Some(ObjectMeta {
            id: Arc::new(ObjectId {
                bucket: bucket.to_string(),
                key: key.to_string(),
                // Empty: an origin that does not name versions.
                version_id: text(VERSION_ID).unwrap_or_default().to_string(),
            }),
            etag,
            size,
            slice_size: size.max(1),
            hashes: Vec::new(),
            headers: stored,
            validated_ms: AtomicU64::new(now_ms()),
            generation: next_generation(),
        })
    }

    /// Whether `self` and `other` describe the same bytes of one object.
    /// An empty version id (see [`Self::provisional`]) matches any.
    pub fn same_version(&self, other: &ObjectMeta) -> bool {
        let versions_agree = self.id.version_id.is_empty()
            || other.id.version_id.is_empty()
            || self.id.version_id == other.id.version_id;
        self.id.bucket == other.id.bucket
            && self.id.key == other.id.key
            && self.etag == other.etag
            && self.size == other.size
            && versions_agree
    }

    /// Number of slices.
    pub fn slice_count(&self) -> u32 {
        self.hashes.len() as u32
    }

    /// First byte of slice `i`.
    pub fn slice_start(&self, i: u32) -> u64 {
        u64::from(i) * self.slice_size
    }

    /// Length of slice `i` (the last one may be short).
    pub fn slice_len(&self, i: u32) -> u64 {
        let start = self.slice_start(i);
        self.size.saturating_sub(start).min(self.slice_size)
    }

    /// Whether `bytes` are exactly slice `i` of this version.
    pub fn verify(&self, i: u32, bytes: &[u8]) -> bool {
        bytes.len() as u64 == self.slice_len(i)
            && self
                .hashes
                .get(i as usize)
                .is_some_and(|h| blake3::hash(bytes).as_bytes() == h)
    }

    /// Quoted ETag for headers.
    pub fn quoted_etag(&self) -> String {
        format!("\"{}\"", self.etag)
    }

    /// Time since the origin last confirmed this version.
    pub fn age(&self) -> Duration {
        Duration::from_millis(now_ms().saturating_sub(self.validated_ms.load(Ordering::Relaxed)))
    }

    /// Records a successful revalidation.
    pub fn mark_validated(&self) {
        self.validated_ms.store(now_ms(), Ordering::Relaxed);
    }

    /// The on-disk record.
    pub fn to_record(&self) -> MetaRecord {
        MetaRecord {
            format: META_FORMAT,
            bucket: self.id.bucket.clone(),
            key: self.id.key.clone(),
            version_id: self.id.version_id.clone(),
            etag: self.etag.clone(),
            size: self.size,
            slice_size: self.slice_size,
            hashes: self.hashes.iter().map(hex::encode).collect(),
            headers: self.headers.clone(),
            validated_ms: self.validated_ms.load(Ordering::Relaxed),
        }
    }

    /// Rebuilds from a record read back from disk.
    pub fn from_record(rec: MetaRecord) -> Result<ObjectMeta, String> {
        if rec.format != META_FORMAT {
            return Err(format!("meta format {} (want {META_FORMAT})", rec.format));
        }
        if rec.slice_size == 0 || rec.size.div_ceil(rec.slice_size) != rec.hashes.len() as u64 {
            return Err("inconsistent slice layout".into());
        }
        let mut hashes = Vec::with_capacity(rec.hashes.len());
        for h in &rec.hashes {
            let mut raw = [0u8; 32];
            hex::decode_to_slice(h, &mut raw).map_err(|e| format!("bad hash: {e}"))?;
            hashes.push(raw);
        }
        Ok(ObjectMeta {
            id: Arc::new(ObjectId {
                bucket: rec.bucket,
                key: rec.key,
                version_id: rec.version_id,
            }),
            etag: rec.etag,
            size: rec.size,
            slice_size: rec.slice_size,
            hashes,
            headers: rec.headers,
            validated_ms: AtomicU64::new(rec.validated_ms),
            generation: next_generation(),
        })
    }
}

/// `meta.json` of one cached version on disk.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MetaRecord {
    /// [`META_FORMAT`].
    pub format: u32,
    /// Bucket.
    pub bucket: String,
    /// Key.
    pub key: String,
    /// Version id.
    pub version_id: String,
    /// ETag, unquoted.
    pub etag: String,
    /// Size.
    pub size: u64,
    /// Slice size.
    pub slice_size: u64,
    /// Hex blake3 per slice.
    pub hashes: Vec<String>,
    /// Replayed headers.
    pub headers: StoredHeaders,
    /// Last confirmation by the origin.
    pub validated_ms: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn blocks_for(data: &[u8], block: usize) -> BlockHashes {
        BlockHashes {
            bucket: "b".into(),
            key: "k".into(),
            version_id: "v1".into(),
            etag: "e".into(),
            size: data.len() as u64,
            block_size: block as u32,
            block_hashes: data
                .chunks(block)
                .map(|c| blake3::hash(c).to_hex().to_string())
                .collect(),
        }
    }

    #[test]
    fn provisional_meta_matches_only_its_own_version() {
        let data = vec![7u8; 2500];
        let full = ObjectMeta::from_origin(&HeaderMap::new(), blocks_for(&data, 1000)).expect("ok");
        let mut h = HeaderMap::new();
        h.insert("content-length", HeaderValue::from_static("2500"));
        h.insert("etag", HeaderValue::from_static("\"e\""));
        h.insert(VERSION_ID, HeaderValue::from_static("v1"));
        let shown = ObjectMeta::provisional("b", "k", &h).expect("headers suffice");
        assert!(shown.hashes.is_empty() && !shown.verify(0, &data[..1000]));
        assert!(full.same_version(&shown));
        h.insert(VERSION_ID, HeaderValue::from_static("v2"));
        let newer = ObjectMeta::provisional("b", "k", &h).expect("headers suffice");
        assert!(!full.same_version(&newer));
        h.insert("cache-control", HeaderValue::from_static("no-store"));
        assert!(ObjectMeta::provisional("b", "k", &h).is_none());
        h.remove("cache-control");
        h.remove("content-length");
        assert!(ObjectMeta::provisional("b", "k", &h).is_none());
    }

    #[test]
    fn slices_verify_and_round_trip() {
        let data: Vec<u8> = (0..2500u32).map(|i| (i % 251) as u8).collect();
        let meta =
            ObjectMeta::from_origin(&HeaderMap::new(), blocks_for(&data, 1000)).expect("cacheable");
        assert_eq!(meta.slice_count(), 3);
        assert_eq!(meta.slice_len(2), 500);
        assert!(meta.verify(1, &data[1000..2000]));
        assert!(!meta.verify(1, &data[1001..2001]));
        assert!(!meta.verify(2, &data[2000..2499]));
        let back = ObjectMeta::from_record(meta.to_record()).expect("record");
        assert_eq!(back.hashes, meta.hashes);
    }

    #[test]
    fn no_store_and_bad_hashes_are_uncacheable() {
        let mut h = HeaderMap::new();
        h.insert("cache-control", HeaderValue::from_static("no-store"));
        assert_eq!(
            ObjectMeta::from_origin(&h, blocks_for(b"abc", 2)).err(),
            Some(Uncacheable::NoStore)
        );
        let mut b = blocks_for(b"abc", 2);
        b.block_hashes.pop();
        assert!(ObjectMeta::from_origin(&HeaderMap::new(), b).is_err());
    }
}
