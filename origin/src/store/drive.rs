//! One drive directory: where things live on it and the durable-write
//! primitives (fsync file, fsync directory). Knows paths, not erasure coding.
//!
//! Layout of a drive:
//! ```text
//! .gureum/format                      deployment id + drive index
//! .gureum/tmp/<uuid>/                 in-flight writes (cleaned at start)
//! .gureum/trash/<uuid>/               deletions in progress (cleaned at start)
//! buckets/<bucket>/.bucket.json       bucket marker
//! buckets/<bucket>/.uploads/<id>/<n>.<uuid>/shard.bin   multipart parts
//! buckets/<bucket>/<h2>/<h>/<version>/{shard.bin,meta.json}
//! ```
//! `<h>` is the blake3 hex of the key, so no key (`..`, NUL, 1 KiB long) can
//! name a path outside the drive or exceed file-name limits.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};

/// Uploads directory inside a bucket; its leading dot keeps it apart from
/// the two-hex-digit key directories.
pub const UPLOADS_DIR: &str = ".uploads";

/// Marker file name of a bucket on each drive.
pub const BUCKET_MARKER: &str = ".bucket.json";

/// A drive directory and its position in the erasure set.
#[derive(Debug, Clone)]
pub struct Drive {
    /// Position in the set; this drive stores shard `index` of every block.
    pub index: usize,
    /// Root directory of the drive.
    pub root: PathBuf,
}

impl Drive {
    /// `.gureum` control directory.
    pub fn sys_dir(&self) -> PathBuf {
        self.root.join(".gureum")
    }

    /// The format file naming deployment and index.
    pub fn format_path(&self) -> PathBuf {
        self.sys_dir().join("format")
    }

    /// Temp area for in-flight writes.
    pub fn tmp_dir(&self) -> PathBuf {
        self.sys_dir().join("tmp")
    }

    /// Staging area for deletions.
    pub fn trash_dir(&self) -> PathBuf {
        self.sys_dir().join("trash")
    }

    /// Directory holding all buckets.
    pub fn buckets_dir(&self) -> PathBuf {
        self.root.join("buckets")
    }

    /// Directory of `bucket`.
    pub fn bucket_dir(&self, bucket: &str) -> PathBuf {
        self.buckets_dir().join(bucket)
    }

    /// Directory of an in-progress multipart upload.
    pub fn upload_dir(&self, bucket: &str, upload_id: &str) -> PathBuf {
        self.bucket_dir(bucket).join(UPLOADS_DIR).join(upload_id)
    }

    /// Directory holding every version of `key`.
    pub fn object_dir(&self, bucket: &str, key: &str) -> PathBuf {
        let h = blake3::hash(key.as_bytes()).to_hex();
        self.bucket_dir(bucket).join(&h[..2]).join(h.as_str())
    }

    /// Directory of one version of `key`.
    pub fn version_dir(&self, bucket: &str, key: &str, version: &str) -> PathBuf {
        self.object_dir(bucket, key).join(version)
    }

    /// Online means the format file is still there: a wiped or unmounted
    /// drive loses it and stops taking shards until healed.
    pub fn is_online(&self) -> bool {
        self.format_path().is_file()
    }

    /// Removes leftovers of interrupted writes and deletes.
    pub fn clean_tmp(&self) -> io::Result<usize> {
        let mut n = 0;
        for dir in [self.tmp_dir(), self.trash_dir()] {
            if let Ok(entries) = fs::read_dir(&dir) {
                for e in entries.flatten() {
                    remove_any(&e.path())?;
                    n += 1;
                }
            }
            fs::create_dir_all(&dir)?;
        }
        Ok(n)
    }
}

/// fsyncs a directory so renames and creations inside it are durable.
pub fn sync_dir(path: &Path) -> io::Result<()> {
    File::open(path)?.sync_all()
}

/// Creates `path` and any missing parents, fsyncing each parent whose entry
/// list changed so the new directories survive a crash.
pub fn create_dir_durable(path: &Path) -> io::Result<()> {
    if path.is_dir() {
        return Ok(());
    }
    if let Some(parent) = path.parent() {
        create_dir_durable(parent)?;
    }
    match fs::create_dir(path) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Ok(()),
        Err(e) => return Err(e),
    }
    if let Some(parent) = path.parent() {
        sync_dir(parent)?;
    }
    Ok(())
}

/// Writes `bytes` to `path` via a temp file + fsync + rename + dir fsync.
pub fn write_file_durable(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    let parent = path
        .parent()
        .ok_or_else(|| io::Error::other("path has no parent"))?;
    let tmp = parent.join(format!(".tmp-{}", uuid::Uuid::new_v4().simple()));
    {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    fs::rename(&tmp, path)?;
    sync_dir(parent)
}

/// Removes a file or a directory tree; missing is fine.
pub fn remove_any(path: &Path) -> io::Result<()> {
    let res = if path.is_dir() {
        fs::remove_dir_all(path)
    } else {
        fs::remove_file(path)
    };
    match res {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}
