//! Group commit for the index: many writers waiting to make their rows
//! durable share one engine flush (`Kv::flush`), run on a blocking thread.
//!
//! Why not `flush_async`: sled 0.34 runs it on its own small IO pool, and
//! when every pool thread is parked in a flush that waits on a buffer write
//! queued behind it on the same pool, the whole index deadlocks (seen here
//! with 32 concurrent PUTs: every writer stuck, 0% CPU). A blocking flush on
//! tokio's blocking pool cannot starve sled's writers, and coalescing keeps
//! one fsync per batch instead of one per request. Never touches records.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::IndexError;
use super::kv::Kv;

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
    pub(super) async fn flush(&self, kv: &Arc<dyn Kv>) -> Result<(), IndexError> {
        let ticket = self.requested.fetch_add(1, Ordering::SeqCst) + 1;
        let _turn = self.lock.lock().await;
        if self.done.load(Ordering::SeqCst) >= ticket {
            return Ok(());
        }
        // Every ticket up to here was taken after its write, so this one
        // flush covers all of them.
        let upto = self.requested.load(Ordering::SeqCst);
        let kv = Arc::clone(kv);
        tokio::task::spawn_blocking(move || kv.flush())
            .await
            .map_err(|_| IndexError::FlushTask)??;
        self.done.store(upto, Ordering::SeqCst);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::kv::Tree;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_flushes_all_finish() {
        // On sled: the deadlock this module exists to avoid was sled's.
        let dir = tempfile::tempdir().expect("tempdir");
        let kv: Arc<dyn Kv> = Arc::new(crate::index::SledKv::open(dir.path()).expect("open"));
        let gate = Arc::new(GroupFlush::new());
        let mut tasks = Vec::new();
        for i in 0..200u32 {
            let (kv, gate) = (Arc::clone(&kv), Arc::clone(&gate));
            tasks.push(tokio::spawn(async move {
                kv.insert(Tree::Versions, &i.to_be_bytes(), vec![0u8; 512])
                    .expect("insert");
                gate.flush(&kv).await.expect("flush");
            }));
        }
        for t in tasks {
            tokio::time::timeout(std::time::Duration::from_secs(30), t)
                .await
                .expect("flush finished")
                .expect("task");
        }
        assert!(gate.done.load(Ordering::SeqCst) >= 1);
        let rows = kv
            .range(
                Tree::Versions,
                std::ops::Bound::Unbounded,
                std::ops::Bound::Unbounded,
            )
            .count();
        assert_eq!(rows, 200);
    }
}
