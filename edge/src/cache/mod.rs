//! The cache: which version of each (bucket, key) is current, and its
//! verified slices in two tiers (memory over disk). Answers lookups,
//! stores what the fetch layer filled, and forgets on purge. It never
//! fetches by itself and never talks HTTP.
//!
//! A version only becomes current through [`Cache::install`], which
//! refuses metadata fetched before a purge of the same key, so a change
//! event racing a miss cannot leave the old version cached.

pub mod disk;
pub mod freshness;
pub mod key;
pub mod memory;
pub mod meta;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use prometheus::{IntCounter, IntCounterVec, IntGauge};
use tokio::sync::Semaphore;

use disk::{DiskError, DiskTier, Read};
use key::{NameKey, ObjectId, SliceKey};
use memory::MemoryTier;
use meta::ObjectMeta;

/// Cache budgets and place (the `[cache]` table of the config).
#[derive(Debug, Clone)]
pub struct CacheConfig {
    /// Byte budget of the memory tier.
    pub memory_bytes: u64,
    /// Directory of the disk tier (created when missing).
    pub disk_dir: std::path::PathBuf,
    /// Byte budget of the disk tier.
    pub disk_bytes: u64,
}

/// The counters and gauges the cache keeps, handed in by whoever owns the
/// registry (the cache never knows the edge's metrics module).
#[derive(Clone)]
pub struct CacheMetrics {
    /// Memory-tier slices evicted by budget.
    pub memory_evictions: IntCounter,
    /// Disk-tier slices evicted by budget.
    pub disk_evictions: IntCounter,
    /// Bytes held in memory.
    pub memory_bytes: IntGauge,
    /// Bytes held on disk.
    pub disk_bytes: IntGauge,
    /// Disk copies that failed verification.
    pub disk_verify_failures: IntCounter,
    /// Objects dropped, by `reason`.
    pub purged: IntCounterVec,
}

impl CacheMetrics {
    /// Metrics registered nowhere (unit tests).
    pub fn unregistered() -> CacheMetrics {
        let c = |n: &str| IntCounter::new(n, n).unwrap_or_else(|_| unreachable_metric());
        let g = |n: &str| IntGauge::new(n, n).unwrap_or_else(|_| unreachable_metric());
        CacheMetrics {
            memory_evictions: c("memory_evictions"),
            disk_evictions: c("disk_evictions"),
            memory_bytes: g("memory_bytes"),
            disk_bytes: g("disk_bytes"),
            disk_verify_failures: c("disk_verify_failures"),
            purged: IntCounterVec::new(prometheus::Opts::new("purged", "purged"), &["reason"])
                .unwrap_or_else(|_| unreachable_metric()),
        }
    }
}

/// Metric constructors only fail on invalid names; ours are literals.
fn unreachable_metric<T>() -> T {
    unreachable!("metric names are valid literals")
}

/// Slice writes queued for the disk at once; a fill waits beyond that, so
/// a slow disk slows the origin read instead of filling memory.
const DISK_WRITE_QUEUE: usize = 32;

/// How long purges are remembered to reject metadata fetched before them
/// (longer than any origin call may take).
const INVALIDATION_MEMORY: Duration = Duration::from_secs(120);

/// Where a slice was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tier {
    /// Memory tier.
    Memory,
    /// Disk tier (verified on read).
    Disk,
    /// Fetched from the origin for this request.
    Origin,
}

impl Tier {
    /// Label for metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Memory => "memory",
            Tier::Disk => "disk",
            Tier::Origin => "origin",
        }
    }
}

/// Why objects were dropped.
#[derive(Debug, Clone, Copy)]
pub enum PurgeReason {
    /// Admin API.
    Api,
    /// Change-feed event.
    Feed,
    /// Change feed could not tell what was missed.
    Reset,
    /// The origin served another version.
    Version,
}

impl PurgeReason {
    fn as_str(self) -> &'static str {
        match self {
            PurgeReason::Api => "api",
            PurgeReason::Feed => "feed",
            PurgeReason::Reset => "reset",
            PurgeReason::Version => "version",
        }
    }
}

#[derive(Default)]
struct Invalidations {
    /// Latest invalidation of each key, and the version the origin said is
    /// current then (a change-feed PUT), which a load may still install.
    keys: HashMap<NameKey, (Instant, Option<String>)>,
    prefixes: Vec<(String, String, Instant)>,
    /// Pruning walks everything, so it runs at most once a second even
    /// under a storm of change events.
    pruned: Option<Instant>,
}

impl Invalidations {
    fn prune(&mut self, now: Instant) {
        if self
            .pruned
            .is_some_and(|t| now.duration_since(t) < Duration::from_secs(1))
        {
            return;
        }
        self.pruned = Some(now);
        let keep = |t: &Instant| now.duration_since(*t) < INVALIDATION_MEMORY;
        self.keys.retain(|_, (t, _)| keep(t));
        self.prefixes.retain(|(_, _, t)| keep(t));
    }

    /// Whether `version_id` of `bucket/key`, loaded from `started` on, was
    /// invalidated meanwhile.
    fn since(&self, bucket: &str, key: &str, version_id: &str, started: Instant) -> bool {
        self.keys
            .get(&(bucket.to_string(), key.to_string()))
            .is_some_and(|(t, current)| *t >= started && current.as_deref() != Some(version_id))
            || self
                .prefixes
                .iter()
                .any(|(b, p, t)| *t >= started && b == bucket && key.starts_with(p.as_str()))
    }
}

/// The two-tier cache.
pub struct Cache {
    objects: RwLock<BTreeMap<NameKey, Arc<ObjectMeta>>>,
    memory: MemoryTier,
    disk: Arc<DiskTier>,
    invalidations: Mutex<Invalidations>,
    disk_writes: Arc<Semaphore>,
    metrics: CacheMetrics,
}

impl Cache {
    /// Opens the disk tier (rebuilding its index) and an empty memory tier.
    pub async fn open(cfg: &CacheConfig, metrics: CacheMetrics) -> Result<Arc<Cache>, DiskError> {
        let dir = cfg.disk_dir.clone();
        let budget = cfg.disk_bytes;
        let m = metrics.clone();
        let (disk, metas) = tokio::task::spawn_blocking(move || DiskTier::open(&dir, budget, m))
            .await
            .map_err(|e| DiskError::Task(e.to_string()))??;
        let mut objects = BTreeMap::new();
        for meta in metas {
            objects.insert((meta.id.bucket.clone(), meta.id.key.clone()), meta);
        }
        tracing::info!(
            objects = objects.len(),
            disk_bytes = disk.used_bytes(),
            "disk cache index rebuilt"
        );
        Ok(Arc::new(Cache {
            objects: RwLock::new(objects),
            memory: MemoryTier::new(cfg.memory_bytes, metrics.memory_evictions.clone()),
            disk: Arc::new(disk),
            invalidations: Mutex::new(Invalidations::default()),
            disk_writes: Arc::new(Semaphore::new(DISK_WRITE_QUEUE)),
            metrics,
        }))
    }

    fn read_objects(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<NameKey, Arc<ObjectMeta>>> {
        self.objects.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write_objects(&self) -> std::sync::RwLockWriteGuard<'_, BTreeMap<NameKey, Arc<ObjectMeta>>> {
        self.objects.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether no object is cached at all.
    pub fn is_empty(&self) -> bool {
        self.read_objects().is_empty()
    }

    /// The current cached version of (bucket, key).
    pub fn lookup(&self, bucket: &str, key: &str) -> Option<Arc<ObjectMeta>> {
        self.read_objects()
            .get(&(bucket.to_string(), key.to_string()))
            .cloned()
    }

    fn is_current(&self, meta: &ObjectMeta) -> bool {
        self.read_objects()
            .get(&(meta.id.bucket.clone(), meta.id.key.clone()))
            .is_some_and(|m| m.id == meta.id)
    }

    /// Makes `meta` the current version, unless the key was purged after
    /// `started` (when its fetch began): then `Err` hands it back for
    /// serving this once, uncached. The same version already current is
    /// kept (and marked validated).
    pub fn install(
        &self,
        meta: ObjectMeta,
        started: Instant,
    ) -> Result<Arc<ObjectMeta>, Arc<ObjectMeta>> {
        let meta = Arc::new(meta);
        {
            let mut inv = self.invalidations.lock().unwrap_or_else(|e| e.into_inner());
            inv.prune(Instant::now());
            if inv.since(&meta.id.bucket, &meta.id.key, &meta.id.version_id, started) {
                return Err(meta);
            }
        }
        let name = (meta.id.bucket.clone(), meta.id.key.clone());
        let old = {
            let mut objects = self.write_objects();
            if let Some(cur) = objects.get(&name)
                && cur.id == meta.id
            {
                cur.mark_validated();
                return Ok(Arc::clone(cur));
            }
            objects.insert(name, Arc::clone(&meta))
        };
        if let Some(old) = old {
            self.metrics
                .purged
                .with_label_values(&[PurgeReason::Version.as_str()])
                .inc();
            self.drop_tiers(&old);
        }
        self.persist_meta(&meta);
        Ok(meta)
    }

    /// Records that the origin confirmed `meta` is still current.
    pub fn revalidated(&self, meta: &Arc<ObjectMeta>) {
        meta.mark_validated();
        if self.is_current(meta) {
            self.persist_meta(meta);
        }
    }

    fn persist_meta(&self, meta: &Arc<ObjectMeta>) {
        let disk = Arc::clone(&self.disk);
        let meta = Arc::clone(meta);
        tokio::spawn(async move {
            if let Err(err) = disk.write_meta(meta).await {
                tracing::warn!(%err, "cannot write cache meta record");
            }
        });
    }

    /// Whether slice `i` is cached in either tier.
    pub fn has_slice(&self, meta: &ObjectMeta, i: u32) -> bool {
        self.memory.contains(&slice_key(meta, i)) || self.disk.contains(&meta.id, i)
    }

    /// A verified slice from memory, else disk (promoted to memory). A
    /// corrupt disk copy is dropped and reported as absent.
    pub async fn get_slice(&self, meta: &Arc<ObjectMeta>, i: u32) -> Option<(Bytes, Tier)> {
        let key = slice_key(meta, i);
        if let Some(b) = self.memory.get(&key).await {
            return Some((b, Tier::Memory));
        }
        match self.disk.read(meta, i).await {
            Read::Hit(b) => {
                self.memory.insert(key, b.clone()).await;
                Some((b, Tier::Disk))
            }
            Read::Miss | Read::Corrupt => None,
        }
    }

    /// Stores a verified slice: memory now, disk in the background (waits
    /// when the disk queue is full).
    pub async fn put_slice(self: &Arc<Self>, meta: &Arc<ObjectMeta>, i: u32, bytes: Bytes) {
        self.memory.insert(slice_key(meta, i), bytes.clone()).await;
        if !self.is_current(meta) {
            // Purged or superseded mid-fill: a disk copy could come back
            // as current after a restart.
            return;
        }
        let Ok(permit) = Arc::clone(&self.disk_writes).acquire_owned().await else {
            return;
        };
        let cache = Arc::clone(self);
        let meta = Arc::clone(meta);
        tokio::spawn(async move {
            let _permit = permit;
            match cache.disk.write_slice(Arc::clone(&meta), i, bytes).await {
                Ok(evicted) => {
                    // Versions evicted whole are forgotten so the table
                    // stays proportional to what is cached.
                    for id in evicted {
                        cache.forget_if_current(&id);
                    }
                }
                Err(err) => tracing::warn!(%err, "cannot write cached slice"),
            }
        });
    }

    fn forget_if_current(&self, id: &ObjectId) {
        let mut objects = self.write_objects();
        let name = (id.bucket.clone(), id.key.clone());
        if objects.get(&name).is_some_and(|m| *m.id == *id) {
            objects.remove(&name);
        }
    }

    fn drop_tiers(&self, meta: &Arc<ObjectMeta>) {
        self.disk.remove_object(&meta.id);
        let memory_keys: Vec<SliceKey> = (0..meta.slice_count())
            .map(|i| slice_key(meta, i))
            .collect();
        let memory = self.memory.clone();
        tokio::spawn(async move {
            for k in memory_keys {
                memory.remove(&k).await;
            }
        });
    }

    fn note_invalidation(
        &self,
        bucket: &str,
        key_or_prefix: &str,
        prefix: bool,
        current: Option<&str>,
    ) {
        let mut inv = self.invalidations.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        inv.prune(now);
        if prefix {
            inv.prefixes
                .push((bucket.to_string(), key_or_prefix.to_string(), now));
        } else {
            inv.keys.insert(
                (bucket.to_string(), key_or_prefix.to_string()),
                (now, current.map(str::to_string)),
            );
        }
    }

    /// Drops one key (every version); returns how many objects were cached.
    pub fn purge_key(&self, bucket: &str, key: &str, reason: PurgeReason) -> usize {
        self.note_invalidation(bucket, key, false, None);
        let removed = self
            .write_objects()
            .remove(&(bucket.to_string(), key.to_string()));
        self.finish_purge(removed.into_iter().collect(), reason)
    }

    /// Drops `bucket/key` unless it is `version_id`, which the origin says
    /// is now current: a load in flight that fetched exactly that version
    /// may still install it.
    pub fn supersede_key(
        &self,
        bucket: &str,
        key: &str,
        version_id: &str,
        reason: PurgeReason,
    ) -> usize {
        self.note_invalidation(bucket, key, false, Some(version_id));
        let name = (bucket.to_string(), key.to_string());
        let removed = {
            let mut objects = self.write_objects();
            match objects.get(&name) {
                Some(m) if m.id.version_id != version_id => objects.remove(&name),
                _ => None,
            }
        };
        self.finish_purge(removed.into_iter().collect(), reason)
    }

    /// Drops every key under `prefix` in `bucket`.
    pub fn purge_prefix(&self, bucket: &str, prefix: &str, reason: PurgeReason) -> usize {
        self.note_invalidation(bucket, prefix, true, None);
        let removed: Vec<Arc<ObjectMeta>> = {
            let mut objects = self.write_objects();
            let names: Vec<NameKey> = objects
                .range((bucket.to_string(), prefix.to_string())..)
                .take_while(|((b, k), _)| b == bucket && k.starts_with(prefix))
                .map(|(n, _)| n.clone())
                .collect();
            names.iter().filter_map(|n| objects.remove(n)).collect()
        };
        self.finish_purge(removed, reason)
    }

    /// Drops `meta` if it is still the current version (the origin served
    /// something else while filling it).
    pub fn drop_version(&self, meta: &Arc<ObjectMeta>) {
        let removed = {
            let mut objects = self.write_objects();
            let name = (meta.id.bucket.clone(), meta.id.key.clone());
            if objects.get(&name).is_some_and(|m| m.id == meta.id) {
                objects.remove(&name)
            } else {
                None
            }
        };
        self.finish_purge(removed.into_iter().collect(), PurgeReason::Version);
    }

    fn finish_purge(&self, removed: Vec<Arc<ObjectMeta>>, reason: PurgeReason) -> usize {
        for meta in &removed {
            self.drop_tiers(meta);
        }
        self.metrics
            .purged
            .with_label_values(&[reason.as_str()])
            .inc_by(removed.len() as u64);
        removed.len()
    }

    /// Refreshes the per-tier byte gauges (applies pending memory evictions).
    pub async fn refresh_gauges(&self) {
        let mem = self.memory.used_bytes().await;
        self.metrics.memory_bytes.set(mem as i64);
        self.metrics.disk_bytes.set(self.disk.used_bytes() as i64);
    }
}

/// The memory-tier key of slice `i` of `meta`.
pub fn slice_key(meta: &ObjectMeta, i: u32) -> SliceKey {
    SliceKey {
        id: Arc::clone(&meta.id),
        index: i,
        generation: meta.generation,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_feed_put_spares_loads_of_the_version_it_names() {
        let mut inv = Invalidations::default();
        let started = Instant::now();
        let name = ("b".to_string(), "k".to_string());
        inv.keys
            .insert(name.clone(), (Instant::now(), Some("v2".into())));
        assert!(
            !inv.since("b", "k", "v2", started),
            "the version now current"
        );
        assert!(inv.since("b", "k", "v1", started), "an older version");
        assert!(!inv.since("b", "other", "v1", started));
        inv.keys.insert(name, (Instant::now(), None));
        assert!(inv.since("b", "k", "v2", started), "a purge spares nothing");
        let later = Instant::now();
        assert!(
            !inv.since("b", "k", "v1", later),
            "loads started after the purge"
        );
    }
}
