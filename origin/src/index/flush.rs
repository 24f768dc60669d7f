//! Group commit for the index: many writers waiting to make their rows
//! durable share one `sled::Db::flush`, run on a blocking thread.
//!
//! Why not `flush_async`: sled 0.34 runs it on its own small IO pool, and
//! when every pool thread is parked in a flush that waits on a buffer write
//! queued behind it on the same pool, the whole index deadlocks (seen here
//! with 32 concurrent PUTs: every writer stuck, 0% CPU). A blocking flush on
//! tokio's blocking pool cannot starve sled's writers, and coalescing keeps
//! one fsync per batch instead of one per request. Never touches records.

use std::sync::atomic::{AtomicU64, Ordering};

use super::IndexError;

/// Coalesces flush requests: a caller returns once a flush that started
/// after its own write has finished.
pub(super) struct GroupFlush {
    /// Serialises flushes; whoever holds it flushes for everybody queued.
    lock: tokio::sync::Mutex<()>,
    /// Tickets handed out, one per caller, taken after the caller's write.
    requested: AtomicU64,
    /// Highest ticket known durable.
    done: AtomicU64,
}

impl GroupFlush {
    pub(super) fn new() -> Self {
        Self {
            lock: tokio::sync::Mutex::new(()),
            requested: AtomicU64::new(0),
            done: AtomicU64::new(0),
        }
    }

    /// Makes every write that happened before this call durable.
    pub(super) async fn flush(&self, db: &sled::Db) -> Result<(), IndexError> {
        let ticket = self.requested.fetch_add(1, Ordering::SeqCst) + 1;
        let _turn = self.lock.lock().await;
        if self.done.load(Ordering::SeqCst) >= ticket {
            return Ok(());
        }
        // Every ticket up to here was taken after its write, so this one
        // flush covers all of them.
        let upto = self.requested.load(Ordering::SeqCst);
        let db = db.clone();
        tokio::task::spawn_blocking(move || db.flush())
            .await
            .map_err(|_| IndexError::FlushTask)??;
        self.done.store(upto, Ordering::SeqCst);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_flushes_all_finish() {
        let dir = std::env::temp_dir().join(format!("gureum-flush-{}", std::process::id()));
        let db = sled::Config::new()
            .path(&dir)
            .temporary(true)
            .open()
            .expect("open");
        let gate = std::sync::Arc::new(GroupFlush::new());
        let mut tasks = Vec::new();
        for i in 0..200u32 {
            let (db, gate) = (db.clone(), gate.clone());
            tasks.push(tokio::spawn(async move {
                db.insert(i.to_be_bytes(), vec![0u8; 512]).expect("insert");
                gate.flush(&db).await.expect("flush");
            }));
        }
        for t in tasks {
            tokio::time::timeout(std::time::Duration::from_secs(30), t)
                .await
                .expect("flush finished")
                .expect("task");
        }
        assert!(gate.done.load(Ordering::SeqCst) >= 1);
        assert_eq!(db.len(), 200);
    }
}
