//! Buckets on the drives: a directory per bucket with a marker file
//! (`.bucket.json`) holding its creation time and its settings (versioning,
//! CORS, lifecycle) as opaque JSON, so a reindex restores them too. The
//! store does not interpret the settings; the object layer does.

use serde::{Deserialize, Serialize};

use super::drive::{BUCKET_MARKER, Drive, create_dir_durable, remove_any, write_file_durable};
use super::error::StoreError;
use super::layout::write_quorum;
use super::meta::decode_record;
use super::{Store, blocking, now_ms};

/// Current format of `.bucket.json`.
const MARKER_FORMAT: u32 = 1;

/// The content of a bucket's marker file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BucketMarker {
    /// Marker format version.
    pub format: u32,
    /// Bucket name.
    pub bucket: String,
    /// Creation time, unix milliseconds.
    pub created_ms: i64,
    /// The bucket's settings, owned by the object layer.
    #[serde(default)]
    pub config: serde_json::Value,
}

impl BucketMarker {
    /// A marker for a bucket created now.
    pub fn new(bucket: &str, config: serde_json::Value) -> Self {
        Self {
            format: MARKER_FORMAT,
            bucket: bucket.to_string(),
            created_ms: now_ms(),
            config,
        }
    }
}

/// Reads a drive's marker for `bucket`: None when absent or unreadable
/// (logged: another drive's copy serves), an error when it is from a
/// newer Gureum (its settings cannot be interpreted, nor silently reset).
pub(super) fn read_marker(d: &Drive, bucket: &str) -> Result<Option<BucketMarker>, StoreError> {
    let path = d.bucket_dir(bucket).join(BUCKET_MARKER);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => {
            tracing::warn!(path = %path.display(), %err, "bucket marker unreadable");
            return Ok(None);
        }
    };
    match decode_record(&path, &bytes, MARKER_FORMAT) {
        Ok(m) => Ok(Some(m)),
        Err(err @ StoreError::UnknownFormat { .. }) => Err(err),
        Err(err) => {
            tracing::warn!(%err, "bucket marker skipped");
            Ok(None)
        }
    }
}

/// Writes `marker` on every online drive (creating the bucket directory);
/// fails unless a write quorum took it.
fn write_marker(drives: &[Drive], quorum: usize, marker: &BucketMarker) -> Result<(), StoreError> {
    let bytes = serde_json::to_vec(marker).map_err(|e| StoreError::Internal(e.to_string()))?;
    let mut ok = 0;
    for d in drives.iter().filter(|d| d.is_online()) {
        let dir = d.bucket_dir(&marker.bucket);
        match create_dir_durable(&dir)
            .and_then(|()| write_file_durable(&dir.join(BUCKET_MARKER), &bytes))
        {
            Ok(()) => ok += 1,
            Err(err) => {
                tracing::warn!(drive = %d.root.display(), %err, "bucket marker write failed on drive")
            }
        }
    }
    if ok < quorum {
        return Err(StoreError::WriteQuorum { ok, needed: quorum });
    }
    Ok(())
}

impl Store {
    /// Creates (or rewrites the settings of) a bucket on every online drive.
    pub async fn write_bucket(&self, marker: BucketMarker) -> Result<(), StoreError> {
        let drives = self.drives.clone();
        let quorum = write_quorum(&self.layout);
        blocking(move || write_marker(&drives, quorum, &marker)).await
    }

    /// Removes `bucket`'s directory from every drive (the caller checked it is empty).
    pub async fn delete_bucket(&self, bucket: &str) -> Result<(), StoreError> {
        let drives = self.drives.clone();
        let bucket = bucket.to_string();
        blocking(move || {
            for d in &drives {
                let dir = d.bucket_dir(&bucket);
                if !dir.exists() {
                    continue;
                }
                // Rename first so a crash mid-removal never leaves a half-bucket.
                let trash = d.trash_dir().join(uuid::Uuid::new_v4().simple().to_string());
                let target = if std::fs::rename(&dir, &trash).is_ok() { trash } else { dir };
                if let Err(err) = remove_any(&target) {
                    tracing::warn!(drive = %d.root.display(), %err, "bucket removal failed on drive");
                }
            }
            Ok(())
        })
        .await
    }

    /// Makes sure every online drive has `bucket`'s directory and marker,
    /// copying the marker from a drive that has one (heal).
    pub async fn ensure_bucket(&self, bucket: &str) -> Result<(), StoreError> {
        let drives = self.drives.clone();
        let bucket = bucket.to_string();
        blocking(move || {
            let online: Vec<&Drive> = drives.iter().filter(|d| d.is_online()).collect();
            let mut marker = None;
            for d in &online {
                if let Some(m) = read_marker(d, &bucket)? {
                    marker = Some(m);
                    break;
                }
            }
            let marker =
                marker.unwrap_or_else(|| BucketMarker::new(&bucket, serde_json::Value::Null));
            let bytes =
                serde_json::to_vec(&marker).map_err(|e| StoreError::Internal(e.to_string()))?;
            for d in online {
                let dir = d.bucket_dir(&bucket);
                if dir.join(BUCKET_MARKER).is_file() {
                    continue;
                }
                create_dir_durable(&dir)?;
                write_file_durable(&dir.join(BUCKET_MARKER), &bytes)?;
            }
            Ok(())
        })
        .await
    }
}
