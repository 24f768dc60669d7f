//! The metadata index: buckets, `bucket/key -> current version` with its
//! listing fields, every version, uploads in progress, pending deletions
//! and the change feed. Written against the small [`Kv`] seam (sled behind
//! it in `sled_kv.rs`; an in-memory engine for unit tests), with its own
//! versioned row types (`rows`). The index is a cache of what the drives
//! say: `reindex` rebuilds it from them, so it must never hold anything
//! the drives do not — except the change feed, which is not rebuilt
//! (edges that ask for events from before a reindex are told to reset).
//! Knows nothing of the store, HTTP or S3.

mod changes;
mod deletions;
mod flush;
pub mod kv;
mod mem_kv;
pub mod rows;
mod sled_kv;
mod uploads;
mod versions;

use std::ops::Bound;
use std::sync::Arc;

pub use kv::{Batch, Kv, KvError, Tree};
pub use mem_kv::MemKv;
pub use rows::{
    AclRow, BucketRow, ChangeRow, ChecksumRow, DeletionRow, GrantRow, HeadersRow, LayoutRow,
    PartDataRow, PartRow, UploadPartRow, UploadRow, VersionRow,
};
pub use sled_kv::SledKv;
pub use versions::{VersionChange, VersionsFrom};

use rows::{decode, encode};

/// Index failures.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// The engine failed.
    #[error(transparent)]
    Db(#[from] KvError),
    /// A record did not decode.
    #[error("index record: {0}")]
    Decode(#[from] serde_json::Error),
    /// A lock holder panicked.
    #[error("index lock poisoned")]
    Poisoned,
    /// The blocking flush task died (panicked or was cancelled).
    #[error("index flush task failed")]
    FlushTask,
    /// A record from a newer Gureum.
    #[error("index record format {0} is not one this build understands")]
    UnknownFormat(u32),
}

/// Key of an object row: bucket, NUL, key. Bucket names never hold NUL, so
/// rows of one bucket are one contiguous, key-ordered range.
fn object_key(bucket: &str, key: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(bucket.len() + 1 + key.len());
    k.extend_from_slice(bucket.as_bytes());
    k.push(0);
    k.extend_from_slice(key);
    k
}

/// Above every row of `bucket` (everything of it sorts below `bucket\x01`).
fn bucket_end(bucket: &str) -> Vec<u8> {
    let mut hi = bucket.as_bytes().to_vec();
    hi.push(1);
    hi
}

/// The index over one engine.
#[derive(Clone)]
pub struct Index {
    kv: Arc<dyn Kv>,
    seq: Arc<changes::Sequencer>,
    /// Shared group commit (see `flush`).
    flusher: Arc<flush::GroupFlush>,
    /// Serialises changes to a key's versions and its current row.
    commit_lock: Arc<std::sync::Mutex<()>>,
}

impl Index {
    /// Opens (or creates) the sled index in `dir`.
    pub fn open(dir: &std::path::Path) -> Result<Self, IndexError> {
        Self::with_engine(Arc::new(SledKv::open(dir)?))
    }

    /// The index over any engine (tests use [`MemKv`]).
    pub fn with_engine(kv: Arc<dyn Kv>) -> Result<Self, IndexError> {
        Ok(Self {
            seq: Arc::new(changes::Sequencer::open(kv.as_ref())?),
            kv,
            flusher: Arc::new(flush::GroupFlush::new()),
            commit_lock: Arc::new(std::sync::Mutex::new(())),
        })
    }

    /// Makes every change so far durable.
    pub async fn flush(&self) -> Result<(), IndexError> {
        self.flusher.flush(&self.kv).await
    }

    fn get_row<T: serde::de::DeserializeOwned>(
        &self,
        tree: Tree,
        key: &[u8],
    ) -> Result<Option<T>, IndexError> {
        self.kv.get(tree, key)?.map(|v| decode(&v)).transpose()
    }

    /// Rows of `tree` between the bounds, decoded.
    fn rows<T: serde::de::DeserializeOwned>(
        &self,
        tree: Tree,
        lo: Bound<Vec<u8>>,
        hi: Bound<Vec<u8>>,
    ) -> impl Iterator<Item = Result<T, IndexError>> + use<T> {
        self.kv
            .range(tree, lo, hi)
            .map(|r| r.map_err(IndexError::from).and_then(|(_, v)| decode(&v)))
    }

    /// The bucket record, if the bucket exists.
    pub fn get_bucket(&self, name: &str) -> Result<Option<BucketRow>, IndexError> {
        self.get_row(Tree::Buckets, name.as_bytes())
    }

    /// Inserts or replaces a bucket and flushes.
    pub async fn put_bucket(&self, rec: &BucketRow) -> Result<(), IndexError> {
        self.kv
            .insert(Tree::Buckets, rec.name.as_bytes(), encode(rec)?)?;
        self.flush().await
    }

    /// Removes a bucket record and flushes.
    pub async fn delete_bucket(&self, name: &str) -> Result<(), IndexError> {
        self.kv.remove(Tree::Buckets, name.as_bytes())?;
        self.flush().await
    }

    /// Every bucket, by name.
    pub fn list_buckets(&self) -> Result<Vec<BucketRow>, IndexError> {
        self.rows(Tree::Buckets, Bound::Unbounded, Bound::Unbounded)
            .collect()
    }

    /// True when the bucket holds no object version (delete markers count).
    pub fn bucket_is_empty(&self, bucket: &str) -> Result<bool, IndexError> {
        Ok(self
            .kv
            .range(
                Tree::Versions,
                Bound::Included(object_key(bucket, b"")),
                Bound::Excluded(bucket_end(bucket)),
            )
            .next()
            .transpose()?
            .is_none())
    }

    /// The current version of `key`.
    pub fn get_object(&self, bucket: &str, key: &str) -> Result<Option<VersionRow>, IndexError> {
        self.get_row(Tree::Objects, &object_key(bucket, key.as_bytes()))
    }

    /// Objects of `bucket` in key order, starting at `from` (raw key bytes).
    pub fn scan_objects(
        &self,
        bucket: &str,
        from: Bound<&[u8]>,
    ) -> impl Iterator<Item = Result<VersionRow, IndexError>> + use<> {
        let lo = match from {
            Bound::Included(k) => Bound::Included(object_key(bucket, k)),
            Bound::Excluded(k) => Bound::Excluded(object_key(bucket, k)),
            Bound::Unbounded => Bound::Included(object_key(bucket, b"")),
        };
        self.rows(Tree::Objects, lo, Bound::Excluded(bucket_end(bucket)))
    }

    /// Replaces the whole content with `buckets` and every version in
    /// `versions` (reindex). Returns the stale `null` versions it skipped.
    pub async fn replace_all(
        &self,
        buckets: &[BucketRow],
        versions: &[VersionRow],
    ) -> Result<Vec<VersionRow>, IndexError> {
        for t in [
            Tree::Buckets,
            Tree::Objects,
            Tree::Versions,
            Tree::Deletions,
        ] {
            self.kv.clear(t)?;
        }
        for b in buckets {
            self.kv
                .insert(Tree::Buckets, b.name.as_bytes(), encode(b)?)?;
        }
        let stale = self.load_versions(versions)?;
        self.flush().await?;
        Ok(stale)
    }
}

#[cfg(test)]
pub(crate) mod test_rows {
    use super::*;

    /// A version row of key `key` in bucket `b` with a fresh id.
    pub fn version(key: &str, null: bool, marker: bool) -> VersionRow {
        VersionRow {
            bucket: "b".into(),
            key: key.into(),
            version_id: uuid::Uuid::now_v7().simple().to_string(),
            size: 1,
            etag: "e".into(),
            mtime_ms: 0,
            layout: LayoutRow {
                data: 1,
                parity: 0,
                block_size: 1 << 20,
            },
            headers: Default::default(),
            user_meta: Default::default(),
            parts: Vec::new(),
            delete_marker: marker,
            null_version: null,
            tags: Default::default(),
            checksum: None,
            acl: None,
        }
    }

    /// An index on the in-memory engine.
    pub fn memory_index() -> Index {
        Index::with_engine(Arc::new(MemKv::new())).expect("index")
    }
}
