//! Single-flight: concurrent misses for the same thing share one origin
//! call. [`Group`] coalesces whole operations (revalidations) per key;
//! [`EarlyGroup`] does the same for operations that publish a first
//! partial answer before they finish (metadata loads); [`Flights`] tracks slices being filled so a
//! reader of a slice in flight waits for that fill instead of starting
//! another. Owns coordination only; never reads or writes bytes itself.
//!
//! A fill job keeps running while somebody holds an [`Interest`] in it;
//! when the last reader goes away the job abandons the rest of its run at
//! the next slice boundary (a seek in a video should not drag the whole
//! file behind it).

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use futures::FutureExt;
use futures::future::{BoxFuture, Shared};
use tokio::sync::{oneshot, watch};

use crate::cache::key::SliceKey;
use crate::cache::meta::ObjectMeta;
use crate::cache::slice_key;
use crate::error::EdgeError;

/// Outcome of a coalesced run, awaited by every caller.
pub type SharedResult<T> = Shared<BoxFuture<'static, Result<T, EdgeError>>>;

/// Coalesces concurrent operations with the same key into one task: an
/// [`EarlyGroup`] whose runs publish no partial answer.
pub struct Group<K, T> {
    inner: EarlyGroup<K, (), T>,
}

impl<K, T> Default for Group<K, T> {
    fn default() -> Self {
        Group {
            inner: EarlyGroup::default(),
        }
    }
}

impl<K, T> Group<K, T>
where
    K: Eq + Hash + Clone + Send + 'static,
    T: Clone + Send + Sync + 'static,
{
    /// Runs `make()` unless a run for `key` is already going, and returns
    /// that run's outcome. The work runs as its own task, so a caller that
    /// goes away does not cancel it for the others.
    pub async fn run<F>(&self, key: K, make: impl FnOnce() -> F) -> Result<T, EdgeError>
    where
        F: Future<Output = Result<T, EdgeError>> + Send + 'static,
    {
        self.inner.start(key, || None, |_| make()).done.await
    }
}

/// The partial answer of an [`EarlyGroup`] run: `None` when the run
/// ended without publishing one.
pub type SharedEarly<E> = Shared<BoxFuture<'static, Option<E>>>;

/// One coalesced run of an [`EarlyGroup`].
pub struct EarlyRun<E, T> {
    /// Resolves as soon as the run publishes its partial answer.
    pub early: SharedEarly<E>,
    /// Resolves with the run's outcome.
    pub done: SharedResult<T>,
    /// Whether this caller joined a run another caller started (RFC
    /// 9211's `collapsed`).
    pub joined: bool,
}

impl<E, T> Clone for EarlyRun<E, T> {
    fn clone(&self) -> Self {
        EarlyRun {
            early: self.early.clone(),
            done: self.done.clone(),
            joined: self.joined,
        }
    }
}

/// Coalesces concurrent operations with the same key into one task, which
/// may hand every caller a partial answer (through the sender it is given)
/// before its outcome.
pub struct EarlyGroup<K, E, T> {
    running: Arc<Mutex<HashMap<K, EarlyRun<E, T>>>>,
}

impl<K, E, T> Default for EarlyGroup<K, E, T> {
    fn default() -> Self {
        EarlyGroup {
            running: Arc::new(Mutex::new(HashMap::new())),
        }
    }
}

impl<K, E, T> EarlyGroup<K, E, T>
where
    K: Eq + Hash + Clone + Send + 'static,
    E: Clone + Send + Sync + 'static,
    T: Clone + Send + Sync + 'static,
{
    /// Starts `make(sender)` as its own task unless a run for `key` is
    /// already going, and returns that run.
    ///
    /// `settled` is asked first, under the same lock a run takes to leave
    /// the map: a caller that missed a run finishing between its own look
    /// at the cache and this call gets the run's result from there instead
    /// of starting a second run.
    pub fn start<F>(
        &self,
        key: K,
        settled: impl FnOnce() -> Option<T>,
        make: impl FnOnce(oneshot::Sender<E>) -> F,
    ) -> EarlyRun<E, T>
    where
        F: Future<Output = Result<T, EdgeError>> + Send + 'static,
    {
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(run) = running.get(&key) {
            let mut run = run.clone();
            run.joined = true;
            return run;
        }
        if let Some(done) = settled() {
            return EarlyRun {
                early: futures::future::ready(None).boxed().shared(),
                done: futures::future::ready(Ok(done)).boxed().shared(),
                joined: true,
            };
        }
        let (tx, rx) = oneshot::channel();
        let work = make(tx);
        let map = Arc::clone(&self.running);
        let k = key.clone();
        let task = tokio::spawn(async move {
            let out = work.await;
            // Done: the next caller starts afresh (with fresh data).
            map.lock().unwrap_or_else(|e| e.into_inner()).remove(&k);
            out
        });
        let run = EarlyRun {
            early: rx.map(Result::ok).boxed().shared(),
            done: async move {
                task.await
                    .unwrap_or_else(|e| Err(EdgeError::internal(format!("task failed: {e}"))))
            }
            .boxed()
            .shared(),
            joined: false,
        };
        running.insert(key, run.clone());
        run
    }
}

/// Where a slice fill stands.
#[derive(Debug, Clone)]
pub enum FillState {
    /// Being fetched.
    Pending,
    /// Verified bytes.
    Ready(Bytes),
    /// The fill failed; readers must fail too (never end early).
    Failed(EdgeError),
    /// Nobody wanted it any more; a reader that still does starts over.
    Abandoned,
}

/// Shared state of one fill job.
#[derive(Debug, Default)]
pub struct JobCtl {
    readers: AtomicUsize,
}

/// A reader's claim on a job; the job stops when none are left.
#[derive(Debug)]
pub struct Interest(Arc<JobCtl>);

impl Interest {
    fn new(job: &Arc<JobCtl>) -> Interest {
        job.readers.fetch_add(1, Ordering::SeqCst);
        Interest(Arc::clone(job))
    }
}

impl Drop for Interest {
    fn drop(&mut self) {
        self.0.readers.fetch_sub(1, Ordering::SeqCst);
    }
}

/// One slice in flight.
#[derive(Debug)]
pub struct Flight {
    tx: watch::Sender<FillState>,
    job: Arc<JobCtl>,
}

impl Flight {
    /// Publishes the outcome to every reader.
    pub fn finish(&self, state: FillState) {
        self.tx.send_replace(state);
    }
}

/// A contiguous run of slices a new job must fill, in order.
pub struct Run {
    /// The job's control block.
    pub job: Arc<JobCtl>,
    /// (slice index, its flight), first to last.
    pub slices: Vec<(u32, Arc<Flight>)>,
}

/// Outcome of [`Flights::claim`].
pub enum Claim {
    /// A fill of the slice is under way: wait on `rx`.
    Join {
        /// Fill state of the slice.
        rx: watch::Receiver<FillState>,
        /// Keeps the job going while we read.
        interest: Interest,
    },
    /// Nobody is filling it: the caller must start a job for `run`.
    Lead {
        /// Fill state of the first slice.
        rx: watch::Receiver<FillState>,
        /// Keeps the job going while we read.
        interest: Interest,
        /// What the new job fills.
        run: Run,
    },
}

/// Slices in flight.
#[derive(Default)]
pub struct Flights {
    map: Mutex<HashMap<SliceKey, Arc<Flight>>>,
}

impl Flights {
    fn lock(&self) -> MutexGuard<'_, HashMap<SliceKey, Arc<Flight>>> {
        self.map.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether slice `i` of `meta` is being filled right now.
    pub fn in_flight(&self, meta: &ObjectMeta, i: u32) -> bool {
        self.lock().contains_key(&slice_key(meta, i))
    }

    /// Joins the fill of slice `first`, or claims `first..=last` for a new
    /// job (stopping before a slice that is `cached` or already in flight).
    pub fn claim(
        &self,
        meta: &ObjectMeta,
        first: u32,
        last: u32,
        cached: impl Fn(u32) -> bool,
    ) -> Claim {
        let mut map = self.lock();
        if let Some(f) = map.get(&slice_key(meta, first)) {
            return Claim::Join {
                rx: f.tx.subscribe(),
                interest: Interest::new(&f.job),
            };
        }
        let job = Arc::new(JobCtl::default());
        let interest = Interest::new(&job);
        let mut slices = Vec::new();
        for i in first..=last {
            let key = slice_key(meta, i);
            if i > first && (map.contains_key(&key) || cached(i)) {
                break;
            }
            let flight = Arc::new(Flight {
                tx: watch::channel(FillState::Pending).0,
                job: Arc::clone(&job),
            });
            map.insert(key, Arc::clone(&flight));
            slices.push((i, flight));
        }
        let rx = slices
            .first()
            .map(|(_, f)| f.tx.subscribe())
            .unwrap_or_else(|| watch::channel(FillState::Abandoned).1);
        Claim::Lead {
            rx,
            interest,
            run: Run { job, slices },
        }
    }

    /// Publishes `state` for slice `i` and forgets the flight.
    pub fn finish(&self, meta: &ObjectMeta, i: u32, flight: &Arc<Flight>, state: FillState) {
        flight.finish(state);
        let mut map = self.lock();
        let key = slice_key(meta, i);
        if map.get(&key).is_some_and(|f| Arc::ptr_eq(f, flight)) {
            map.remove(&key);
        }
    }

    /// When nobody reads from `job` any more, abandons `rest` and returns
    /// true. Checked under the map lock, so a reader joining concurrently
    /// either counts or finds the slices gone and starts its own job.
    pub fn abandon_if_unwanted(
        &self,
        meta: &ObjectMeta,
        job: &Arc<JobCtl>,
        rest: &[(u32, Arc<Flight>)],
    ) -> bool {
        let mut map = self.lock();
        if job.readers.load(Ordering::SeqCst) > 0 {
            return false;
        }
        for (i, flight) in rest {
            let key = slice_key(meta, *i);
            if map.get(&key).is_some_and(|f| Arc::ptr_eq(f, flight)) {
                map.remove(&key);
            }
            flight.finish(FillState::Abandoned);
        }
        true
    }
}

/// Waits until a fill settles.
pub async fn wait(mut rx: watch::Receiver<FillState>) -> FillState {
    loop {
        let state = rx.borrow_and_update().clone();
        if !matches!(state, FillState::Pending) {
            return state;
        }
        if rx.changed().await.is_err() {
            let last = rx.borrow().clone();
            // The job vanished without a verdict (it panicked): start over.
            return match last {
                FillState::Pending => FillState::Abandoned,
                other => other,
            };
        }
    }
}
