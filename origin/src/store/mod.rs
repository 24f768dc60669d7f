//! The erasure-coded storage engine: a set of drive directories, each block
//! of an object split into `data + parity` shards (one per drive), every
//! shard-block checked with blake3, a metadata record on every drive, and
//! atomic temp-fsync-rename writes with a write quorum.
//!
//! The store knows nothing about HTTP or the index: it writes, reads, deletes
//! and scans versions. Which version is current is the object layer's call.

mod bucket;
pub mod checksum;
mod drive;
mod erasure;
mod error;
pub mod fault;
mod format;
mod heal;
mod layout;
mod md5_batch;
mod meta;
mod multipart;
mod reader;
mod scan;
mod shard_file;
mod system;
mod writer;

use std::path::PathBuf;
use std::sync::Arc;

use prometheus::IntCounter;

pub use bucket::BucketMarker;
pub use checksum::{ALL_ALGORITHMS, COMPOSITE, ChecksumAlgorithm, FULL_OBJECT};
pub use drive::Drive;
pub use error::StoreError;
pub use heal::HealReport;
pub use layout::{DEFAULT_BLOCK_SIZE, Layout, default_parity, write_quorum};
pub use meta::{
    ObjectInfo, PartInfo, StoredAcl, StoredChecksum, StoredGrant, StoredHeaders, VersionRecord,
};
pub use reader::{ObjectStream, OpenVersion};
pub use scan::ScanResult;
pub use writer::{ChecksumPlan, PartData, PutRequest, Staged, new_id, now_ms};

use drive::{create_dir_durable, remove_any};
use erasure::Codec;

/// Counters the store bumps; registered by the metrics module, or left
/// unregistered (tests).
#[derive(Clone)]
pub struct StoreMetrics {
    /// Object bytes accepted by PUTs.
    pub bytes_in: IntCounter,
    /// Object bytes sent by GETs.
    pub bytes_out: IntCounter,
    /// Shard-blocks found missing or corrupt on read.
    pub shard_errors: IntCounter,
    /// Blocks rebuilt from parity on read.
    pub reconstructed_blocks: IntCounter,
}

impl Default for StoreMetrics {
    fn default() -> Self {
        let c = |name: &str| IntCounter::new(name, name).unwrap_or_else(|_| unreachable_counter());
        Self {
            bytes_in: c("bytes_in"),
            bytes_out: c("bytes_out"),
            shard_errors: c("shard_errors"),
            reconstructed_blocks: c("reconstructed_blocks"),
        }
    }
}

fn unreachable_counter() -> IntCounter {
    // IntCounter::new only fails on an invalid metric name; ours are literals.
    #[allow(clippy::expect_used)]
    IntCounter::new("c", "c").expect("valid metric name")
}

/// How the store was opened.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    /// Drive directories, in set order.
    pub drives: Vec<PathBuf>,
    /// Parity shards; None = what the drives say, or the default for a new set.
    pub parity: Option<usize>,
}

/// The drive set and its erasure codec.
pub struct Store {
    drives: Vec<Drive>,
    layout: Layout,
    codec: Arc<Codec>,
    md5: Arc<md5_batch::Md5Batch>,
    deployment_id: String,
    metrics: StoreMetrics,
}

/// Online/offline drive counts.
#[derive(Debug, Clone, Copy)]
pub struct DriveStatus {
    /// Drives with their format file in place.
    pub online: usize,
    /// Drives missing or wiped.
    pub offline: usize,
}

impl Store {
    /// Checks the drive set (format files, order, parity), formats blank
    /// drives, and clears leftovers of interrupted writes.
    pub fn open(cfg: &StoreConfig, metrics: StoreMetrics) -> Result<Self, StoreError> {
        let n = cfg.drives.len();
        if n == 0 {
            return Err(StoreError::Config(
                "no drives given (use --drive PATH)".into(),
            ));
        }
        if let Some(p) = cfg.parity
            && p >= n
        {
            return Err(StoreError::Config(format!(
                "parity {p} must be smaller than the number of drives ({n})"
            )));
        }
        let mut seen = std::collections::HashSet::new();
        for d in &cfg.drives {
            create_dir_durable(d).map_err(|e| {
                StoreError::Config(format!("drive {}: cannot create: {e}", d.display()))
            })?;
            let canon = std::fs::canonicalize(d)?;
            if !seen.insert(canon) {
                return Err(StoreError::Config(format!(
                    "drive {} is given twice",
                    d.display()
                )));
            }
        }
        let drives: Vec<Drive> = cfg
            .drives
            .iter()
            .enumerate()
            .map(|(index, root)| Drive {
                index,
                root: root.clone(),
            })
            .collect();
        let set = format::check_and_format(&drives, cfg.parity, default_parity(n))?;
        if set.parity == 0 {
            tracing::warn!(
                "parity 0: a single damaged drive loses data; use 2+ drives for redundancy"
            );
        }
        for i in &set.fresh {
            tracing::info!(drive = %drives[*i].root.display(), "formatted blank drive");
        }
        for d in &drives {
            let cleaned = d.clean_tmp()?;
            if cleaned > 0 {
                tracing::info!(drive = %d.root.display(), cleaned, "removed leftovers of interrupted writes");
            }
        }
        let layout = Layout {
            data: n - set.parity,
            parity: set.parity,
            block_size: DEFAULT_BLOCK_SIZE,
        };
        Ok(Self {
            codec: Arc::new(Codec::new(layout)?),
            md5: Arc::default(),
            drives,
            layout,
            deployment_id: set.deployment_id,
            metrics,
        })
    }

    /// The deployment id of the drive set.
    pub fn deployment_id(&self) -> &str {
        &self.deployment_id
    }

    /// Layout new objects are written with.
    pub fn layout(&self) -> Layout {
        self.layout
    }

    /// The drives, in set order.
    pub fn drives(&self) -> &[Drive] {
        &self.drives
    }

    /// Counts online and offline drives (a stat per drive).
    pub fn drive_status(&self) -> DriveStatus {
        let online = self.drives.iter().filter(|d| d.is_online()).count();
        DriveStatus {
            online,
            offline: self.drives.len() - online,
        }
    }

    /// True when enough drives are online to accept writes.
    pub fn has_write_quorum(&self) -> bool {
        self.drive_status().online >= write_quorum(&self.layout)
    }

    /// Removes one version from every drive: renamed into trash first (atomic
    /// per drive), then deleted.
    pub async fn delete_version(
        &self,
        bucket: &str,
        key: &str,
        version: &str,
    ) -> Result<(), StoreError> {
        let drives = self.drives.clone();
        let (bucket, key, version) = (bucket.to_string(), key.to_string(), version.to_string());
        blocking(move || {
            for d in &drives {
                let dir = d.version_dir(&bucket, &key, &version);
                if !dir.exists() {
                    continue;
                }
                let trash = d.trash_dir().join(uuid::Uuid::new_v4().simple().to_string());
                let res = std::fs::rename(&dir, &trash)
                    .and_then(|()| drive::sync_dir(&d.object_dir(&bucket, &key)))
                    .and_then(|()| remove_any(&trash));
                if let Err(err) = res {
                    tracing::warn!(drive = %d.root.display(), %err, "version removal failed on drive");
                }
                // Drop the key's directory once its last version is gone.
                let _ = std::fs::remove_dir(d.object_dir(&bucket, &key));
            }
            Ok(())
        })
        .await
    }

    /// The `meta.json` record of a version, from the first drive that has a
    /// readable one (a corrupt copy is skipped; one from a newer Gureum is
    /// an error naming the file).
    pub async fn read_record(&self, info: &ObjectInfo) -> Result<VersionRecord, StoreError> {
        let drives = self.drives.clone();
        let info = info.clone();
        blocking(move || {
            for d in drives.iter().filter(|d| d.is_online()) {
                let path = d
                    .version_dir(&info.bucket, &info.key, &info.version_id)
                    .join(meta::META_FILE);
                match meta::read_version_record(&path) {
                    Ok(Some(rec)) if rec.info.version_id == info.version_id => return Ok(rec),
                    Err(err @ StoreError::UnknownFormat { .. }) => return Err(err),
                    Err(err) => tracing::warn!(%err, "skipping unreadable record"),
                    Ok(_) => {}
                }
            }
            Err(StoreError::VersionGone)
        })
        .await
    }

    /// Rewrites the `meta.json` of version `info` on every drive holding it
    /// with `info` as its facts (tags change; the body never does). Fails
    /// unless a write quorum of drives took it.
    pub async fn update_record(&self, info: &ObjectInfo) -> Result<(), StoreError> {
        let drives = self.drives.clone();
        let info = info.clone();
        let quorum = write_quorum(&self.layout);
        blocking(move || {
            let mut ok = 0;
            let mut held = 0;
            for d in drives.iter().filter(|d| d.is_online()) {
                let path = d
                    .version_dir(&info.bucket, &info.key, &info.version_id)
                    .join(meta::META_FILE);
                let rec = match meta::read_version_record(&path) {
                    Ok(Some(rec)) => rec,
                    Ok(None) => continue,
                    Err(err @ StoreError::UnknownFormat { .. }) => return Err(err),
                    Err(err) => {
                        // Heal rewrites a garbage copy; tags go to the rest.
                        tracing::warn!(%err, "skipping unreadable record");
                        continue;
                    }
                };
                held += 1;
                let mut rec = rec;
                rec.info = info.clone();
                let res = serde_json::to_vec(&rec)
                    .map_err(|e| StoreError::Internal(e.to_string()))
                    .and_then(|b| Ok(drive::write_file_durable(&path, &b)?));
                match res {
                    Ok(()) => ok += 1,
                    Err(err) => tracing::warn!(drive = %d.root.display(), %err, "record update failed on drive"),
                }
            }
            if held == 0 {
                return Err(StoreError::VersionGone);
            }
            if ok < quorum.min(held) {
                return Err(StoreError::WriteQuorum { ok, needed: quorum });
            }
            Ok(())
        })
        .await
    }

    /// Reads every drive and reconstructs buckets and every version.
    pub async fn scan(&self) -> Result<ScanResult, StoreError> {
        let drives = self.drives.clone();
        let k = self.layout.data;
        blocking(move || scan::scan(&drives, k)).await
    }
}

/// Runs blocking disk work off the reactor.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StoreError::Internal(e.to_string()))?
}
