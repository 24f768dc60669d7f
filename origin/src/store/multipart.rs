//! Multipart on the drives: parts are staged and committed like objects
//! (into the upload's directory), and completing an upload *hard-links*
//! each part's shard file into a new version directory. No byte is copied,
//! and the upload's own files stay intact until the caller removes them
//! after the index commit, so a crash mid-complete loses nothing.

use super::Store;
use super::drive::{Drive, create_dir_durable, remove_any, sync_dir, write_file_durable};
use super::error::StoreError;
use super::layout::write_quorum;
use super::meta::{META_FILE, ObjectInfo, VERSION_RECORD_FORMAT, VersionRecord, part_file};
use super::shard_file::SHARD_FILE;
use super::writer::new_id;

impl Store {
    /// Links the parts `(number, data dir)` of `upload_id` into the version
    /// `info` (whose `parts` list them in order) on every drive.
    pub async fn assemble(
        &self,
        info: &ObjectInfo,
        upload_id: &str,
        part_dirs: Vec<(u32, String)>,
        block_hashes: Vec<String>,
    ) -> Result<(), StoreError> {
        let drives = self.drives.clone();
        let quorum = write_quorum(&self.layout);
        let deployment_id = self.deployment_id.clone();
        let (info, upload_id) = (info.clone(), upload_id.to_string());
        super::blocking(move || {
            let mut complete = 0;
            for d in drives.iter().filter(|d| d.is_online()) {
                match link_parts(d, &info, &upload_id, &part_dirs, &block_hashes, &deployment_id) {
                    Ok(true) => complete += 1,
                    Ok(false) => {}
                    Err(err) => tracing::warn!(drive = %d.root.display(), %err, "assembling upload failed on drive"),
                }
            }
            if complete < quorum {
                for d in &drives {
                    let _ = remove_any(&d.version_dir(&info.bucket, &info.key, &info.version_id));
                }
                return Err(StoreError::WriteQuorum {
                    ok: complete,
                    needed: quorum,
                });
            }
            Ok(())
        })
        .await
    }

    /// Removes an upload's directory (all its parts) from every drive.
    pub async fn remove_upload(&self, bucket: &str, upload_id: &str) -> Result<(), StoreError> {
        let drives = self.drives.clone();
        let (bucket, upload_id) = (bucket.to_string(), upload_id.to_string());
        super::blocking(move || {
            for d in &drives {
                trash(d, &d.upload_dir(&bucket, &upload_id));
            }
            Ok(())
        })
        .await
    }

    /// Removes one part's data (replaced by a re-upload of the same number).
    pub async fn remove_part_data(
        &self,
        bucket: &str,
        upload_id: &str,
        dir: &str,
    ) -> Result<(), StoreError> {
        let drives = self.drives.clone();
        let (bucket, upload_id, dir) = (bucket.to_string(), upload_id.to_string(), dir.to_string());
        super::blocking(move || {
            for d in &drives {
                trash(d, &d.upload_dir(&bucket, &upload_id).join(&dir));
            }
            Ok(())
        })
        .await
    }
}

/// Moves `path` into the drive's trash, then deletes it (atomic per drive).
fn trash(d: &Drive, path: &std::path::Path) {
    if !path.exists() {
        return;
    }
    let t = d.trash_dir().join(new_id());
    let target = if std::fs::rename(path, &t).is_ok() {
        t
    } else {
        path.to_path_buf()
    };
    if let Err(err) = remove_any(&target) {
        tracing::warn!(path = %path.display(), %err, "removal failed");
    }
}

/// Builds the version dir on one drive. Ok(true) when every part was there;
/// a drive missing some part still gets the others (reads rebuild the rest).
fn link_parts(
    d: &Drive,
    info: &ObjectInfo,
    upload_id: &str,
    part_dirs: &[(u32, String)],
    block_hashes: &[String],
    deployment_id: &str,
) -> Result<bool, StoreError> {
    let tmp = d.tmp_dir().join(new_id());
    std::fs::create_dir_all(&tmp)?;
    let upload = d.upload_dir(&info.bucket, upload_id);
    let mut all = true;
    for (n, dir) in part_dirs {
        match std::fs::hard_link(upload.join(dir).join(SHARD_FILE), tmp.join(part_file(*n))) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => all = false,
            Err(e) => {
                let _ = remove_any(&tmp);
                return Err(e.into());
            }
        }
    }
    let rec = VersionRecord {
        format: VERSION_RECORD_FORMAT,
        deployment_id: deployment_id.to_string(),
        shard_index: d.index,
        info: info.clone(),
        block_hashes: block_hashes.to_vec(),
    };
    let bytes = serde_json::to_vec(&rec).map_err(|e| StoreError::Internal(e.to_string()))?;
    let res = (|| -> Result<(), StoreError> {
        write_file_durable(&tmp.join(META_FILE), &bytes)?;
        let object_dir = d.object_dir(&info.bucket, &info.key);
        create_dir_durable(&object_dir)?;
        std::fs::rename(&tmp, object_dir.join(&info.version_id))?;
        sync_dir(&object_dir)?;
        Ok(())
    })();
    if res.is_err() {
        let _ = remove_any(&tmp);
    }
    res.map(|()| all)
}
