//! The object layer: bucket and object operations as ordered steps over the
//! store (the truth, on the drives) and the index (what is current). Order
//! is what keeps crashes harmless: a PUT writes the drives first and commits
//! the index last; a DELETE removes from the drives first, so a crash leaves
//! at worst an index row with no data, which reads treat as absent.
//! This is what the S3 handlers (and admin tasks) call; it knows no HTTP.

mod error;
mod heal;
mod list;
mod multipart;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::Stream;
use gureum_common::feed::{BlockHashes, ChangeEvent, ChangeOp, ChangesPage};
use tokio::sync::watch;

pub use error::ObjectError;
pub use heal::HealStatus;
pub use list::{ListPage, ListParams};

use crate::index::{BucketRecord, Index};
use crate::store::{ObjectInfo, OpenVersion, PutRequest, Store, StoreError, now_ms};

/// Buckets and objects over one store and its index.
pub struct Objects {
    store: Arc<Store>,
    index: Index,
    /// Latest change-feed seq, so long-polls wake the moment it moves.
    feed_tx: watch::Sender<u64>,
}

impl Objects {
    /// Wires the layer over `store` and `index`.
    pub fn new(store: Arc<Store>, index: Index) -> Self {
        let (feed_tx, _) = watch::channel(index.next_change_seq());
        Self {
            store,
            index,
            feed_tx,
        }
    }

    /// Appends to the change feed and wakes followers. A failure here is
    /// logged, not returned: the write itself has committed, and edges
    /// still converge through TTLs.
    fn publish(&self, info: &ObjectInfo, op: ChangeOp) {
        let event = ChangeEvent {
            seq: 0,
            bucket: info.bucket.clone(),
            key: info.key.clone(),
            op,
            etag: if op == ChangeOp::Put {
                info.etag.clone()
            } else {
                String::new()
            },
            version_id: info.version_id.clone(),
        };
        match self.index.append_change(event) {
            Ok(seq) => {
                self.feed_tx.send_replace(seq + 1);
            }
            Err(err) => tracing::error!(%err, "change feed append failed"),
        }
    }

    /// Change-feed page for `bucket`: from "now" without `since`, else
    /// events from `since`, waiting up to `wait` for one to arrive.
    pub async fn changes(
        &self,
        bucket: &str,
        since: Option<u64>,
        wait: Duration,
    ) -> Result<ChangesPage, ObjectError> {
        self.require_bucket(bucket)?;
        let Some(since) = since else {
            return Ok(ChangesPage {
                events: Vec::new(),
                next: self.index.next_change_seq(),
                reset: false,
            });
        };
        let mut rx = self.feed_tx.subscribe();
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            rx.mark_unchanged();
            let page = self.index.changes_since(bucket, since, 1000)?;
            if !page.events.is_empty() || page.reset {
                return Ok(page);
            }
            if tokio::time::timeout_at(deadline, rx.changed())
                .await
                .is_err()
            {
                return Ok(page);
            }
        }
    }

    /// Per-block blake3 hashes of the current version (for edges).
    pub async fn block_hashes(&self, bucket: &str, key: &str) -> Result<BlockHashes, ObjectError> {
        let info = self.head_object(bucket, key)?;
        let rec = self.store.read_record(&info).await?;
        Ok(BlockHashes {
            bucket: info.bucket,
            key: info.key,
            version_id: info.version_id,
            etag: info.etag,
            size: info.size,
            block_size: info.layout.block_size,
            block_hashes: rec.block_hashes,
        })
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
        if bucket == crate::api::RESERVED {
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
        self.commit_version(&info).await?;
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
        if self
            .index
            .delete_object_if(bucket, key, &info.version_id)
            .await?
        {
            self.publish(&info, ChangeOp::Delete);
        }
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
