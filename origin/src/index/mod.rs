//! The metadata index: buckets, and `bucket/key -> current version` with its
//! listing fields, in sled. Kept behind this narrow API (get/put/delete/scan)
//! so the engine can be swapped in one module. Every record carries a format
//! version. The index is a cache of what the drives say: `reindex` rebuilds
//! it from them, so it must never hold anything the drives do not. It also
//! stores the change feed (see `changes`), which is not rebuilt: edges
//! that ask for events from before a reindex are told to reset.

mod changes;
mod flush;
mod uploads;
mod versions;

use std::ops::Bound;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::store::ObjectInfo;

pub use uploads::{PartRecord, UploadRecord};
pub use versions::{VersionChange, VersionsFrom};

/// Format version written into every record.
const RECORD_FORMAT: u32 = 1;

/// Index failures.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// The database failed.
    #[error("index database: {0}")]
    Db(#[from] sled::Error),
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
    #[error("index record format {0} is newer than this build understands")]
    UnknownFormat(u32),
}

/// A bucket as the index knows it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BucketRecord {
    /// Bucket name.
    pub name: String,
    /// Creation time, unix milliseconds.
    pub created_ms: i64,
    /// Versioning, CORS, lifecycle: also kept in the drives' bucket marker.
    #[serde(default)]
    pub config: BucketConfig,
}

/// Per-bucket settings S3 clients configure.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BucketConfig {
    /// Versioning state.
    #[serde(default)]
    pub versioning: Versioning,
    /// CORS rules (empty: no CORS configuration).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cors: Vec<CorsRule>,
    /// Lifecycle rules (empty: no lifecycle configuration).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lifecycle: Vec<LifecycleRule>,
}

/// A bucket's versioning state, as S3 has it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Versioning {
    /// Never enabled: one `null` version per key, replaced by each write.
    #[default]
    Unversioned,
    /// Every write makes a new version; deletes add delete markers.
    Enabled,
    /// Writes make `null` versions again; older versions are kept.
    Suspended,
}

/// One CORS rule.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorsRule {
    /// Rule id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Origins (`*` wildcards allowed, at most one each).
    pub allowed_origins: Vec<String>,
    /// Methods (GET, PUT, POST, DELETE, HEAD).
    pub allowed_methods: Vec<String>,
    /// Request headers a preflight may ask for (`*` wildcards allowed).
    #[serde(default)]
    pub allowed_headers: Vec<String>,
    /// Response headers exposed to scripts.
    #[serde(default)]
    pub expose_headers: Vec<String>,
    /// Preflight cache time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age_secs: Option<i32>,
}

/// One lifecycle rule (the subset Gureum applies).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LifecycleRule {
    /// Rule id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Enabled (false: kept but not applied).
    pub enabled: bool,
    /// Keys it applies to.
    #[serde(default)]
    pub prefix: String,
    /// Expire current versions this many days after their creation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_days: Option<i32>,
    /// Expire current versions from this instant on (unix ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_date_ms: Option<i64>,
    /// Remove noncurrent versions this many days after they became noncurrent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub noncurrent_days: Option<i32>,
    /// Abort multipart uploads this many days after they started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abort_incomplete_days: Option<i32>,
}

#[derive(Serialize, Deserialize)]
struct Versioned<T> {
    v: u32,
    #[serde(flatten)]
    rec: T,
}

fn encode<T: Serialize>(rec: &T) -> Result<Vec<u8>, IndexError> {
    Ok(serde_json::to_vec(&Versioned {
        v: RECORD_FORMAT,
        rec,
    })?)
}

fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, IndexError> {
    let rec: Versioned<T> = serde_json::from_slice(bytes)?;
    if rec.v > RECORD_FORMAT {
        return Err(IndexError::UnknownFormat(rec.v));
    }
    Ok(rec.rec)
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

/// The sled-backed index.
#[derive(Clone)]
pub struct Index {
    db: sled::Db,
    buckets: sled::Tree,
    objects: sled::Tree,
    /// Every version of every key (see `versions`).
    versions: sled::Tree,
    changes: sled::Tree,
    uploads: sled::Tree,
    parts: sled::Tree,
    seq: Arc<changes::Sequencer>,
    /// Shared group commit (see `flush`).
    flusher: Arc<flush::GroupFlush>,
    /// Serialises changes to a key's versions and its current row.
    commit_lock: Arc<std::sync::Mutex<()>>,
}

impl Index {
    /// Opens (or creates) the index in `dir`.
    pub fn open(dir: &std::path::Path) -> Result<Self, IndexError> {
        let db = sled::Config::new().path(dir).open()?;
        let changes = db.open_tree("changes")?;
        Ok(Self {
            buckets: db.open_tree("buckets")?,
            objects: db.open_tree("objects")?,
            versions: db.open_tree("versions")?,
            uploads: db.open_tree("uploads")?,
            parts: db.open_tree("parts")?,
            seq: Arc::new(changes::Sequencer::open(&changes)?),
            changes,
            db,
            flusher: Arc::new(flush::GroupFlush::new()),
            commit_lock: Arc::new(std::sync::Mutex::new(())),
        })
    }

    /// Makes every change so far durable.
    pub async fn flush(&self) -> Result<(), IndexError> {
        self.flusher.flush(&self.db).await
    }

    /// The bucket record, if the bucket exists.
    pub fn get_bucket(&self, name: &str) -> Result<Option<BucketRecord>, IndexError> {
        self.buckets
            .get(name.as_bytes())?
            .map(|v| decode(&v))
            .transpose()
    }

    /// Inserts or replaces a bucket and flushes.
    pub async fn put_bucket(&self, rec: &BucketRecord) -> Result<(), IndexError> {
        self.buckets.insert(rec.name.as_bytes(), encode(rec)?)?;
        self.flush().await
    }

    /// Removes a bucket record and flushes.
    pub async fn delete_bucket(&self, name: &str) -> Result<(), IndexError> {
        self.buckets.remove(name.as_bytes())?;
        self.flush().await
    }

    /// Every bucket, by name.
    pub fn list_buckets(&self) -> Result<Vec<BucketRecord>, IndexError> {
        self.buckets.iter().map(|r| decode(&r?.1)).collect()
    }

    /// True when the bucket holds no object version (delete markers count).
    pub fn bucket_is_empty(&self, bucket: &str) -> Result<bool, IndexError> {
        Ok(self
            .versions
            .scan_prefix(object_key(bucket, b""))
            .next()
            .transpose()?
            .is_none())
    }

    /// The current version of `key`.
    pub fn get_object(&self, bucket: &str, key: &str) -> Result<Option<ObjectInfo>, IndexError> {
        self.objects
            .get(object_key(bucket, key.as_bytes()))?
            .map(|v| decode(&v))
            .transpose()
    }

    /// Objects of `bucket` in key order, starting at `from` (raw key bytes).
    pub fn scan_objects(
        &self,
        bucket: &str,
        from: Bound<&[u8]>,
    ) -> impl Iterator<Item = Result<ObjectInfo, IndexError>> + use<> {
        let lo = match from {
            Bound::Included(k) => Bound::Included(object_key(bucket, k)),
            Bound::Excluded(k) => Bound::Excluded(object_key(bucket, k)),
            Bound::Unbounded => Bound::Included(object_key(bucket, b"")),
        };
        // Everything of this bucket sorts below "bucket\x01".
        let mut hi = bucket.as_bytes().to_vec();
        hi.push(1);
        self.objects
            .range::<Vec<u8>, _>((lo, Bound::Excluded(hi)))
            .map(|r| decode(&r?.1))
    }

    /// Replaces the whole content with `buckets` and every version in
    /// `versions` (reindex). Returns the stale `null` versions it skipped.
    pub async fn replace_all(
        &self,
        buckets: &[BucketRecord],
        versions: &[ObjectInfo],
    ) -> Result<Vec<ObjectInfo>, IndexError> {
        self.buckets.clear()?;
        self.objects.clear()?;
        self.versions.clear()?;
        for b in buckets {
            self.buckets.insert(b.name.as_bytes(), encode(b)?)?;
        }
        let stale = self.load_versions(versions)?;
        self.flush().await?;
        Ok(stale)
    }
}
