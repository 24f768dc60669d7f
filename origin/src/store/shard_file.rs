//! One drive's shard file of one object version: for every block, the shard
//! bytes followed by their blake3 digest, so each shard-block is checked for
//! bitrot on every read. Blocking IO only: call from blocking threads.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::FileExt;
use std::path::Path;

use gureum_common::hash::{BLAKE3_LEN, blake3};

/// File name of the shard stream inside a version directory.
pub const SHARD_FILE: &str = "shard.bin";

/// How much a shard file may grow between early writebacks. Without them
/// all of an object's writeback starts at its final fsync, after the last
/// byte: for a 64 MiB PUT that wait was as long as receiving the body.
const WRITEBACK_EVERY: u64 = 8 << 20;

/// Appends shard-blocks to a new shard file.
pub struct ShardWriter {
    out: BufWriter<File>,
    /// Bytes appended since the last early writeback started.
    pending: u64,
    /// The early writeback in progress, if any (at most one per file).
    /// Its result must reach `finish`: the clone shares the open file
    /// description, so on Linux a writeback error is reported once, to
    /// whichever descriptor syncs first — dropping it here would let the
    /// final `sync_all` return Ok for data that never reached the disk.
    early: Option<std::thread::JoinHandle<io::Result<()>>>,
}

/// Waits for an early writeback and returns its result.
fn join_writeback(h: std::thread::JoinHandle<io::Result<()>>) -> io::Result<()> {
    h.join()
        .unwrap_or_else(|_| Err(io::Error::other("writeback thread panicked")))
}

impl ShardWriter {
    /// Creates (truncates) the shard file at `path`.
    pub fn create(path: &Path) -> io::Result<Self> {
        let file = File::create(path)?;
        Ok(Self {
            out: BufWriter::with_capacity(64 * 1024, file),
            pending: 0,
            early: None,
        })
    }

    /// Appends one shard-block and its digest.
    pub fn append(&mut self, shard: &[u8]) -> io::Result<()> {
        let digest = blake3(shard);
        self.out.write_all(shard)?;
        self.out.write_all(&digest)?;
        self.pending += (shard.len() + digest.len()) as u64;
        if self.pending >= WRITEBACK_EVERY && self.early.as_ref().is_none_or(|h| h.is_finished()) {
            // A failed writeback fails the write now (fail closed).
            if let Some(h) = self.early.take() {
                join_writeback(h)?;
            }
            self.start_early_writeback()?;
        }
        Ok(())
    }

    /// Flushes what is buffered and has another thread fdatasync the file
    /// so far, while this one keeps appending. Its result is checked at the
    /// next writeback or in `finish`.
    fn start_early_writeback(&mut self) -> io::Result<()> {
        self.out.flush()?;
        self.pending = 0;
        let file = self.out.get_ref().try_clone()?;
        let spawned = std::thread::Builder::new()
            .name("gureum-writeback".into())
            .spawn(move || {
                super::fault::check("shard.writeback")?;
                file.sync_data()
            });
        // No thread: the final sync_all covers everything anyway.
        self.early = spawned.ok();
        Ok(())
    }

    /// Flushes and fsyncs: after this returns the bytes are durable. An
    /// error from any earlier writeback of this file is returned here.
    pub fn finish(mut self) -> io::Result<()> {
        let early = self.early.take().map(join_writeback);
        let file = self.out.into_inner().map_err(|e| e.into_error())?;
        let last = super::fault::check("shard.fsync").and_then(|()| file.sync_all());
        early.unwrap_or(Ok(())).and(last)
    }
}

/// Why a shard-block could not be used.
#[derive(Debug)]
pub enum ShardReadError {
    /// File missing, short, or unreadable.
    Io(io::Error),
    /// Digest mismatch: bitrot or tampering.
    Corrupt,
}

/// Reads the shard-block of `len` bytes at `offset` and checks its digest.
pub fn read_block(file: &File, offset: u64, len: usize) -> Result<Vec<u8>, ShardReadError> {
    let mut buf = vec![0u8; len + BLAKE3_LEN];
    file.read_exact_at(&mut buf, offset)
        .map_err(ShardReadError::Io)?;
    let (data, digest) = buf.split_at(len);
    if blake3(data) != digest {
        return Err(ShardReadError::Corrupt);
    }
    buf.truncate(len);
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_early_writeback_fails_the_write() {
        let dir = tempfile::tempdir().expect("tempdir");
        let write = |name: &str| {
            let mut w = ShardWriter::create(&dir.path().join(name)).expect("create");
            // Past two writeback intervals, so one runs and is checked.
            for _ in 0..(3 * WRITEBACK_EVERY / (1 << 20)) {
                w.append(&vec![7u8; 1 << 20])?;
            }
            w.finish()
        };
        write("ok.bin").expect("no fault: durable");
        super::super::fault::arm("shard.writeback", Some(super::super::fault::Action::Eio));
        let failed = write("bad.bin");
        super::super::fault::arm("shard.writeback", None);
        let err = failed.expect_err("the writeback's EIO must not be lost");
        assert_eq!(err.raw_os_error(), Some(libc::EIO));
    }

    #[test]
    fn write_read_and_detect_flip() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(SHARD_FILE);
        let mut w = ShardWriter::create(&path).expect("create");
        w.append(&[1u8; 100]).expect("append");
        w.append(&[2u8; 40]).expect("append");
        w.finish().expect("finish");
        let f = File::open(&path).expect("open");
        assert_eq!(read_block(&f, 0, 100).expect("block 0"), vec![1u8; 100]);
        assert_eq!(read_block(&f, 132, 40).expect("block 1"), vec![2u8; 40]);

        let mut bytes = std::fs::read(&path).expect("read");
        bytes[10] ^= 0x01;
        std::fs::write(&path, &bytes).expect("write");
        let f = File::open(&path).expect("open");
        assert!(matches!(
            read_block(&f, 0, 100),
            Err(ShardReadError::Corrupt)
        ));
        assert!(matches!(
            read_block(&f, 132, 400),
            Err(ShardReadError::Io(_))
        ));
    }
}
