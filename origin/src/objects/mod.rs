//! The object layer: bucket and object operations as ordered steps over the
//! store (the truth, on the drives) and the index (what is current). Order
//! is what keeps crashes harmless: a PUT writes the drives first and commits
//! the index last; a DELETE commits its removal in the index first (with a
//! pending-deletion row, in the same atomic batch) and removes the drive
//! files after, so a crash leaves the key either fully there or fully gone,
//! and start-up finishes the removal.
//!
//! This is the only door to storage: the S3 handlers, the admin and edge
//! APIs and the HTTP front call this layer and use the types it owns or
//! re-exports below; they never import `store` or `index`. It knows no HTTP.

mod bucket;
mod error;
mod heal;
mod lifecycle;
mod list;
mod multipart;
pub mod names;
mod records;
mod rows;
mod tagging;
mod versions;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::Stream;
use gureum_common::feed::{BlockHashes, ChangeEvent, ChangeOp, ChangesPage};
use tokio::sync::watch;

pub use error::ObjectError;
pub use heal::HealStatus;
pub use lifecycle::{LifecycleClock, LifecycleReport};
pub use list::{ListPage, ListParams};
pub use multipart::{RequestedPart, UploadSpec};
pub use records::{
    BucketConfig, BucketRecord, CorsRule, LifecycleRule, PartRecord, PublicAccessBlock,
    UploadRecord, Versioning,
};
pub use tagging::validate_tags;
pub use versions::{VersionEntry, VersionListParams, VersionPage};

// The store's types the layers above use, re-exported so that this layer
// stays their only door.
pub use crate::store::checksum::decode as decode_checksum;
pub use crate::store::{
    ALL_ALGORITHMS, COMPOSITE, ChecksumAlgorithm, ChecksumPlan, DriveStatus, FULL_OBJECT,
    ObjectInfo, ObjectStream, OpenVersion, PartData, PutRequest, StoredAcl, StoredChecksum,
    StoredGrant, StoredHeaders, now_ms,
};

use crate::index::{Index, VersionChange};
use crate::store::{Store, StoreError};
use rows::{object_info, version_row};

/// Buckets and objects over one store and its index.
pub struct Objects {
    store: Arc<Store>,
    index: Index,
    /// Latest change-feed seq, so long-polls wake the moment it moves.
    feed_tx: watch::Sender<u64>,
    /// Serialises bucket settings changes (read-modify-write of the record).
    bucket_lock: tokio::sync::Mutex<()>,
    /// Block hashes of recently written or read versions, by version id:
    /// an edge's cold miss asks for them beside its HEAD, and reading them
    /// from a drive's `meta.json` made that the slower of the two.
    hashes: moka::sync::Cache<String, Arc<Vec<String>>>,
    /// Bucket records, read once per change.
    buckets: bucket::BucketCache,
}

/// Bytes of block hashes kept in memory (~2M blocks, i.e. ~2 TiB of objects).
const HASH_CACHE_BYTES: u64 = 128 << 20;

/// What a DeleteObject did, for its response headers.
#[derive(Debug, Default, Clone)]
pub struct DeleteOutcome {
    /// S3 version id of the version removed or the marker created.
    pub version_id: Option<String>,
    /// A delete marker was created or removed.
    pub delete_marker: bool,
}

impl Objects {
    /// Wires the layer over `store` and `index`.
    pub fn new(store: Arc<Store>, index: Index) -> Self {
        let (feed_tx, _) = watch::channel(index.next_change_seq());
        Self {
            store,
            index,
            feed_tx,
            bucket_lock: tokio::sync::Mutex::new(()),
            hashes: moka::sync::Cache::builder()
                .max_capacity(HASH_CACHE_BYTES)
                .weigher(|k: &String, v: &Arc<Vec<String>>| {
                    u32::try_from(k.len() + v.len() * 64 + 64).unwrap_or(u32::MAX)
                })
                .build(),
            buckets: bucket::BucketCache::default(),
        }
    }

    /// Appends to the change feed and wakes followers. A failure here is
    /// logged, not returned: the write itself has committed, and edges
    /// still converge through TTLs.
    fn publish(&self, info: &crate::index::VersionRow, op: ChangeOp) {
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
    /// events from `since`, waiting up to `wait` for one to arrive. A bucket
    /// that does not exist (yet) has a feed too, an empty one, so an edge
    /// that starts first holds a position from before the bucket's first
    /// write and misses none of them.
    pub async fn changes(
        &self,
        bucket: &str,
        since: Option<u64>,
        wait: Duration,
    ) -> Result<ChangesPage, ObjectError> {
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

    /// Publishes what a version change means to followers: the new
    /// current version, or the key's disappearance.
    fn publish_change(&self, change: &VersionChange) {
        if !change.current_changed() {
            return;
        }
        match (&change.after, &change.before) {
            (Some(after), _) if !after.delete_marker => self.publish(after, ChangeOp::Put),
            (_, Some(before)) => self.publish(before, ChangeOp::Delete),
            _ => {}
        }
    }

    /// Per-block blake3 hashes of the current version (for edges).
    pub async fn block_hashes(&self, bucket: &str, key: &str) -> Result<BlockHashes, ObjectError> {
        let info = self.head_object(bucket, key, None)?;
        let hashes = match self.hashes.get(&info.version_id) {
            Some(h) => h,
            None => {
                let rec = self.store.read_record(&info).await?;
                let h = Arc::new(rec.block_hashes);
                self.hashes.insert(info.version_id.clone(), Arc::clone(&h));
                h
            }
        };
        Ok(BlockHashes {
            bucket: info.bucket,
            key: info.key,
            version_id: info.version_id,
            etag: info.etag,
            size: info.size,
            block_size: info.layout.block_size,
            block_hashes: hashes.as_ref().clone(),
        })
    }

    /// Online and offline drive counts (health, metrics).
    pub fn drive_status(&self) -> DriveStatus {
        self.store.drive_status()
    }

    /// Whether enough drives are online to accept writes.
    pub fn has_write_quorum(&self) -> bool {
        self.store.has_write_quorum()
    }

    /// The deployment id the drives were formatted with.
    pub fn deployment_id(&self) -> String {
        self.store.deployment_id().to_string()
    }

    /// The newest copy of system document `name` (IAM state): its
    /// generation and body.
    pub async fn read_system_doc(
        &self,
        name: &str,
    ) -> Result<Option<(u64, serde_json::Value)>, ObjectError> {
        Ok(self.store.read_system_doc(name).await?)
    }

    /// Writes generation `generation` of system document `name` durably
    /// on a write quorum of drives.
    pub async fn write_system_doc(
        &self,
        name: &str,
        generation: u64,
        body: serde_json::Value,
    ) -> Result<(), ObjectError> {
        Ok(self.store.write_system_doc(name, generation, body).await?)
    }

    /// Data and parity shards of new objects.
    pub fn layout(&self) -> (usize, usize) {
        let l = self.store.layout();
        (l.data, l.parity)
    }

    /// Writes a new version of a key; in an unversioned or suspended bucket
    /// it replaces the key's `null` version.
    pub async fn put_object<S, E>(
        &self,
        mut req: PutRequest,
        body: S,
        checksum: ChecksumPlan,
    ) -> Result<ObjectInfo, ObjectError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let bucket = self.require_bucket(&req.bucket)?;
        req.null_version = bucket.config.versioning != Versioning::Enabled;
        let (info, hashes) = self.store.put(req, body, checksum).await?;
        self.commit_version(&info).await?;
        self.hashes
            .insert(info.version_id.clone(), Arc::new(hashes));
        Ok(info)
    }

    /// Makes `info` (already on the drives) a version of its key, publishes
    /// the change and deletes the data of the version it replaced, if any.
    pub(super) async fn commit_version(&self, info: &ObjectInfo) -> Result<(), ObjectError> {
        let change = self.index.commit_version(&version_row(info)).await?;
        self.publish_change(&change);
        for old in &change.dropped {
            // The index keeps a pending-deletion row for it until here; a
            // crash before this point is finished at start.
            self.delete_drive_files(&old.bucket, &old.key, &old.version_id)
                .await;
        }
        Ok(())
    }

    /// Removes a version's files from the drives, then its pending-deletion
    /// row. A failure is logged and left for the next start to retry.
    async fn delete_drive_files(&self, bucket: &str, key: &str, version_id: &str) {
        if let Err(err) = crate::store::fault::check("delete.drive_files") {
            tracing::warn!(bucket, key, %err, "version files not removed; retried at start");
            return;
        }
        match self.store.delete_version(bucket, key, version_id).await {
            Ok(()) => {
                let done = crate::index::DeletionRow {
                    bucket: bucket.to_string(),
                    key: key.to_string(),
                    version_id: version_id.to_string(),
                };
                if let Err(err) = self.index.finish_deletion(&done).await {
                    tracing::warn!(bucket, key, %err, "pending deletion not cleared");
                }
            }
            Err(err) => {
                tracing::warn!(bucket, key, %err, "version files not removed; retried at start")
            }
        }
    }

    /// Finishes the drive-side removals a crash interrupted (start-up and
    /// reindex); returns how many there were.
    pub async fn finish_pending_deletions(&self) -> Result<usize, ObjectError> {
        let pending = self.index.pending_deletions()?;
        for d in &pending {
            self.delete_drive_files(&d.bucket, &d.key, &d.version_id)
                .await;
        }
        if !pending.is_empty() {
            self.index.flush().await?;
        }
        Ok(pending.len())
    }

    /// A version's facts (HEAD): the current one, or the one S3 calls
    /// `version_id`. Delete markers answer as S3 does (404 / 405).
    pub fn head_object(
        &self,
        bucket: &str,
        key: &str,
        version_id: Option<&str>,
    ) -> Result<ObjectInfo, ObjectError> {
        self.require_bucket(bucket)?;
        let Some(v) = version_id else {
            if let Some(row) = self.index.get_object(bucket, key)? {
                return Ok(object_info(row));
            }
            return match self.index.latest_version(bucket, key)? {
                Some(m) if m.delete_marker => Err(ObjectError::DeleteMarker {
                    version_id: object_info(m).s3_version_id().to_string(),
                    requested: false,
                }),
                _ => Err(ObjectError::NoSuchKey),
            };
        };
        check_version_id(v)?;
        match self.index.find_version(bucket, key, v)? {
            Some(m) if m.delete_marker => Err(ObjectError::DeleteMarker {
                version_id: object_info(m).s3_version_id().to_string(),
                requested: true,
            }),
            Some(row) => Ok(object_info(row)),
            None => Err(ObjectError::NoSuchVersion),
        }
    }

    /// Opens a version for reading (see `head_object`). Retries once when
    /// the current version was replaced between the index read and the open.
    pub async fn open_object(
        &self,
        bucket: &str,
        key: &str,
        version_id: Option<&str>,
    ) -> Result<(ObjectInfo, OpenVersion), ObjectError> {
        let mut info = self.head_object(bucket, key, version_id)?;
        for attempt in 0..2 {
            match self.store.open_version(&info).await {
                Ok(open) => return Ok((info, open)),
                Err(err @ (StoreError::VersionGone | StoreError::NotEnoughShards)) => {
                    if version_id.is_none() && attempt == 0 {
                        let now = self.head_object(bucket, key, None)?;
                        if now.version_id != info.version_id {
                            info = now;
                            continue;
                        }
                    }
                    if matches!(err, StoreError::VersionGone) {
                        // On no drive at all (files removed underneath us).
                        let (_, change) = self
                            .index
                            .remove_version(bucket, key, &info.version_id)
                            .await?;
                        self.publish_change(&change);
                        self.delete_drive_files(bucket, key, &info.version_id).await;
                        return Err(if version_id.is_some() {
                            ObjectError::NoSuchVersion
                        } else {
                            ObjectError::NoSuchKey
                        });
                    }
                    return Err(err.into());
                }
                Err(err) => return Err(err.into()),
            }
        }
        Err(ObjectError::NoSuchKey)
    }

    /// Streams a byte range of an opened version.
    pub fn read(&self, open: OpenVersion, range: std::ops::Range<u64>) -> ObjectStream {
        self.store.read(open, range)
    }

    /// DeleteObject: without a version id, removes the key (unversioned
    /// bucket) or hides it behind a new delete marker (versioned or
    /// suspended); with one, removes exactly that version for good. No
    /// error when there is nothing to delete, as S3.
    pub async fn delete_object(
        &self,
        bucket: &str,
        key: &str,
        version_id: Option<&str>,
    ) -> Result<DeleteOutcome, ObjectError> {
        let rec = self.require_bucket(bucket)?;
        if let Some(v) = version_id {
            check_version_id(v)?;
            let Some(info) = self.index.find_version(bucket, key, v)?.map(object_info) else {
                return Ok(DeleteOutcome {
                    version_id: Some(v.to_string()),
                    delete_marker: false,
                });
            };
            self.remove_version(&info).await?;
            return Ok(DeleteOutcome {
                version_id: Some(v.to_string()),
                delete_marker: info.delete_marker,
            });
        }
        match rec.config.versioning {
            Versioning::Unversioned => {
                if let Some(row) = self.index.get_object(bucket, key)? {
                    self.remove_version(&object_info(row)).await?;
                }
                Ok(DeleteOutcome::default())
            }
            Versioning::Enabled | Versioning::Suspended => {
                let marker = PutRequest {
                    bucket: bucket.to_string(),
                    key: key.to_string(),
                    headers: Default::default(),
                    user_meta: Default::default(),
                    expected_md5: None,
                    expected_size: Some(0),
                    delete_marker: true,
                    null_version: rec.config.versioning == Versioning::Suspended,
                    tags: Default::default(),
                    acl: None,
                };
                let empty = futures::stream::empty::<Result<Bytes, std::io::Error>>();
                let (info, _) = self
                    .store
                    .put(marker, empty, ChecksumPlan::default())
                    .await?;
                self.commit_version(&info).await?;
                Ok(DeleteOutcome {
                    version_id: Some(info.s3_version_id().to_string()),
                    delete_marker: true,
                })
            }
        }
    }

    /// Removes one version: committed in the index first (durably, with a
    /// pending-deletion row), then its drive files, so a crash in between
    /// leaves the version gone for clients and its files for start-up.
    pub(super) async fn remove_version(&self, info: &ObjectInfo) -> Result<(), ObjectError> {
        let (_, change) = self
            .index
            .remove_version(&info.bucket, &info.key, &info.version_id)
            .await?;
        self.publish_change(&change);
        self.delete_drive_files(&info.bucket, &info.key, &info.version_id)
            .await;
        Ok(())
    }

    /// Rebuilds the index from the drives alone: buckets with their
    /// settings, every version; returns (buckets, versions, unreadable).
    pub async fn reindex(&self) -> Result<(usize, usize, usize), ObjectError> {
        // Deletions the old index still owed would otherwise come back.
        self.finish_pending_deletions().await?;
        let scan = self.store.scan().await?;
        let buckets: Vec<BucketRecord> = scan
            .buckets
            .values()
            .map(bucket::record_from_marker)
            .collect();
        let rows = buckets
            .iter()
            .map(rows::bucket_row)
            .collect::<Result<Vec<_>, _>>()?;
        let versions: Vec<_> = scan.versions.iter().map(version_row).collect();
        let replaced = self.index.replace_all(&rows, &versions).await;
        self.buckets.forget_all();
        let stale = replaced?;
        for v in stale {
            // A null version replaced before a crash could delete it.
            if let Err(err) = self
                .store
                .delete_version(&v.bucket, &v.key, &v.version_id)
                .await
            {
                tracing::warn!(bucket = %v.bucket, key = %v.key, %err, "stale version not removed");
            }
        }
        Ok((buckets.len(), scan.versions.len(), scan.unreadable))
    }
}

/// Version ids are ours (32 hex digits) or `null`; anything else is
/// InvalidArgument, as S3 answers for ids it never issued.
fn check_version_id(v: &str) -> Result<(), ObjectError> {
    if v == "null" || (v.len() == 32 && v.bytes().all(|b| b.is_ascii_hexdigit())) {
        Ok(())
    } else {
        Err(ObjectError::InvalidArgument(
            "Invalid version id specified".into(),
        ))
    }
}
