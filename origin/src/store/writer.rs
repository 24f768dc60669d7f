//! The PUT pipeline: body chunks are gathered into blocks on the async side,
//! then two blocking workers consume each block in parallel: one feeds MD5
//! (the S3 ETag, the costliest step, so it overlaps everything else and is
//! batched with other uploads' MD5 in SIMD lanes, see `md5_batch`), the
//! other erasure-codes the block and appends shard + blake3 to a temp shard
//! file on every online drive. `commit` fsyncs, writes `meta.json` and renames
//! the temp dirs into place. Nothing here touches the index: the object layer
//! commits it after `commit` returns. Never holds more than a few blocks.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use futures::{Stream, StreamExt};
use tokio::sync::mpsc;

use super::Store;
use super::checksum::FULL_OBJECT;
use super::checksum::{ChecksumAlgorithm, Hasher};
use super::drive::{Drive, create_dir_durable, remove_any, sync_dir};
use super::error::StoreError;
use super::layout::write_quorum;
use super::md5_batch::Md5Batch;
use super::meta::{
    META_FILE, ObjectInfo, StoredChecksum, StoredHeaders, VERSION_RECORD_FORMAT, VersionRecord,
};
use super::shard_file::{SHARD_FILE, ShardWriter};

/// What a PUT asks the store to write.
#[derive(Debug, Clone)]
pub struct PutRequest {
    /// Bucket name.
    pub bucket: String,
    /// Object key.
    pub key: String,
    /// Standard headers to keep.
    pub headers: StoredHeaders,
    /// `x-amz-meta-*` values.
    pub user_meta: BTreeMap<String, String>,
    /// Content-MD5 the client sent, if any.
    pub expected_md5: Option<[u8; 16]>,
    /// Content-Length the client announced, if known.
    pub expected_size: Option<u64>,
    /// Write a delete marker (the body must be empty).
    pub delete_marker: bool,
    /// The version's S3 id is `null` (bucket unversioned or suspended).
    pub null_version: bool,
    /// Object tags.
    pub tags: BTreeMap<String, String>,
    /// Access control list.
    pub acl: Option<super::meta::StoredAcl>,
}

/// Which additional checksum a write computes and what it must equal.
#[derive(Default)]
pub struct ChecksumPlan {
    /// Algorithm to compute; None computes none.
    pub algorithm: Option<ChecksumAlgorithm>,
    /// Value the client sent up front (base64), checked after the body.
    pub expected: Option<String>,
    /// Where the value arrives after the body (an aws-chunked trailer);
    /// called once the body has ended.
    pub trailer: Option<Box<dyn FnOnce() -> Option<String> + Send>>,
}

impl ChecksumPlan {
    /// Compute `alg` and keep it; nothing to check it against.
    pub fn compute(alg: ChecksumAlgorithm) -> Self {
        Self {
            algorithm: Some(alg),
            ..Default::default()
        }
    }

    /// Compares the computed value with what the client sent, if anything.
    fn verify(self, computed: &Option<(ChecksumAlgorithm, String)>) -> Result<(), StoreError> {
        let Some((alg, value)) = computed else {
            return Ok(());
        };
        let expected = match (self.expected, self.trailer) {
            (Some(v), _) => Some(v),
            (None, Some(read)) => Some(read().ok_or(StoreError::MissingTrailer(alg.as_str()))?),
            (None, None) => None,
        };
        match expected {
            Some(e) if e.trim() != value => Err(StoreError::BadChecksum(alg.as_str())),
            _ => Ok(()),
        }
    }
}

/// Messages to the blocking workers; `End` makes an early-closed channel
/// (client gone, request cancelled) distinguishable from a complete body.
enum Msg {
    Block(Bytes),
    End,
}

/// Temp dirs of a write in progress; removed on drop unless committed, so a
/// failed or cancelled PUT leaves nothing behind.
struct TmpGuard {
    dirs: Vec<PathBuf>,
}

impl Drop for TmpGuard {
    fn drop(&mut self) {
        let dirs = std::mem::take(&mut self.dirs);
        if dirs.is_empty() {
            return;
        }
        let cleanup = move || {
            for d in dirs {
                let _ = remove_any(&d);
            }
        };
        match tokio::runtime::Handle::try_current() {
            Ok(h) => {
                h.spawn_blocking(cleanup);
            }
            Err(_) => cleanup(),
        }
    }
}

/// Shard writers that survived the body, per drive.
struct Written {
    writers: Vec<(Drive, ShardWriter)>,
    block_hashes: Vec<String>,
    size: u64,
}

/// A body fully written to temp shard files on enough drives, hashed and
/// checked, but not yet visible anywhere. Dropping it removes the temp files.
pub struct Staged {
    tmp_id: String,
    written: Written,
    guard: TmpGuard,
    /// MD5 hex of the body.
    pub etag: String,
    /// Body length.
    pub size: u64,
    /// The additional checksum computed, if one was asked for.
    pub checksum: Option<(ChecksumAlgorithm, String)>,
}

impl Staged {
    /// blake3 hex of each block, in order.
    pub fn block_hashes(&self) -> &[String] {
        &self.written.block_hashes
    }
}

/// Where a committed part's data lives (inside the upload's directory).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PartData {
    /// Directory name of this part's data under the upload.
    pub dir: String,
    /// Bytes.
    pub size: u64,
    /// MD5 hex.
    pub etag: String,
    /// blake3 hex per block.
    pub block_hashes: Vec<String>,
    /// The part's additional checksum (base64).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<String>,
    /// Its algorithm (S3's name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum_algorithm: Option<String>,
}

impl Store {
    /// Streams `body` into a new version of `req.key` and makes it durable on
    /// at least a write quorum of drives. Returns the new version's facts
    /// and the blake3 hex of each of its blocks.
    pub async fn put<S, E>(
        &self,
        req: PutRequest,
        body: S,
        checksum: ChecksumPlan,
    ) -> Result<(ObjectInfo, Vec<String>), StoreError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let staged = self
            .stage(body, req.expected_md5, req.expected_size, checksum)
            .await?;
        let info = ObjectInfo {
            bucket: req.bucket,
            key: req.key,
            version_id: new_id(),
            size: staged.size,
            etag: staged.etag.clone(),
            mtime_ms: now_ms(),
            layout: self.layout,
            headers: req.headers,
            user_meta: req.user_meta,
            parts: Vec::new(),
            delete_marker: req.delete_marker,
            null_version: req.null_version,
            tags: req.tags,
            acl: req.acl,
            checksum: staged.checksum.as_ref().map(|(alg, value)| StoredChecksum {
                algorithm: alg.as_str().to_string(),
                value: value.clone(),
                kind: FULL_OBJECT.to_string(),
            }),
        };
        let hashes = staged.block_hashes().to_vec();
        self.commit_object(staged, info.clone()).await?;
        Ok((info, hashes))
    }

    /// Writes `body` to temp shard files on every online drive (erasure
    /// coding and MD5 in parallel) and checks MD5 and length.
    pub async fn stage<S, E>(
        &self,
        body: S,
        expected_md5: Option<[u8; 16]>,
        expected_size: Option<u64>,
        checksum: ChecksumPlan,
    ) -> Result<Staged, StoreError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let layout = self.layout;
        let quorum = write_quorum(&layout);
        let online: Vec<Drive> = self
            .drives
            .iter()
            .filter(|d| d.is_online())
            .cloned()
            .collect();
        if online.len() < quorum {
            return Err(StoreError::WriteQuorum {
                ok: online.len(),
                needed: quorum,
            });
        }
        let tmp_id = new_id();
        let guard = TmpGuard {
            dirs: online.iter().map(|d| d.tmp_dir().join(&tmp_id)).collect(),
        };

        let (md5_tx, md5_rx) = mpsc::channel::<Msg>(2);
        let (ec_tx, ec_rx) = mpsc::channel::<Msg>(2);
        let extra = checksum.algorithm;
        let batch = Arc::clone(&self.md5);
        let md5_task = tokio::task::spawn_blocking(move || md5_worker(&batch, md5_rx, extra));
        let codec = Arc::clone(&self.codec);
        let tmp = tmp_id.clone();
        let ec_task =
            tokio::task::spawn_blocking(move || encode_worker(online, &tmp, quorum, &codec, ec_rx));

        let feed = feed_blocks(body, layout.block_size as usize, &md5_tx, &ec_tx).await;
        if feed.is_ok() {
            // Both workers may already have quit on error; their result says why.
            let _ = md5_tx.send(Msg::End).await;
            let _ = ec_tx.send(Msg::End).await;
        }
        drop((md5_tx, ec_tx));
        let md5 = md5_task
            .await
            .map_err(|e| StoreError::Internal(e.to_string()))?;
        let written = ec_task
            .await
            .map_err(|e| StoreError::Internal(e.to_string()))?;
        let got = feed?;
        let written = written?;
        let (md5, extra) =
            md5.ok_or_else(|| StoreError::Internal("md5 worker ended early".into()))?;
        if let Some(expected) = expected_size
            && expected != got
        {
            return Err(StoreError::IncompleteBody { got, expected });
        }
        if let Some(expected) = expected_md5
            && expected != md5
        {
            return Err(StoreError::BadDigest);
        }
        checksum.verify(&extra)?;
        self.metrics.bytes_in.inc_by(got);
        Ok(Staged {
            tmp_id,
            size: written.size,
            written,
            guard,
            etag: hex::encode(md5),
            checksum: extra,
        })
    }

    /// Makes a staged body the version `info` (which must carry its size
    /// and ETag): fsync, `meta.json`, rename into place on a write quorum.
    pub async fn commit_object(&self, staged: Staged, info: ObjectInfo) -> Result<(), StoreError> {
        let Staged {
            tmp_id,
            written,
            mut guard,
            ..
        } = staged;
        let deployment_id = self.deployment_id.clone();
        let quorum = write_quorum(&self.layout);
        let committed = tokio::task::spawn_blocking(move || {
            let dest = |d: &Drive| d.version_dir(&info.bucket, &info.key, &info.version_id);
            let record = |d: &Drive| {
                Some(VersionRecord {
                    format: VERSION_RECORD_FORMAT,
                    deployment_id: deployment_id.clone(),
                    shard_index: d.index,
                    info: info.clone(),
                    block_hashes: written.block_hashes.clone(),
                })
            };
            commit(written.writers, &tmp_id, quorum, &dest, &record)
        })
        .await
        .map_err(|e| StoreError::Internal(e.to_string()))??;
        // Committed dirs were renamed away; the rest are failed drives' temp dirs.
        guard.dirs.retain(|d| !committed.contains(d));
        Ok(())
    }

    /// Makes a staged body part `number` of multipart upload `upload_id`.
    pub async fn commit_part(
        &self,
        staged: Staged,
        bucket: &str,
        upload_id: &str,
        number: u32,
    ) -> Result<PartData, StoreError> {
        let Staged {
            tmp_id,
            written,
            mut guard,
            etag,
            size,
            checksum,
        } = staged;
        let data = PartData {
            dir: format!("{number}.{}", new_id()),
            size,
            etag,
            block_hashes: written.block_hashes.clone(),
            checksum_algorithm: checksum.as_ref().map(|(a, _)| a.as_str().to_string()),
            checksum: checksum.map(|(_, v)| v),
        };
        let quorum = write_quorum(&self.layout);
        let (bucket, upload_id, dir) =
            (bucket.to_string(), upload_id.to_string(), data.dir.clone());
        let committed = tokio::task::spawn_blocking(move || {
            let dest = |d: &Drive| d.upload_dir(&bucket, &upload_id).join(&dir);
            commit(written.writers, &tmp_id, quorum, &dest, &|_| None)
        })
        .await
        .map_err(|e| StoreError::Internal(e.to_string()))??;
        guard.dirs.retain(|d| !committed.contains(d));
        Ok(data)
    }
}

/// A fresh unique id (version ids, upload ids, temp dirs). UUIDv7: ids
/// sort in creation order (monotonic within the process), which is what
/// orders the versions of a key, in the index and when rebuilding it.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

/// Milliseconds since the unix epoch.
pub fn now_ms() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp_nanos() as i64 / 1_000_000
}

/// Gathers body chunks into blocks of `block_size` and hands each to both
/// workers. Returns the body length.
async fn feed_blocks<S, E>(
    mut body: S,
    block_size: usize,
    md5_tx: &mpsc::Sender<Msg>,
    ec_tx: &mpsc::Sender<Msg>,
) -> Result<u64, StoreError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let mut total = 0u64;
    let mut block = BytesMut::with_capacity(block_size);
    let send = |b: Bytes| async move {
        let (a, c) = tokio::join!(
            md5_tx.send(Msg::Block(b.clone())),
            ec_tx.send(Msg::Block(b))
        );
        if a.is_err() || c.is_err() {
            // A worker quit; its own result carries the reason.
            return Err(StoreError::Internal("write worker stopped".into()));
        }
        Ok(())
    };
    while let Some(chunk) = body.next().await {
        let mut chunk = chunk.map_err(|e| StoreError::Body(e.to_string()))?;
        total += chunk.len() as u64;
        while !chunk.is_empty() {
            let take = (block_size - block.len()).min(chunk.len());
            block.extend_from_slice(&chunk.split_to(take));
            if block.len() == block_size {
                let full = std::mem::replace(&mut block, BytesMut::with_capacity(block_size));
                send(full.freeze()).await?;
            }
        }
    }
    if !block.is_empty() {
        send(block.freeze()).await?;
    }
    Ok(total)
}

/// An additional checksum as computed: its algorithm and base64 value.
type Computed = Option<(ChecksumAlgorithm, String)>;

/// MD5 of the body (batched with other uploads' MD5, see `md5_batch`),
/// plus the additional checksum when one is asked for: CRCs cost a
/// fraction of MD5, so they share its thread.
fn md5_worker(
    batch: &Arc<Md5Batch>,
    mut rx: mpsc::Receiver<Msg>,
    extra: Option<ChecksumAlgorithm>,
) -> Option<([u8; 16], Computed)> {
    let mut h = batch.open();
    let mut x = extra.map(|a| (a, Hasher::new(a)));
    while let Some(msg) = rx.blocking_recv() {
        match msg {
            Msg::Block(b) => {
                if let Some((_, xh)) = &mut x {
                    xh.update(&b);
                }
                h.push(b);
            }
            Msg::End => {
                let extra = x.map(|(a, xh)| (a, xh.finish_base64()));
                return Some((h.finish(), extra));
            }
        }
    }
    None
}

fn encode_worker(
    drives: Vec<Drive>,
    tmp_id: &str,
    quorum: usize,
    codec: &super::erasure::Codec,
    mut rx: mpsc::Receiver<Msg>,
) -> Result<Written, StoreError> {
    let mut writers = Vec::with_capacity(drives.len());
    for d in drives {
        let dir = d.tmp_dir().join(tmp_id);
        let opened =
            std::fs::create_dir_all(&dir).and_then(|()| ShardWriter::create(&dir.join(SHARD_FILE)));
        match opened {
            Ok(w) => writers.push((d, w)),
            Err(err) => {
                tracing::warn!(drive = %d.root.display(), %err, "drive failed to start a write")
            }
        }
    }
    check_quorum(writers.len(), quorum)?;
    let mut block_hashes = Vec::new();
    let mut size = 0u64;
    loop {
        let Some(msg) = rx.blocking_recv() else {
            return Err(StoreError::Body("request cancelled".into()));
        };
        let block = match msg {
            Msg::Block(b) => b,
            Msg::End => break,
        };
        let enc = codec.encode(&block)?;
        writers.retain_mut(|(d, w)| match w.append(enc.shard(&block, d.index)) {
            Ok(()) => true,
            Err(err) => {
                tracing::warn!(drive = %d.root.display(), %err, "shard write failed; drive dropped from this write");
                false
            }
        });
        check_quorum(writers.len(), quorum)?;
        block_hashes.push(blake3::hash(&block).to_hex().to_string());
        size += block.len() as u64;
    }
    Ok(Written {
        writers,
        block_hashes,
        size,
    })
}

fn check_quorum(ok: usize, needed: usize) -> Result<(), StoreError> {
    if ok < needed {
        return Err(StoreError::WriteQuorum { ok, needed });
    }
    Ok(())
}

/// Makes the temp dirs durable (plus `meta.json` when `record` gives one)
/// and renames each to `dest(drive)`. Returns the temp dirs that were moved.
/// Drives are committed in parallel (one thread each): a commit is a chain
/// of fsyncs, and drives are independent disks, so their latencies overlap
/// instead of adding up.
fn commit(
    writers: Vec<(Drive, ShardWriter)>,
    tmp_id: &str,
    quorum: usize,
    dest: &(dyn Fn(&Drive) -> PathBuf + Sync),
    record: &(dyn Fn(&Drive) -> Option<VersionRecord> + Sync),
) -> Result<Vec<PathBuf>, StoreError> {
    let results: Vec<(PathBuf, Result<PathBuf, StoreError>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = writers
            .into_iter()
            .map(|(drive, writer)| {
                scope.spawn(move || {
                    let tmp = drive.tmp_dir().join(tmp_id);
                    let res = commit_one(&drive, writer, &tmp, dest, record);
                    if let Err(err) = &res {
                        tracing::warn!(drive = %drive.root.display(), %err, "commit failed on drive");
                    }
                    (tmp, res)
                })
            })
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    let mut moved = Vec::new();
    let mut placed = Vec::new();
    for (tmp, res) in results {
        if let Ok(target) = res {
            moved.push(tmp);
            placed.push(target);
        }
    }
    if placed.len() < quorum {
        for p in &placed {
            let _ = remove_any(p);
        }
        return Err(StoreError::WriteQuorum {
            ok: placed.len(),
            needed: quorum,
        });
    }
    Ok(moved)
}

/// One drive's commit: shard file synced, `meta.json` written and synced
/// (straight into the temp dir, which nobody else sees yet), the temp dir
/// synced so both entries are durable, then renamed into place and the
/// parent synced.
fn commit_one(
    drive: &Drive,
    writer: ShardWriter,
    tmp: &std::path::Path,
    dest: &(dyn Fn(&Drive) -> PathBuf + Sync),
    record: &(dyn Fn(&Drive) -> Option<VersionRecord> + Sync),
) -> Result<PathBuf, StoreError> {
    writer.finish()?;
    if let Some(rec) = record(drive) {
        let bytes = serde_json::to_vec(&rec).map_err(|e| StoreError::Internal(e.to_string()))?;
        use std::io::Write;
        let mut f = std::fs::File::create(tmp.join(META_FILE))?;
        f.write_all(&bytes)?;
        f.sync_all()?;
    }
    sync_dir(tmp)?;
    let target = dest(drive);
    let parent = target
        .parent()
        .ok_or_else(|| StoreError::Internal("destination has no parent".into()))?;
    create_dir_durable(parent)?;
    std::fs::rename(tmp, &target)?;
    sync_dir(parent)?;
    Ok(target)
}
