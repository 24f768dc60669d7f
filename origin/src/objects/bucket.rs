//! Buckets: create, delete, look up, and their settings (versioning, CORS,
//! lifecycle). Settings are written to the drives' bucket markers first and
//! the index second, like everything else, so a reindex restores them.

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

impl Objects {
    pub(super) fn require_bucket(&self, bucket: &str) -> Result<BucketRecord, ObjectError> {
        self.index
            .get_bucket(bucket)?
            .map(bucket_record)
            .transpose()?
            .ok_or(ObjectError::NoSuchBucket)
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
        self.index.put_bucket(&bucket_row(&rec)?).await?;
        Ok(())
    }

    /// The bucket's record, or NoSuchBucket.
    pub fn head_bucket(&self, bucket: &str) -> Result<BucketRecord, ObjectError> {
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
        self.index.delete_bucket(bucket).await?;
        self.store.delete_bucket(bucket).await?;
        Ok(())
    }

    /// Changes a bucket's settings with `edit`, on the drives then the index.
    pub async fn update_bucket_config(
        &self,
        bucket: &str,
        edit: impl FnOnce(&mut BucketConfig),
    ) -> Result<BucketRecord, ObjectError> {
        let _guard = self.bucket_lock.lock().await;
        let mut rec = self.require_bucket(bucket)?;
        edit(&mut rec.config);
        self.store.write_bucket(marker_of(&rec)?).await?;
        self.index.put_bucket(&bucket_row(&rec)?).await?;
        Ok(rec)
    }
}
