//! Memory tier: verified slices in a moka cache weighted by bytes, so the
//! budget is a byte budget whatever the slice sizes. Holds only bytes that
//! passed verification; never fetches and never touches disk.

use bytes::Bytes;
use moka::future::Cache;
use moka::notification::RemovalCause;

use super::key::SliceKey;

/// Per-entry bookkeeping moka and the key cost on top of the bytes, so
/// many tiny slices cannot overrun the budget.
const ENTRY_OVERHEAD: u32 = 128;

/// The memory tier (cloning shares it).
#[derive(Clone)]
pub struct MemoryTier {
    slices: Cache<SliceKey, Bytes>,
    budget: u64,
}

impl MemoryTier {
    /// A tier holding at most `budget` bytes.
    pub fn new(budget: u64, evictions: prometheus::IntCounter) -> Self {
        let slices = Cache::builder()
            .max_capacity(budget)
            .weigher(|_k: &SliceKey, v: &Bytes| {
                u32::try_from(v.len())
                    .unwrap_or(u32::MAX)
                    .saturating_add(ENTRY_OVERHEAD)
            })
            .eviction_listener(move |_k, _v, cause| {
                if cause == RemovalCause::Size {
                    evictions.inc();
                }
            })
            .build();
        MemoryTier { slices, budget }
    }

    /// The slice, if held.
    pub async fn get(&self, key: &SliceKey) -> Option<Bytes> {
        self.slices.get(key).await
    }

    /// Whether the slice is held (no recency update).
    pub fn contains(&self, key: &SliceKey) -> bool {
        self.slices.contains_key(key)
    }

    /// Keeps a verified slice (a slice larger than the whole budget is not kept).
    pub async fn insert(&self, key: SliceKey, bytes: Bytes) {
        if bytes.len() as u64 + u64::from(ENTRY_OVERHEAD) > self.budget {
            return;
        }
        self.slices.insert(key, bytes).await;
    }

    /// Drops one slice.
    pub async fn remove(&self, key: &SliceKey) {
        self.slices.invalidate(key).await;
    }

    /// Bytes held once pending evictions are applied.
    pub async fn used_bytes(&self) -> u64 {
        self.slices.run_pending_tasks().await;
        self.slices.weighted_size()
    }
}
