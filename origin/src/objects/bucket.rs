//! Buckets: create, delete, look up, and their settings (versioning, CORS,
//! lifecycle). Settings are written to the drives' bucket markers first and
//! the index second, like everything else, so a reindex restores them.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use super::names::{RESERVED, valid_bucket_name};
use super::records::{BucketConfig, BucketRecord};
use super::rows::{bucket_record, bucket_row};
use super::{ObjectError, Objects};
use crate::store::BucketMarker;

/// The index record a drive marker describes.
pub(super) fn record_from_marker(m: &BucketMarker) -> BucketRecord {
    let config = if m.config.is_null() {
        BucketConfig::default()
    } else {
        serde_json::from_value(m.config.clone()).unwrap_or_else(|err| {
            tracing::warn!(bucket = %m.bucket, %err, "bucket settings unreadable; using defaults");
            BucketConfig::default()
        })
    };
    BucketRecord {
        name: m.bucket.clone(),
        created_ms: m.created_ms,
        config,
    }
}

fn marker_of(rec: &BucketRecord) -> Result<BucketMarker, ObjectError> {
    let mut m = BucketMarker::new(&rec.name, serde_json::Value::Null);
    m.created_ms = rec.created_ms;
    m.config = serde_json::to_value(&rec.config).map_err(ObjectError::internal)?;
    Ok(m)
}

/// Bucket records by name. Every request looks its bucket up two to four
/// times (the handler, the authorizer, CORS, the version header), and an
/// index read decodes the whole record each time; buckets change rarely.
/// A lookup that raced a change is not kept: each change bumps the
/// generation, and a record read under an older one is returned but not
/// cached, so the cache never holds a record older than the index.
#[derive(Default)]
pub(super) struct BucketCache {
    generation: AtomicU64,
    records: RwLock<HashMap<String, Arc<BucketRecord>>>,
}

impl BucketCache {
    fn get(&self, bucket: &str) -> Option<Arc<BucketRecord>> {
        self.records
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(bucket)
            .cloned()
    }

    fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    fn keep(&self, read_at: u64, rec: &Arc<BucketRecord>) {
        let mut map = self.records.write().unwrap_or_else(|e| e.into_inner());
        if self.generation() == read_at {
            map.insert(rec.name.clone(), Arc::clone(rec));
        }
    }

    /// Drops every record; called after any bucket change reaches the
    /// index (create, settings, delete, reindex).
    pub(super) fn forget_all(&self) {
        let mut map = self.records.write().unwrap_or_else(|e| e.into_inner());
        self.generation.fetch_add(1, Ordering::AcqRel);
        map.clear();
    }
}

impl Objects {
    pub(super) fn require_bucket(&self, bucket: &str) -> Result<Arc<BucketRecord>, ObjectError> {
        if let Some(rec) = self.buckets.get(bucket) {
            return Ok(rec);
        }
        let read_at = self.buckets.generation();
        let rec = self
            .index
            .get_bucket(bucket)?
            .map(bucket_record)
            .transpose()?
            .ok_or(ObjectError::NoSuchBucket)?;
        let rec = Arc::new(rec);
        self.buckets.keep(read_at, &rec);
        Ok(rec)
    }

    /// Creates a bucket with `config` (its ACL, ownership) on the drives,
    /// then in the index.
    pub async fn create_bucket(
        &self,
        bucket: &str,
        config: BucketConfig,
    ) -> Result<(), ObjectError> {
        if bucket == RESERVED || !valid_bucket_name(bucket) {
            return Err(ObjectError::ReservedName);
        }
        let _guard = self.bucket_lock.lock().await;
        if self.index.get_bucket(bucket)?.is_some() {
            return Err(ObjectError::BucketAlreadyOwnedByYou);
        }
        let mut rec = record_from_marker(&BucketMarker::new(bucket, serde_json::Value::Null));
        rec.config = config;
        self.store.write_bucket(marker_of(&rec)?).await?;
        let put = self.index.put_bucket(&bucket_row(&rec)?).await;
        self.buckets.forget_all();
        put?;
        Ok(())
    }

    /// The bucket's record, or NoSuchBucket.
    pub fn head_bucket(&self, bucket: &str) -> Result<Arc<BucketRecord>, ObjectError> {
        self.require_bucket(bucket)
    }

    /// Every bucket.
    pub fn list_buckets(&self) -> Result<Vec<BucketRecord>, ObjectError> {
        self.index
            .list_buckets()?
            .into_iter()
            .map(bucket_record)
            .collect()
    }

    /// Deletes a bucket with no versions, delete markers or uploads left.
    pub async fn delete_bucket(&self, bucket: &str) -> Result<(), ObjectError> {
        let _guard = self.bucket_lock.lock().await;
        self.require_bucket(bucket)?;
        if !self.index.bucket_is_empty(bucket)? {
            return Err(ObjectError::BucketNotEmpty);
        }
        // Unfinished uploads would be orphaned on the drives; S3 drops them.
        let uploads: Vec<_> = self
            .index
            .list_uploads(bucket, "", None)
            .map(|r| r.map(super::rows::upload_record))
            .collect::<Result<_, _>>()?;
        for up in &uploads {
            self.abort_upload(up).await?;
        }
        let deleted = self.index.delete_bucket(bucket).await;
        self.buckets.forget_all();
        deleted?;
        self.store.delete_bucket(bucket).await?;
        Ok(())
    }

    /// Changes a bucket's settings with `edit`, on the drives then the index.
    pub async fn update_bucket_config(
        &self,
        bucket: &str,
        edit: impl FnOnce(&mut BucketConfig),
    ) -> Result<Arc<BucketRecord>, ObjectError> {
        let _guard = self.bucket_lock.lock().await;
        let mut rec = (*self.require_bucket(bucket)?).clone();
        edit(&mut rec.config);
        self.store.write_bucket(marker_of(&rec)?).await?;
        let put = self.index.put_bucket(&bucket_row(&rec)?).await;
        self.buckets.forget_all();
        put?;
        Ok(Arc::new(rec))
    }
}
