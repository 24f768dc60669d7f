//! The GET pipeline: opens the shard files of one version (a multipart
//! version's part files as the read reaches them: a 64-part object has 384
//! of them on 6 drives), then a blocking worker reads only the blocks a
//! range needs, and within a block only the data shards that overlap it
//! (no decoding on the happy path). Each
//! shard-block's blake3 is checked; a missing or corrupt shard makes the
//! worker read more shards and rebuild from parity. Bytes flow through a
//! small bounded channel, so a slow client holds back the disk, not memory.

use std::fs::File;
use std::io;
use std::ops::Range;
use std::sync::Arc;

use bytes::Bytes;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use super::Store;
use super::error::StoreError;
use super::meta::{ObjectInfo, Segment};
use super::shard_file::{ShardReadError, read_block};

/// Chunks in flight between the disk worker and the client.
const READ_AHEAD: usize = 8;

/// Byte stream of an object (or a range of it).
pub type ObjectStream = ReceiverStream<Result<Bytes, io::Error>>;

/// Files of one segment, index = drive index (`None` when the drive lacks
/// the file or is offline).
type SegmentFiles = Vec<Option<File>>;

/// Shard files of one version, opened on the drives that have them.
pub struct OpenVersion {
    info: ObjectInfo,
    /// The version's directory on each drive (`None`: drive offline).
    dirs: Vec<Option<std::path::PathBuf>>,
    /// Every segment, and its files once opened (the first at open time).
    segments: Vec<(Segment, Option<SegmentFiles>)>,
}

fn open_segment(dirs: &[Option<std::path::PathBuf>], seg: &Segment) -> SegmentFiles {
    dirs.iter()
        .map(|d| d.as_ref().and_then(|d| File::open(d.join(&seg.file)).ok()))
        .collect()
}

fn count(files: &SegmentFiles) -> usize {
    files.iter().filter(|f| f.is_some()).count()
}

impl Store {
    /// Opens the shard files of `info`'s version on every drive. Fails when
    /// fewer than `data` drives have it (no drive at all: `VersionGone`).
    pub async fn open_version(&self, info: &ObjectInfo) -> Result<OpenVersion, StoreError> {
        let drives = self.drives.clone();
        let info = info.clone();
        tokio::task::spawn_blocking(move || {
            let dirs: Vec<Option<std::path::PathBuf>> = drives
                .iter()
                .map(|d| {
                    d.is_online()
                        .then(|| d.version_dir(&info.bucket, &info.key, &info.version_id))
                })
                .collect();
            let mut segments: Vec<(Segment, Option<SegmentFiles>)> =
                info.segments().into_iter().map(|s| (s, None)).collect();
            // The first segment tells whether the version is readable at
            // all; later ones are opened when the read gets to them.
            let available = match segments.first_mut() {
                Some((seg, files)) => {
                    let f = open_segment(&dirs, seg);
                    let n = count(&f);
                    *files = Some(f);
                    n
                }
                None => 0,
            };
            let open = OpenVersion {
                info,
                dirs,
                segments,
            };
            match available {
                0 if open.info.size > 0 => Err(StoreError::VersionGone),
                n if n < open.info.layout.data && open.info.size > 0 => {
                    Err(StoreError::NotEnoughShards)
                }
                _ => Ok(open),
            }
        })
        .await
        .map_err(|e| StoreError::Internal(e.to_string()))?
    }

    /// Streams bytes `range` (end exclusive) of an opened version.
    pub fn read(&self, open: OpenVersion, range: Range<u64>) -> ObjectStream {
        let (tx, rx) = mpsc::channel(READ_AHEAD);
        let codec = Arc::clone(&self.codec);
        let metrics = self.metrics.clone();
        tokio::task::spawn_blocking(move || {
            let mut open = open;
            let layout = open.info.layout;
            let bs = u64::from(layout.block_size);
            let dirs = std::mem::take(&mut open.dirs);
            for (seg, files) in &mut open.segments {
                let seg_range = range.start.max(seg.start)..range.end.min(seg.start + seg.size);
                if seg_range.is_empty() {
                    continue;
                }
                let files: &SegmentFiles = files.get_or_insert_with(|| open_segment(&dirs, seg));
                let seg: &Segment = seg;
                // Offsets inside the segment.
                let local = (seg_range.start - seg.start)..(seg_range.end - seg.start);
                for b in layout.blocks_for(&local) {
                    let block_start = b * bs;
                    let want = (local.start.max(block_start) - block_start) as usize
                        ..(local.end.min(block_start + bs) - block_start) as usize;
                    let ctx = BlockCtx {
                        info: &open.info,
                        seg,
                        files,
                        codec: &codec,
                        metrics: &metrics,
                    };
                    match read_block_range(&ctx, b, want) {
                        Ok(parts) => {
                            for p in parts {
                                metrics.bytes_out.inc_by(p.len() as u64);
                                if tx.blocking_send(Ok(p)).is_err() {
                                    return; // client went away
                                }
                            }
                        }
                        Err(err) => {
                            tracing::error!(bucket = %ctx.info.bucket, key = %ctx.info.key, file = %seg.file, block = b, %err, "read failed mid-stream");
                            let _ = tx.blocking_send(Err(io::Error::other(err.to_string())));
                            return;
                        }
                    }
                }
            }
        });
        ReceiverStream::new(rx)
    }
}

/// What reading one block needs.
struct BlockCtx<'a> {
    info: &'a ObjectInfo,
    seg: &'a Segment,
    files: &'a [Option<File>],
    codec: &'a super::erasure::Codec,
    metrics: &'a super::StoreMetrics,
}

/// Reads bytes `want` of block `b`, returning zero-copy slices of shards.
fn read_block_range(
    ctx: &BlockCtx<'_>,
    b: u64,
    want: Range<usize>,
) -> Result<Vec<Bytes>, StoreError> {
    let info = ctx.info;
    let layout = info.layout;
    let n = layout.shards();
    let k = layout.data;
    let block_len = layout.block_len(ctx.seg.size, b);
    let s = layout.shard_len(block_len);
    let offset = layout.shard_offset(b);
    let first = want.start / s;
    let last = (want.end - 1) / s;

    let mut shards: Vec<Option<Vec<u8>>> = vec![None; n];
    let mut damaged = false;
    let read = |shards: &mut Vec<Option<Vec<u8>>>, j: usize| -> bool {
        let Some(f) = &ctx.files[j] else {
            return false;
        };
        match read_block(f, offset, s) {
            Ok(v) => {
                shards[j] = Some(v);
                true
            }
            Err(e) => {
                ctx.metrics.shard_errors.inc();
                match e {
                    ShardReadError::Corrupt => tracing::warn!(
                        bucket = %info.bucket, key = %info.key, block = b, shard = j,
                        "bitrot: shard digest mismatch, rebuilding from parity"
                    ),
                    ShardReadError::Io(err) => tracing::warn!(
                        bucket = %info.bucket, key = %info.key, block = b, shard = j, %err,
                        "shard unreadable, rebuilding from parity"
                    ),
                }
                false
            }
        }
    };
    for j in first..=last {
        if !read(&mut shards, j) {
            damaged = true;
        }
    }
    if damaged {
        let mut have = shards.iter().filter(|s| s.is_some()).count();
        for j in 0..n {
            if have >= k {
                break;
            }
            if shards[j].is_none() && (j < first || j > last) && read(&mut shards, j) {
                have += 1;
            }
        }
        if have < k {
            return Err(StoreError::NotEnoughShards);
        }
        ctx.codec.reconstruct_data(&mut shards)?;
        ctx.metrics.reconstructed_blocks.inc();
    }
    let mut out = Vec::with_capacity(last - first + 1);
    for (j, shard) in shards.into_iter().enumerate().take(last + 1).skip(first) {
        let shard = shard.ok_or(StoreError::NotEnoughShards)?;
        let lo = want.start.max(j * s) - j * s;
        let hi = want.end.min((j + 1) * s) - j * s;
        out.push(Bytes::from(shard).slice(lo..hi));
    }
    Ok(out)
}
