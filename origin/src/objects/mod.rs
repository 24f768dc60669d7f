//! The object layer: bucket and object operations as ordered steps over the
//! store (the truth, on the drives) and the index (what is current). Order
//! is what keeps crashes harmless: a PUT writes the drives first and commits
//! the index last; a DELETE removes from the drives first, so a crash leaves
//! at worst an index row with no data, which reads treat as absent.
//! This is what the S3 handlers (and admin tasks) call; it knows no HTTP.

mod error;
mod heal;
mod list;

use std::sync::Arc;

use bytes::Bytes;
use futures::Stream;

pub use error::ObjectError;
pub use heal::HealStatus;
pub use list::{ListPage, ListParams};

use crate::index::{BucketRecord, Index};
use crate::store::{ObjectInfo, OpenVersion, PutRequest, Store, StoreError, now_ms};

/// Buckets and objects over one store and its index.
pub struct Objects {
    store: Arc<Store>,
    index: Index,
}

impl Objects {
    /// Wires the layer over `store` and `index`.
    pub fn new(store: Arc<Store>, index: Index) -> Self {
        Self { store, index }
    }

    /// The underlying store (for health and metrics).
    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    fn require_bucket(&self, bucket: &str) -> Result<BucketRecord, ObjectError> {
        self.index
            .get_bucket(bucket)?
            .ok_or(ObjectError::NoSuchBucket)
    }

    /// Creates a bucket on the drives, then in the index.
    pub async fn create_bucket(&self, bucket: &str) -> Result<(), ObjectError> {
        if bucket == crate::admin::RESERVED {
            return Err(ObjectError::ReservedName);
        }
        if self.index.get_bucket(bucket)?.is_some() {
            return Err(ObjectError::BucketAlreadyOwnedByYou);
        }
        self.store.create_bucket(bucket).await?;
        self.index
            .put_bucket(&BucketRecord {
                name: bucket.to_string(),
                created_ms: now_ms(),
            })
            .await?;
        Ok(())
    }

    /// The bucket's record, or NoSuchBucket.
    pub fn head_bucket(&self, bucket: &str) -> Result<BucketRecord, ObjectError> {
        self.require_bucket(bucket)
    }

    /// Every bucket.
    pub fn list_buckets(&self) -> Result<Vec<BucketRecord>, ObjectError> {
        Ok(self.index.list_buckets()?)
    }

    /// Deletes an empty bucket.
    pub async fn delete_bucket(&self, bucket: &str) -> Result<(), ObjectError> {
        self.require_bucket(bucket)?;
        if !self.index.bucket_is_empty(bucket)? {
            return Err(ObjectError::BucketNotEmpty);
        }
        self.index.delete_bucket(bucket).await?;
        self.store.delete_bucket(bucket).await?;
        Ok(())
    }

    /// Writes a new current version of a key and retires the one it replaced.
    pub async fn put_object<S, E>(
        &self,
        req: PutRequest,
        body: S,
    ) -> Result<ObjectInfo, ObjectError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        self.require_bucket(&req.bucket)?;
        let info = self.store.put(req, body).await?;
        if let Some(old) = self.index.put_object(&info).await?
            && old.version_id != info.version_id
        {
            // Drives hold the old version until here; a crash before this
            // point leaves an orphan that reindex would rank below the new one.
            if let Err(err) = self
                .store
                .delete_version(&old.bucket, &old.key, &old.version_id)
                .await
            {
                tracing::warn!(bucket = %old.bucket, key = %old.key, %err, "old version not removed");
            }
        }
        Ok(info)
    }

    /// The current version's facts (HEAD).
    pub fn head_object(&self, bucket: &str, key: &str) -> Result<ObjectInfo, ObjectError> {
        self.require_bucket(bucket)?;
        self.index
            .get_object(bucket, key)?
            .ok_or(ObjectError::NoSuchKey)
    }

    /// Opens the current version for reading. Retries once when the version
    /// was replaced between the index read and the open.
    pub async fn open_object(
        &self,
        bucket: &str,
        key: &str,
    ) -> Result<(ObjectInfo, OpenVersion), ObjectError> {
        let mut info = self.head_object(bucket, key)?;
        for attempt in 0..2 {
            match self.store.open_version(&info).await {
                Ok(open) => return Ok((info, open)),
                Err(err @ (StoreError::VersionGone | StoreError::NotEnoughShards)) => {
                    let now = self.head_object(bucket, key)?;
                    if now.version_id != info.version_id && attempt == 0 {
                        info = now;
                        continue;
                    }
                    if matches!(err, StoreError::VersionGone) {
                        // Deleted from the drives but not the index (crash mid-delete).
                        self.index
                            .delete_object_if(bucket, key, &info.version_id)
                            .await?;
                        return Err(ObjectError::NoSuchKey);
                    }
                    return Err(err.into());
                }
                Err(err) => return Err(err.into()),
            }
        }
        Err(ObjectError::NoSuchKey)
    }

    /// Streams a byte range of an opened version.
    pub fn read(
        &self,
        open: OpenVersion,
        range: std::ops::Range<u64>,
    ) -> crate::store::ObjectStream {
        self.store.read(open, range)
    }

    /// Deletes a key (no error when absent, as S3).
    pub async fn delete_object(&self, bucket: &str, key: &str) -> Result<(), ObjectError> {
        self.require_bucket(bucket)?;
        let Some(info) = self.index.get_object(bucket, key)? else {
            return Ok(());
        };
        self.store
            .delete_version(bucket, key, &info.version_id)
            .await?;
        self.index
            .delete_object_if(bucket, key, &info.version_id)
            .await?;
        Ok(())
    }

    /// Rebuilds the index from the drives alone.
    pub async fn reindex(&self) -> Result<(usize, usize, usize), ObjectError> {
        let scan = self.store.scan().await?;
        let buckets: Vec<BucketRecord> = scan
            .buckets
            .iter()
            .map(|b| BucketRecord {
                name: b.clone(),
                created_ms: now_ms(),
            })
            .collect();
        self.index.replace_all(&buckets, &scan.objects).await?;
        Ok((buckets.len(), scan.objects.len(), scan.unreadable))
    }
}
