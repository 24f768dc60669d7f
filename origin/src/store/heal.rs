//! Healing: verify every shard-block of a version on every drive and rewrite
//! the shard files of drives where it is missing or corrupt, rebuilt from
//! the intact shards. Also re-formats drives that were wiped or replaced so
//! they take shards again. Blocking IO and erasure math: runs on blocking
//! threads. Never changes which version is current.

use std::fs::File;
use std::path::PathBuf;

use super::Store;
use super::drive::{
    BUCKET_MARKER, Drive, create_dir_durable, remove_any, sync_dir, write_file_durable,
};
use super::erasure::Codec;
use super::error::StoreError;
use super::format;
use super::meta::{META_FILE, ObjectInfo, VersionRecord};
use super::shard_file::{SHARD_FILE, ShardWriter, read_block};

/// Result of healing one version.
#[derive(Debug, Default, Clone, Copy)]
pub struct HealReport {
    /// Drives whose shard file was rewritten.
    pub rewritten: usize,
    /// Drives that needed a rewrite but are offline.
    pub unreachable: usize,
}

impl Store {
    /// Formats drives whose format file is gone (wiped or new), so they are
    /// online again; returns their indexes.
    pub async fn reformat_blank_drives(&self) -> Result<Vec<usize>, StoreError> {
        let drives = self.drives.clone();
        let parity = self.layout.parity;
        super::blocking(move || {
            let set = format::check_and_format(&drives, Some(parity), parity)?;
            for i in &set.fresh {
                drives[*i].clean_tmp()?;
            }
            Ok(set.fresh)
        })
        .await
    }

    /// Makes sure every online drive has `bucket`'s directory and marker.
    pub async fn ensure_bucket(&self, bucket: &str) -> Result<(), StoreError> {
        let drives = self.drives.clone();
        let bucket = bucket.to_string();
        super::blocking(move || {
            for d in drives.iter().filter(|d| d.is_online()) {
                let dir = d.bucket_dir(&bucket);
                if dir.join(BUCKET_MARKER).is_file() {
                    continue;
                }
                let marker = serde_json::json!({ "format": 1, "bucket": bucket, "created_ms": super::now_ms() });
                let bytes = serde_json::to_vec(&marker).map_err(|e| StoreError::Internal(e.to_string()))?;
                create_dir_durable(&dir)?;
                write_file_durable(&dir.join(BUCKET_MARKER), &bytes)?;
            }
            Ok(())
        })
        .await
    }

    /// Checks every shard of `info` and rewrites the damaged ones.
    pub async fn heal_version(&self, info: &ObjectInfo) -> Result<HealReport, StoreError> {
        let drives = self.drives.clone();
        let codec = std::sync::Arc::clone(&self.codec);
        let deployment_id = self.deployment_id.clone();
        let info = info.clone();
        super::blocking(move || heal_blocking(&drives, &codec, &deployment_id, &info)).await
    }
}

fn heal_blocking(
    drives: &[Drive],
    codec: &Codec,
    deployment_id: &str,
    info: &ObjectInfo,
) -> Result<HealReport, StoreError> {
    let layout = info.layout;
    let n = layout.shards();
    let dirs: Vec<PathBuf> = drives
        .iter()
        .map(|d| d.version_dir(&info.bucket, &info.key, &info.version_id))
        .collect();
    let files: Vec<Option<File>> = dirs
        .iter()
        .zip(drives)
        .map(|(dir, d)| {
            if d.is_online() && dir.join(META_FILE).is_file() {
                File::open(dir.join(SHARD_FILE)).ok()
            } else {
                None
            }
        })
        .collect();
    let mut bad: Vec<bool> = files.iter().map(Option::is_none).collect();
    let blocks = layout.block_count(info.size);
    // Pass 1: verify every shard-block of every drive that has the version.
    for b in 0..blocks {
        let s = layout.shard_len(layout.block_len(info.size, b));
        for j in 0..n {
            if let (false, Some(f)) = (bad[j], &files[j])
                && read_block(f, layout.shard_offset(b), s).is_err()
            {
                bad[j] = true;
            }
        }
    }
    // A healthy file may still have trailing garbage or be truncated at the end.
    for j in 0..n {
        if let (false, Some(f)) = (bad[j], &files[j]) {
            let expect = layout.shard_offset(blocks.saturating_sub(1))
                + if blocks == 0 {
                    0
                } else {
                    (layout.shard_len(layout.block_len(info.size, blocks - 1)) + 32) as u64
                };
            if f.metadata().map(|m| m.len()).unwrap_or(0) != expect {
                bad[j] = true;
            }
        }
    }
    let mut report = HealReport::default();
    if !bad.iter().any(|b| *b) {
        return Ok(report);
    }
    let block_hashes = read_block_hashes(&dirs, &bad)?;
    let mut guard = TmpDirs(Vec::new());
    // Pass 2: rebuild the damaged drives' shard files into temp dirs.
    let tmp_id = uuid::Uuid::new_v4().simple().to_string();
    let mut writers: Vec<(usize, PathBuf, ShardWriter)> = Vec::new();
    for j in (0..n).filter(|j| bad[*j]) {
        let d = &drives[j];
        if !d.is_online() {
            report.unreachable += 1;
            continue;
        }
        let tmp = d.tmp_dir().join(&tmp_id);
        std::fs::create_dir_all(&tmp)?;
        guard.0.push(tmp.clone());
        writers.push((j, tmp.clone(), ShardWriter::create(&tmp.join(SHARD_FILE))?));
    }
    for b in 0..blocks {
        let s = layout.shard_len(layout.block_len(info.size, b));
        // Damage is per block: a drive with one bad block still holds
        // good shards for the others, so every shard that verifies is used.
        let mut shards: Vec<Option<Vec<u8>>> = files
            .iter()
            .map(|f| {
                f.as_ref()
                    .and_then(|f| read_block(f, layout.shard_offset(b), s).ok())
            })
            .collect();
        codec.reconstruct_all(&mut shards)?;
        for (j, _, w) in &mut writers {
            let shard = shards[*j].as_deref().ok_or(StoreError::NotEnoughShards)?;
            w.append(shard)?;
        }
    }
    for (j, tmp, w) in writers {
        let d = &drives[j];
        w.finish()?;
        let rec = VersionRecord {
            format: super::meta::VERSION_RECORD_FORMAT,
            deployment_id: deployment_id.to_string(),
            shard_index: j,
            info: info.clone(),
            block_hashes: block_hashes.clone(),
        };
        let bytes = serde_json::to_vec(&rec).map_err(|e| StoreError::Internal(e.to_string()))?;
        write_file_durable(&tmp.join(META_FILE), &bytes)?;
        let object_dir = d.object_dir(&info.bucket, &info.key);
        create_dir_durable(&object_dir)?;
        let dest = &dirs[j];
        if dest.exists() {
            let trash = d
                .trash_dir()
                .join(uuid::Uuid::new_v4().simple().to_string());
            std::fs::rename(dest, &trash)?;
            remove_any(&trash)?;
        }
        std::fs::rename(&tmp, dest)?;
        sync_dir(&object_dir)?;
        report.rewritten += 1;
    }
    Ok(report)
}

/// Removes temp dirs of an unfinished heal (renamed ones are already gone).
struct TmpDirs(Vec<PathBuf>);

impl Drop for TmpDirs {
    fn drop(&mut self) {
        for d in &self.0 {
            let _ = remove_any(d);
        }
    }
}

/// Per-block digests from an intact drive's record (they go into the new records).
fn read_block_hashes(dirs: &[PathBuf], bad: &[bool]) -> Result<Vec<String>, StoreError> {
    let mut candidates: Vec<&PathBuf> = dirs
        .iter()
        .zip(bad)
        .filter(|(_, b)| !**b)
        .map(|(d, _)| d)
        .collect();
    candidates.extend(dirs.iter());
    for dir in candidates {
        if let Ok(bytes) = std::fs::read(dir.join(META_FILE))
            && let Ok(rec) = serde_json::from_slice::<VersionRecord>(&bytes)
        {
            return Ok(rec.block_hashes);
        }
    }
    Err(StoreError::NotEnoughShards)
}
