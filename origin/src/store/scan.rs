//! Rebuilding the picture from the drives alone (for `reindex`): every
//! bucket marker and every `meta.json`, grouped by version; a version counts
//! when at least `data` drives hold it. Which one is current is the index's
//! call (the newest). Read-only; never repairs anything.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use super::bucket::{BucketMarker, read_marker};
use super::drive::Drive;
use super::error::StoreError;
use super::meta::{META_FILE, ObjectInfo, VersionRecord, read_version_record};

/// What the drives hold.
#[derive(Debug, Default)]
pub struct ScanResult {
    /// Buckets found on any drive, with their markers.
    pub buckets: BTreeMap<String, BucketMarker>,
    /// Every version (delete markers included) that enough drives hold.
    pub versions: Vec<ObjectInfo>,
    /// Versions seen on too few drives to read (skipped).
    pub unreadable: usize,
}

/// Walks `drives`; `k` drives must agree on a version for it to count.
pub fn scan(drives: &[Drive], k: usize) -> Result<ScanResult, StoreError> {
    let mut result = ScanResult::default();
    // (bucket, key, version) -> (info, drives holding it)
    let mut versions: BTreeMap<(String, String, String), (ObjectInfo, usize)> = BTreeMap::new();
    for d in drives.iter().filter(|d| d.is_online()) {
        let Ok(buckets) = fs::read_dir(d.buckets_dir()) else {
            continue;
        };
        for b in buckets.flatten() {
            let bucket = b.file_name().to_string_lossy().into_owned();
            if !b.path().is_dir() {
                continue;
            }
            // The first drive with a readable marker decides the settings.
            let have = result
                .buckets
                .get(&bucket)
                .is_some_and(|m| !m.config.is_null());
            if !have {
                match read_marker(d, &bucket)? {
                    Some(m) => {
                        result.buckets.insert(bucket.clone(), m);
                    }
                    None => {
                        result
                            .buckets
                            .entry(bucket.clone())
                            .or_insert_with(|| BucketMarker::new(&bucket, serde_json::Value::Null));
                    }
                }
            }
            for_each_meta(&b.path(), &mut |rec: VersionRecord| {
                let i = rec.info;
                let entry = versions
                    .entry((i.bucket.clone(), i.key.clone(), i.version_id.clone()))
                    .or_insert((i, 0));
                entry.1 += 1;
            })?;
        }
    }
    for (_, (info, count)) in versions {
        // Empty objects have no shard bytes; one record is proof enough.
        if count < k && info.size > 0 {
            result.unreadable += 1;
            continue;
        }
        result.versions.push(info);
    }
    Ok(result)
}

/// Calls `f` for each readable `meta.json` under a bucket directory
/// (`<h2>/<h>/<version>/meta.json`). A corrupt record is skipped with a
/// warning (the other drives' copies count); one from a newer Gureum
/// stops the scan with an error naming it, since skipping it would drop
/// the version from the rebuilt index.
fn for_each_meta(bucket_dir: &Path, f: &mut impl FnMut(VersionRecord)) -> Result<(), StoreError> {
    let level = |p: &Path| -> Vec<std::path::PathBuf> {
        fs::read_dir(p)
            .map(|rd| {
                rd.flatten()
                    .map(|e| e.path())
                    .filter(|p| p.is_dir())
                    .collect()
            })
            .unwrap_or_default()
    };
    for h2 in level(bucket_dir) {
        for h in level(&h2) {
            for v in level(&h) {
                match read_version_record(&v.join(META_FILE)) {
                    Ok(Some(rec)) => f(rec),
                    Ok(None) => {}
                    Err(err @ StoreError::UnknownFormat { .. }) => return Err(err),
                    Err(err) => tracing::warn!(%err, "unreadable meta.json skipped"),
                }
            }
        }
    }
    Ok(())
}
