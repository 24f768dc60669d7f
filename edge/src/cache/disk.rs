//! Disk tier: verified slices as files under `disk_dir`, a byte budget with
//! least-recently-used eviction, and an index rebuilt from the files at
//! start so a restarted edge serves what it had. Every read is verified
//! against the block hash again, so a flipped byte on disk is dropped,
//! never served. Never fetches; never decides freshness.
//!
//! Layout:
//! ```text
//! <disk_dir>/format                                   "gureum-edge-cache 1"
//! <disk_dir>/tmp/                                     writes in flight (cleared at start)
//! <disk_dir>/objects/<h2>/<keyhash>/<gen>/meta.json   one cached version (MetaRecord)
//! <disk_dir>/objects/<h2>/<keyhash>/<gen>/<i>.slice   slice i, raw bytes
//! ```
//! A version lives in a fresh `<gen>` directory each time it is cached, so
//! a late delete of a purged copy can never hit a newer one. Files are
//! written to `tmp/` and renamed into place; there is no fsync because a
//! torn file after a crash fails verification and is fetched again — a
//! cache may lose bytes, it must never serve wrong ones.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

use bytes::Bytes;

use super::CacheMetrics;
use super::key::ObjectId;
use super::meta::{MetaRecord, ObjectMeta};

const FORMAT: &str = "gureum-edge-cache 1\n";
const META_FILE: &str = "meta.json";
const SLICE_EXT: &str = ".slice";

/// Disk failures the tier cannot hide.
#[derive(Debug, thiserror::Error)]
pub enum DiskError {
    /// A file operation failed.
    #[error("{path}: {source}")]
    Io {
        /// File or directory.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// A blocking task panicked or was cancelled.
    #[error("disk task failed: {0}")]
    Task(String),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> DiskError + '_ {
    move |source| DiskError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Result of a slice read.
#[derive(Debug)]
pub enum Read {
    /// Verified bytes.
    Hit(Bytes),
    /// Not on disk.
    Miss,
    /// On disk but wrong: dropped.
    Corrupt,
}

struct Slot {
    len: u64,
    tick: u64,
}

struct DiskObject {
    dir: PathBuf,
    meta_len: u64,
    slices: HashMap<u32, Slot>,
}

#[derive(Default)]
struct State {
    objects: HashMap<Arc<ObjectId>, DiskObject>,
    /// Recency order: tick -> slice. Lowest tick is evicted first.
    lru: BTreeMap<u64, (Arc<ObjectId>, u32)>,
    tick: u64,
    used: u64,
}

/// What eviction asks to delete, done outside the lock.
enum Victim {
    File(PathBuf),
    Dir(PathBuf),
}

/// The disk tier.
pub struct DiskTier {
    root: PathBuf,
    budget: u64,
    state: Mutex<State>,
    next_gen: AtomicU64,
    tmp_seq: AtomicU64,
    metrics: CacheMetrics,
}

fn slice_name(i: u32) -> String {
    format!("{i}{SLICE_EXT}")
}

impl DiskTier {
    /// Opens (creating) the tier at `root` and rebuilds the index from the
    /// files; returns the cached versions found. Blocking: call it off the
    /// reactor.
    pub fn open(
        root: &Path,
        budget: u64,
        metrics: CacheMetrics,
    ) -> Result<(DiskTier, Vec<Arc<ObjectMeta>>), DiskError> {
        std::fs::create_dir_all(root).map_err(io(root))?;
        let format_path = root.join("format");
        let objects = root.join("objects");
        match std::fs::read_to_string(&format_path) {
            Ok(f) if f == FORMAT => {}
            Ok(other) => {
                tracing::warn!(
                    found = other.trim(),
                    "unknown disk cache format; starting empty"
                );
                remove_dir_quiet(&objects);
            }
            Err(_) => remove_dir_quiet(&objects),
        }
        std::fs::write(&format_path, FORMAT).map_err(io(&format_path))?;
        let tmp = root.join("tmp");
        remove_dir_quiet(&tmp);
        std::fs::create_dir_all(&tmp).map_err(io(&tmp))?;
        std::fs::create_dir_all(&objects).map_err(io(&objects))?;
        let (state, metas, max_gen) = scan(&objects)?;
        let tier = DiskTier {
            root: root.to_path_buf(),
            budget,
            state: Mutex::new(state),
            next_gen: AtomicU64::new(max_gen + 1),
            tmp_seq: AtomicU64::new(0),
            metrics,
        };
        let victims = tier.evict_to_budget(&mut tier.lock());
        delete(victims.into_iter().map(|(v, _)| v).collect());
        tier.update_gauge();
        Ok((tier, metas))
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves counters, not files, off;
        // keep serving rather than poison every request.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn update_gauge(&self) {
        let used = self.lock().used;
        self.metrics.disk_bytes.set(used as i64);
    }

    /// Bytes the tier uses (slices and meta records).
    pub fn used_bytes(&self) -> u64 {
        self.lock().used
    }

    /// Whether slice `i` of `id` is on disk (no recency update).
    pub fn contains(&self, id: &ObjectId, i: u32) -> bool {
        self.lock()
            .objects
            .get(id)
            .is_some_and(|o| o.slices.contains_key(&i))
    }

    fn object_dir(&self, id: &ObjectId) -> PathBuf {
        let h = ObjectId::key_hash(&id.bucket, &id.key);
        let generation = self.next_gen.fetch_add(1, Ordering::Relaxed);
        self.root
            .join("objects")
            .join(&h[..2])
            .join(&h)
            .join(format!("{generation:016x}"))
    }

    fn tmp_path(&self) -> PathBuf {
        let n = self.tmp_seq.fetch_add(1, Ordering::Relaxed);
        self.root.join("tmp").join(format!("{n:016x}"))
    }

    /// The directory of `meta`'s version, registering the version when new;
    /// the bool says whether its meta record still has to be written.
    fn ensure_object(&self, meta: &ObjectMeta) -> (PathBuf, bool) {
        let mut st = self.lock();
        if let Some(o) = st.objects.get(&meta.id) {
            return (o.dir.clone(), o.meta_len == 0);
        }
        let dir = self.object_dir(&meta.id);
        st.objects.insert(
            Arc::clone(&meta.id),
            DiskObject {
                dir: dir.clone(),
                meta_len: 0,
                slices: HashMap::new(),
            },
        );
        (dir, true)
    }

    /// Writes (or rewrites) the meta record of a version.
    pub async fn write_meta(&self, meta: Arc<ObjectMeta>) -> Result<(), DiskError> {
        let (dir, _) = self.ensure_object(&meta);
        let tmp = self.tmp_path();
        let record = meta.to_record();
        let dir2 = dir.clone();
        let len = blocking(move || write_meta_file(&dir2, &tmp, &record)).await?;
        let stale = {
            let mut st = self.lock();
            match st.objects.get_mut(&meta.id) {
                Some(o) if o.dir == dir => {
                    let old = std::mem::replace(&mut o.meta_len, len);
                    st.used = st.used + len - old;
                    false
                }
                _ => true,
            }
        };
        if stale {
            // Purged while we wrote: our files must not outlive the purge.
            tokio::task::spawn_blocking(move || delete(vec![Victim::Dir(dir)]));
        }
        self.update_gauge();
        Ok(())
    }

    /// Stores a verified slice; returns versions evicted entirely to stay
    /// within the budget.
    pub async fn write_slice(
        &self,
        meta: Arc<ObjectMeta>,
        i: u32,
        bytes: Bytes,
    ) -> Result<Vec<Arc<ObjectId>>, DiskError> {
        let (dir, need_meta) = self.ensure_object(&meta);
        let record = need_meta.then(|| meta.to_record());
        let meta_tmp = self.tmp_path();
        let slice_tmp = self.tmp_path();
        let dir2 = dir.clone();
        let (meta_len, len) = blocking(move || {
            let meta_len = match record {
                Some(r) => Some(write_meta_file(&dir2, &meta_tmp, &r)?),
                None => None,
            };
            let path = dir2.join(slice_name(i));
            write_file(&slice_tmp, &path, &bytes)?;
            Ok((meta_len, bytes.len() as u64))
        })
        .await?;
        let outcome = {
            let mut guard = self.lock();
            let st = &mut *guard;
            let live = st.objects.get(&meta.id).is_some_and(|o| o.dir == dir);
            live.then(|| self.account_slice(st, &meta, i, len, meta_len))
        };
        let Some((victims, evicted)) = outcome else {
            // Purged while we wrote: our files must not outlive the purge.
            blocking(move || {
                delete(vec![Victim::Dir(dir)]);
                Ok(())
            })
            .await?;
            return Ok(Vec::new());
        };
        if !victims.is_empty() {
            blocking(move || {
                delete(victims);
                Ok(())
            })
            .await?;
        }
        self.update_gauge();
        Ok(evicted)
    }

    /// Records a written slice and evicts to the budget; returns files to
    /// delete and versions evicted whole.
    fn account_slice(
        &self,
        st: &mut State,
        meta: &ObjectMeta,
        i: u32,
        len: u64,
        meta_len: Option<u64>,
    ) -> (Vec<Victim>, Vec<Arc<ObjectId>>) {
        {
            st.tick += 1;
            let tick = st.tick;
            let mut freed = 0;
            let mut old_tick = None;
            if let Some(o) = st.objects.get_mut(&meta.id) {
                if let Some(m) = meta_len {
                    freed += o.meta_len;
                    o.meta_len = m;
                }
                if let Some(old) = o.slices.insert(i, Slot { len, tick }) {
                    freed += old.len;
                    old_tick = Some(old.tick);
                }
            }
            if let Some(t) = old_tick {
                st.lru.remove(&t);
            }
            st.lru.insert(tick, (Arc::clone(&meta.id), i));
            st.used = st.used + len + meta_len.unwrap_or(0) - freed;
            let mut evicted = Vec::new();
            let mut victims = Vec::new();
            for (v, id) in self.evict_to_budget(st) {
                victims.push(v);
                evicted.extend(id);
            }
            (victims, evicted)
        }
    }

    /// Drops least recently used slices until the budget holds; a version
    /// left without slices goes entirely (its id is returned with the dir).
    fn evict_to_budget(&self, st: &mut State) -> Vec<(Victim, Option<Arc<ObjectId>>)> {
        let mut out = Vec::new();
        while st.used > self.budget {
            let Some((_, (id, i))) = st.lru.pop_first() else {
                break;
            };
            let Some(o) = st.objects.get_mut(&id) else {
                continue;
            };
            if let Some(slot) = o.slices.remove(&i) {
                st.used -= slot.len;
                self.metrics.disk_evictions.inc();
            }
            if o.slices.is_empty() {
                let meta_len = o.meta_len;
                if let Some(o) = st.objects.remove(&id) {
                    st.used -= meta_len;
                    out.push((Victim::Dir(o.dir), Some(id)));
                }
            } else {
                out.push((Victim::File(o.dir.join(slice_name(i))), None));
            }
        }
        out
    }

    /// Reads and verifies slice `i` of `meta`.
    pub async fn read(&self, meta: &Arc<ObjectMeta>, i: u32) -> Read {
        let path = {
            let mut st = self.lock();
            let st = &mut *st;
            st.tick += 1;
            let tick = st.tick;
            let Some(slot) = st
                .objects
                .get_mut(&meta.id)
                .and_then(|o| o.slices.get_mut(&i).map(|s| (o.dir.clone(), s)))
            else {
                return Read::Miss;
            };
            let (dir, slot) = slot;
            let old = std::mem::replace(&mut slot.tick, tick);
            st.lru.remove(&old);
            st.lru.insert(tick, (Arc::clone(&meta.id), i));
            dir.join(slice_name(i))
        };
        let m = Arc::clone(meta);
        let p = path.clone();
        let res = blocking(move || {
            let data = std::fs::read(&p).map_err(io(&p))?;
            let ok = m.verify(i, &data);
            Ok((Bytes::from(data), ok))
        })
        .await;
        match res {
            Ok((bytes, true)) => Read::Hit(bytes),
            Ok((_, false)) => {
                tracing::warn!(path = %path.display(), bucket = %meta.id.bucket,
                    key = %meta.id.key, slice = i, "cached slice failed verification; dropped");
                self.metrics.disk_verify_failures.inc();
                self.forget_slice(&meta.id, i);
                tokio::task::spawn_blocking(move || delete(vec![Victim::File(path)]));
                Read::Corrupt
            }
            Err(err) => {
                tracing::warn!(%err, "cached slice unreadable; dropped");
                self.forget_slice(&meta.id, i);
                Read::Miss
            }
        }
    }

    fn forget_slice(&self, id: &ObjectId, i: u32) {
        {
            let mut guard = self.lock();
            let st = &mut *guard;
            if let Some(slot) = st.objects.get_mut(id).and_then(|o| o.slices.remove(&i)) {
                st.used -= slot.len;
                st.lru.remove(&slot.tick);
            }
        }
        self.update_gauge();
    }

    /// Drops a version and its files.
    pub fn remove_object(&self, id: &ObjectId) {
        let removed = {
            let mut st = self.lock();
            let st = &mut *st;
            st.objects.remove(id).map(|o| {
                for slot in o.slices.values() {
                    st.lru.remove(&slot.tick);
                    st.used -= slot.len;
                }
                st.used -= o.meta_len;
                o.dir
            })
        };
        if let Some(dir) = removed {
            // Deleting a big version's files takes a while; nobody waits on it.
            tokio::task::spawn_blocking(move || delete(vec![Victim::Dir(dir)]));
        }
        self.update_gauge();
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, DiskError> + Send + 'static,
) -> Result<T, DiskError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| DiskError::Task(e.to_string()))?
}

fn write_file(tmp: &Path, dest: &Path, data: &[u8]) -> Result<(), DiskError> {
    std::fs::write(tmp, data).map_err(io(tmp))?;
    std::fs::rename(tmp, dest).map_err(|e| {
        let _ = std::fs::remove_file(tmp);
        io(dest)(e)
    })
}

fn write_meta_file(dir: &Path, tmp: &Path, record: &MetaRecord) -> Result<u64, DiskError> {
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let json = serde_json::to_vec(record).map_err(|e| DiskError::Io {
        path: dir.join(META_FILE),
        source: std::io::Error::other(e),
    })?;
    write_file(tmp, &dir.join(META_FILE), &json)?;
    Ok(json.len() as u64)
}

fn remove_dir_quiet(dir: &Path) {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => tracing::warn!(dir = %dir.display(), err = %e, "cannot remove"),
    }
}

fn delete(victims: Vec<Victim>) {
    for v in victims {
        match v {
            Victim::File(p) => {
                if let Err(e) = std::fs::remove_file(&p)
                    && e.kind() != std::io::ErrorKind::NotFound
                {
                    tracing::warn!(path = %p.display(), err = %e, "cannot delete cached slice");
                }
            }
            Victim::Dir(d) => remove_dir_quiet(&d),
        }
    }
}

/// One version directory found at start.
struct Found {
    meta: ObjectMeta,
    dir: PathBuf,
    generation: u64,
    meta_len: u64,
}

fn subdirs(dir: &Path) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    rd.flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .collect()
}

fn read_version(dir: &Path) -> Option<(ObjectMeta, u64)> {
    let bytes = std::fs::read(dir.join(META_FILE)).ok()?;
    let rec: MetaRecord = serde_json::from_slice(&bytes).ok()?;
    let meta = ObjectMeta::from_record(rec).ok()?;
    Some((meta, bytes.len() as u64))
}

/// Rebuilds the index from `objects/`; removes what cannot be used
/// (unreadable records, superseded versions, partial or stray files).
fn scan(objects: &Path) -> Result<(State, Vec<Arc<ObjectMeta>>, u64), DiskError> {
    let mut state = State::default();
    let mut metas = Vec::new();
    let mut max_gen = 0;
    let mut slices: Vec<(SystemTime, Arc<ObjectId>, u32)> = Vec::new();
    for h2 in subdirs(objects) {
        for key_dir in subdirs(&h2) {
            let mut found: Vec<Found> = Vec::new();
            for vdir in subdirs(&key_dir) {
                let generation = vdir
                    .file_name()
                    .and_then(|n| n.to_str())
                    .and_then(|n| u64::from_str_radix(n, 16).ok());
                match (generation, read_version(&vdir)) {
                    (Some(generation), Some((meta, meta_len))) => {
                        max_gen = max_gen.max(generation);
                        found.push(Found {
                            meta,
                            dir: vdir,
                            generation,
                            meta_len,
                        });
                    }
                    _ => remove_dir_quiet(&vdir),
                }
            }
            // Only the newest confirmed version of a key is worth keeping.
            found.sort_by_key(|f| (f.meta.age(), std::cmp::Reverse(f.generation)));
            let mut it = found.into_iter();
            let Some(keep) = it.next() else {
                remove_dir_quiet(&key_dir);
                continue;
            };
            for old in it {
                remove_dir_quiet(&old.dir);
            }
            let meta = Arc::new(keep.meta);
            let mut obj = DiskObject {
                dir: keep.dir.clone(),
                meta_len: keep.meta_len,
                slices: HashMap::new(),
            };
            state.used += keep.meta_len;
            let Ok(rd) = std::fs::read_dir(&keep.dir) else {
                continue;
            };
            for entry in rd.flatten() {
                let path = entry.path();
                let name = entry.file_name().to_string_lossy().into_owned();
                if name == META_FILE {
                    continue;
                }
                let idx = name
                    .strip_suffix(SLICE_EXT)
                    .and_then(|n| n.parse::<u32>().ok());
                let md = entry.metadata().ok();
                match (idx, md) {
                    (Some(i), Some(md))
                        if i < meta.slice_count() && md.len() == meta.slice_len(i) =>
                    {
                        let mtime = md.modified().unwrap_or(SystemTime::UNIX_EPOCH);
                        obj.slices.insert(
                            i,
                            Slot {
                                len: md.len(),
                                tick: 0,
                            },
                        );
                        state.used += md.len();
                        slices.push((mtime, Arc::clone(&meta.id), i));
                    }
                    _ => {
                        let _ = std::fs::remove_file(&path);
                    }
                }
            }
            state.objects.insert(Arc::clone(&meta.id), obj);
            metas.push(meta);
        }
    }
    // Without access times on disk, write order is the best recency guess.
    slices.sort_by_key(|s| s.0);
    for (_, id, i) in slices {
        state.tick += 1;
        let tick = state.tick;
        if let Some(slot) = state
            .objects
            .get_mut(&id)
            .and_then(|o| o.slices.get_mut(&i))
        {
            slot.tick = tick;
        }
        state.lru.insert(tick, (id, i));
    }
    Ok((state, metas, max_gen))
}
