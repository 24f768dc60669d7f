//! Healing: verify every shard-block of a version on every drive and rewrite
//! the shard files of drives where it is missing or corrupt, rebuilt from
//! the intact shards. Also re-formats drives that were wiped or replaced so
//! they take shards again. Blocking IO and erasure math: runs on blocking
//! threads. Never changes which version is current.

use std::fs::File;
use std::path::PathBuf;

use super::Store;
use super::drive::{Drive, create_dir_durable, remove_any, sync_dir, write_file_durable};
use super::erasure::Codec;
use super::error::StoreError;
use super::format;
use super::meta::{META_FILE, ObjectInfo, Segment, VersionRecord, read_version_record};
use super::shard_file::{ShardWriter, read_block};

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
    let dirs: Vec<PathBuf> = drives
        .iter()
        .map(|d| d.version_dir(&info.bucket, &info.key, &info.version_id))
        .collect();
    // A drive without a readable record for this version gets everything rewritten.
    let has_record: Vec<bool> = dirs
        .iter()
        .zip(drives)
        .map(|(dir, d)| d.is_online() && dir.join(META_FILE).is_file())
        .collect();
    let mut rewritten = vec![false; drives.len()];
    let mut report = HealReport::default();
    let mut block_hashes: Option<Vec<String>> = None;
    for seg in info.segments() {
        let bad = heal_segment(
            drives,
            &dirs,
            &has_record,
            codec,
            info,
            &seg,
            &mut block_hashes,
            deployment_id,
        )?;
        for (j, b) in bad.iter().enumerate() {
            if *b {
                if drives[j].is_online() {
                    rewritten[j] = true;
                } else {
                    report.unreachable += 1;
                }
            }
        }
    }
    report.rewritten = rewritten.iter().filter(|r| **r).count();
    Ok(report)
}

/// Verifies one segment on every drive and rewrites it where damaged.
/// Returns which drives were damaged.
#[allow(clippy::too_many_arguments)]
fn heal_segment(
    drives: &[Drive],
    dirs: &[PathBuf],
    has_record: &[bool],
    codec: &Codec,
    info: &ObjectInfo,
    seg: &Segment,
    block_hashes: &mut Option<Vec<String>>,
    deployment_id: &str,
) -> Result<Vec<bool>, StoreError> {
    let layout = info.layout;
    let n = layout.shards();
    let files: Vec<Option<File>> = (0..n)
        .map(|j| {
            if has_record[j] {
                File::open(dirs[j].join(&seg.file)).ok()
            } else {
                None
            }
        })
        .collect();
    let mut bad: Vec<bool> = files.iter().map(Option::is_none).collect();
    let blocks = layout.block_count(seg.size);
    let expect_len = if blocks == 0 {
        0
    } else {
        layout.shard_offset(blocks - 1)
            + (layout.shard_len(layout.block_len(seg.size, blocks - 1)) + 32) as u64
    };
    // Pass 1: verify every shard-block (and the exact file length).
    for j in 0..n {
        let Some(f) = &files[j] else { continue };
        if f.metadata().map(|m| m.len()).unwrap_or(0) != expect_len {
            bad[j] = true;
            continue;
        }
        for b in 0..blocks {
            let s = layout.shard_len(layout.block_len(seg.size, b));
            if read_block(f, layout.shard_offset(b), s).is_err() {
                bad[j] = true;
                break;
            }
        }
    }
    if !bad.iter().any(|b| *b) {
        return Ok(bad);
    }
    if block_hashes.is_none() {
        *block_hashes = Some(read_block_hashes(dirs, &bad)?);
    }
    let hashes = block_hashes.clone().unwrap_or_default();
    // Pass 2: rebuild the damaged drives' file block by block into temp dirs.
    let tmp_id = uuid::Uuid::new_v4().simple().to_string();
    let mut guard = TmpDirs(Vec::new());
    let mut writers: Vec<(usize, PathBuf, ShardWriter)> = Vec::new();
    for j in (0..n).filter(|j| bad[*j] && drives[*j].is_online()) {
        let tmp = drives[j].tmp_dir().join(&tmp_id);
        std::fs::create_dir_all(&tmp)?;
        guard.0.push(tmp.clone());
        writers.push((j, tmp.clone(), ShardWriter::create(&tmp.join(&seg.file))?));
    }
    for b in 0..blocks {
        let s = layout.shard_len(layout.block_len(seg.size, b));
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
        w.finish()?;
        let dest = &dirs[j];
        create_dir_durable(dest)?;
        if !has_record[j] || !dest.join(META_FILE).is_file() {
            let rec = VersionRecord {
                format: super::meta::VERSION_RECORD_FORMAT,
                deployment_id: deployment_id.to_string(),
                shard_index: j,
                info: info.clone(),
                block_hashes: hashes.clone(),
            };
            let bytes =
                serde_json::to_vec(&rec).map_err(|e| StoreError::Internal(e.to_string()))?;
            write_file_durable(&dest.join(META_FILE), &bytes)?;
        }
        // Renaming one file over another is atomic: readers see old or new.
        std::fs::rename(tmp.join(&seg.file), dest.join(&seg.file))?;
        sync_dir(dest)?;
    }
    Ok(bad)
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
        match read_version_record(&dir.join(META_FILE)) {
            Ok(Some(rec)) => return Ok(rec.block_hashes),
            Err(err @ StoreError::UnknownFormat { .. }) => return Err(err),
            _ => {}
        }
    }
    Err(StoreError::NotEnoughShards)
}
