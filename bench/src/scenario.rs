//! Throughput scenarios and the bounded, interleaved runner.
//!
//! Each run of a scenario on a target:
//! 1. signs every URL it may use (outside the clock),
//! 2. starts `conc` workers that claim request numbers from a shared counter
//!    until the scenario's request cap or `max_secs` is reached (requests in
//!    flight at the deadline finish and count),
//! 3. reports bytes and requests completed over the wall time of the run.
//!
//! GET runs read objects uploaded once per target before the first run
//! (`prepare`). PUT runs write fresh keys; large ones are deleted afterwards,
//! and `sync` flushes dirty pages, both outside the clock, so a server that
//! leaves writeback behind does not slow the next run down.
//! The repeats of a scenario alternate the order of the targets.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Result, bail};
use bytes::Bytes;
use futures::{StreamExt, TryStreamExt, stream};

use crate::body::Pool;
use crate::report::{JsonSink, RunRecord, Summary};
use crate::target::{Op, Signed, Target};
use crate::util::{KIB, MIB, fmt_size};

/// One GET in this many is compared byte for byte (every GET is checked for
/// status and length).
pub const VERIFY_EVERY: usize = 8;
/// A run stops issuing requests after this many errors.
const MAX_ERRORS: usize = 10;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    Put,
    Get,
}

#[derive(Clone, Debug)]
pub struct Scenario {
    pub name: String,
    pub dir: Dir,
    pub size: u64,
    pub conc: usize,
    pub max_requests: usize,
}

impl Scenario {
    fn new(dir: Dir, size: u64, conc: usize, max_requests: usize) -> Self {
        let d = match dir {
            Dir::Put => "put",
            Dir::Get => "get",
        };
        let s = if size >= MIB {
            format!("{}m", size / MIB)
        } else {
            format!("{}k", size / KIB)
        };
        Scenario {
            name: format!("{d}-{s}-c{conc}"),
            dir,
            size,
            conc,
            max_requests,
        }
    }

    pub fn label(&self) -> String {
        let d = match self.dir {
            Dir::Put => "PUT",
            Dir::Get => "GET",
        };
        format!("{d} {} x{}", fmt_size(self.size), self.conc)
    }

    /// Throughput scenarios are judged in MiB/s, small-object ones in ops/s.
    pub fn by_ops(&self) -> bool {
        self.size < MIB
    }

    pub fn unit(&self) -> &'static str {
        if self.by_ops() { "ops/s" } else { "MiB/s" }
    }
}

/// The built-in set: 1 MiB and 64 MiB at concurrency 1 and 8, 4 KiB at 8.
pub fn builtin() -> Vec<Scenario> {
    use Dir::*;
    vec![
        Scenario::new(Put, MIB, 1, 400),
        Scenario::new(Get, MIB, 1, 1000),
        Scenario::new(Put, MIB, 8, 800),
        Scenario::new(Get, MIB, 8, 2000),
        Scenario::new(Put, 64 * MIB, 1, 24),
        Scenario::new(Get, 64 * MIB, 1, 48),
        Scenario::new(Put, 64 * MIB, 8, 48),
        Scenario::new(Get, 64 * MIB, 8, 96),
        Scenario::new(Put, 4 * KIB, 8, 10_000),
        Scenario::new(Get, 4 * KIB, 8, 30_000),
    ]
}

/// Scenarios other scripts name exactly but `all` leaves out:
/// `get-4k-c50`, the normal load of bench/run-slowloris.sh.
pub fn extras() -> Vec<Scenario> {
    vec![Scenario::new(Dir::Get, 4 * KIB, 50, 200_000)]
}

/// `all`, or comma-separated exact names or substrings of names (of the
/// built-in set; extras by exact name only).
pub fn select(spec: &str) -> Result<Vec<Scenario>> {
    let all = builtin();
    let extra = extras();
    let mut out: Vec<Scenario> = Vec::new();
    for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let hits: Vec<&Scenario> = if item == "all" {
            all.iter().collect()
        } else if let Some(exact) = all.iter().chain(extra.iter()).find(|s| s.name == item) {
            vec![exact]
        } else {
            all.iter().filter(|s| s.name.contains(item)).collect()
        };
        if hits.is_empty() {
            bail!("no scenario matches {item:?} (see `gureum-load scenarios`)");
        }
        for h in hits {
            if !out.iter().any(|s| s.name == h.name) {
                out.push(h.clone());
            }
        }
    }
    if out.is_empty() {
        bail!("no scenarios selected");
    }
    Ok(out)
}

pub struct RunOptions {
    pub repeats: usize,
    pub max_secs: f64,
    pub sync_after_put: bool,
    pub keep: bool,
}

/// What one run measured.
#[derive(Clone, Debug, Default)]
pub struct RunResult {
    pub requests: u64,
    pub bytes: u64,
    pub secs: f64,
    pub errors: u64,
    pub first_error: Option<String>,
    /// Per-request latencies in ms, sorted.
    pub lat_ms: Vec<f64>,
    pub sign_secs: f64,
    /// CPU seconds the target's `--cpu-pid` processes used during the run.
    pub server_cpu_secs: Option<f64>,
}

impl RunResult {
    pub fn mib_s(&self) -> f64 {
        self.bytes as f64 / MIB as f64 / self.secs.max(1e-9)
    }
    pub fn ops_s(&self) -> f64 {
        self.requests as f64 / self.secs.max(1e-9)
    }
    /// Server CPU per unit of work: ms per MiB for throughput scenarios,
    /// µs per request for small-object ones.
    pub fn cpu_per_unit(&self, sc: &Scenario) -> Option<f64> {
        let cpu = self.server_cpu_secs?;
        if sc.by_ops() {
            (self.requests > 0).then(|| cpu * 1e6 / self.requests as f64)
        } else {
            (self.bytes > 0).then(|| cpu * 1e3 / (self.bytes as f64 / MIB as f64))
        }
    }

    /// The scenario's headline number.
    pub fn value(&self, sc: &Scenario) -> f64 {
        if sc.by_ops() {
            self.ops_s()
        } else {
            self.mib_s()
        }
    }
}

/// Objects uploaded for GET runs, per object size: (signed GET, expected body).
type Prepared = BTreeMap<u64, Vec<(Signed, Bytes)>>;

/// How many objects each GET scenario cycles through.
fn prepared_count(size: u64) -> usize {
    if size >= 16 * MIB {
        8
    } else if size >= 256 * KIB {
        64
    } else {
        256
    }
}

struct Shared {
    http: reqwest::Client,
    pool: Pool,
    tag: String,
}

pub async fn run_all(
    http: &reqwest::Client,
    targets: &[Target],
    scenarios: &[Scenario],
    opts: &RunOptions,
    sink: &mut JsonSink,
) -> Result<Vec<Summary>> {
    let max_size = scenarios.iter().map(|s| s.size).max().unwrap_or(MIB);
    let t0 = Instant::now();
    let shared = Shared {
        http: http.clone(),
        pool: Pool::random(max_size as usize, 0x6775_7265_756d),
        tag: run_tag(),
    };
    eprintln!(
        "gureum-load: body pool {} generated in {:.2}s; run tag {}",
        fmt_size(max_size),
        t0.elapsed().as_secs_f64(),
        shared.tag
    );

    let mut get_sizes: Vec<u64> = scenarios
        .iter()
        .filter(|s| s.dir == Dir::Get)
        .map(|s| s.size)
        .collect();
    get_sizes.sort_unstable();
    get_sizes.dedup();
    let mut prepared: Vec<Prepared> = Vec::new();
    for t in targets {
        let t1 = Instant::now();
        let p = prepare(&shared, t, &get_sizes).await?;
        eprintln!(
            "gureum-load: [{}] uploaded GET objects in {:.1}s",
            t.name,
            t1.elapsed().as_secs_f64()
        );
        prepared.push(p);
    }
    if opts.sync_after_put {
        sync().await;
    }

    let mut summaries = Vec::new();
    for sc in scenarios {
        let mut runs: Vec<Vec<RunResult>> = vec![Vec::new(); targets.len()];
        for rep in 0..opts.repeats {
            let mut order: Vec<usize> = (0..targets.len()).collect();
            if rep % 2 == 1 {
                order.reverse();
            }
            for ti in order {
                let t = &targets[ti];
                let r = run_once(&shared, t, sc, rep, &prepared[ti], opts).await?;
                let cpu_note = match r.cpu_per_unit(sc) {
                    Some(c) if sc.by_ops() => format!(", server CPU {c:.0} us/req"),
                    Some(c) => format!(", server CPU {c:.2} ms/MiB"),
                    None => String::new(),
                };
                eprintln!(
                    "{:<12} {:<8} #{} {:>9.1} {} ({} req, {:.2}s, p50 {:.2} ms, p99 {:.2} ms{cpu_note}{}{})",
                    sc.name,
                    t.name,
                    rep + 1,
                    r.value(sc),
                    sc.unit(),
                    r.requests,
                    r.secs,
                    crate::util::percentile(&r.lat_ms, 0.5),
                    crate::util::percentile(&r.lat_ms, 0.99),
                    if r.errors > 0 {
                        format!(", {} ERRORS", r.errors)
                    } else {
                        String::new()
                    },
                    r.first_error
                        .as_ref()
                        .map(|e| format!(": {e}"))
                        .unwrap_or_default(),
                );
                sink.run(&RunRecord {
                    scenario: sc,
                    target: &t.name,
                    repeat: rep + 1,
                    result: &r,
                })?;
                runs[ti].push(r);
            }
        }
        summaries.push(Summary {
            scenario: sc.clone(),
            runs,
        });
    }

    if !opts.keep {
        for (t, p) in targets.iter().zip(&prepared) {
            let keys: Vec<String> = get_sizes
                .iter()
                .flat_map(|&size| (0..p.get(&size).map_or(0, Vec::len)).map(move |i| (size, i)))
                .map(|(size, i)| get_key(&shared.tag, size, i))
                .collect();
            delete_keys(&shared.http, t, keys).await;
        }
    }
    Ok(summaries)
}

fn run_tag() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    format!("load-{secs}-{}", std::process::id())
}

fn get_key(tag: &str, size: u64, i: usize) -> String {
    format!("{tag}/get-{size}/{i}")
}

/// Uploads the objects GET runs read, and signs their GET URLs.
async fn prepare(shared: &Shared, t: &Target, sizes: &[u64]) -> Result<Prepared> {
    let mut out = Prepared::new();
    for &size in sizes {
        let n = prepared_count(size);
        let objs: Vec<(Signed, Bytes)> = stream::iter(0..n)
            .map(|i| async move {
                let key = get_key(&shared.tag, size, i);
                let body = shared.pool.object(i as u64, size);
                let put = t.sign(Op::Put, &key).await?;
                put_once(&shared.http, &put, body.clone()).await?;
                let get = t.sign(Op::Get, &key).await?;
                // A first read checks the whole object before any run.
                get_once(&shared.http, &get, &body, true).await?;
                anyhow::Ok((get, body))
            })
            .buffered(4)
            .try_collect()
            .await?;
        out.insert(size, objs);
    }
    Ok(out)
}

async fn run_once(
    shared: &Shared,
    t: &Target,
    sc: &Scenario,
    rep: usize,
    prepared: &Prepared,
    opts: &RunOptions,
) -> Result<RunResult> {
    // Sign everything first: the clock measures the server, not the signer.
    let sign_start = Instant::now();
    let jobs: Vec<(Signed, Bytes)> = match sc.dir {
        Dir::Get => match prepared.get(&sc.size) {
            Some(p) => p.clone(),
            None => bail!("no prepared objects of {} bytes", sc.size),
        },
        Dir::Put => {
            let mut v = Vec::with_capacity(sc.max_requests);
            for i in 0..sc.max_requests {
                let key = put_key(&shared.tag, sc, rep, i);
                let body = shared
                    .pool
                    .object((rep * sc.max_requests + i) as u64, sc.size);
                v.push((t.sign(Op::Put, &key).await?, body));
            }
            v
        }
    };
    let sign_secs = sign_start.elapsed().as_secs_f64();

    let jobs = Arc::new(jobs);
    let next = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let errors = Arc::new(AtomicUsize::new(0));
    let cpu_before = crate::util::procs_cpu_secs(&t.cpu_pids).filter(|_| !t.cpu_pids.is_empty());
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(opts.max_secs.max(0.0));
    let mut workers = Vec::new();
    for _ in 0..sc.conc {
        let (jobs, next, stop, errors) = (jobs.clone(), next.clone(), stop.clone(), errors.clone());
        let http = shared.http.clone();
        let (dir, max) = (sc.dir, sc.max_requests);
        workers.push(tokio::spawn(async move {
            let mut r = RunResult::default();
            loop {
                if stop.load(Ordering::Relaxed) || Instant::now() >= deadline {
                    break;
                }
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= max {
                    break;
                }
                let (signed, body) = &jobs[i % jobs.len()];
                let t = Instant::now();
                let res = match dir {
                    Dir::Put => put_once(&http, signed, body.clone()).await,
                    Dir::Get => get_once(&http, signed, body, i % VERIFY_EVERY == 0).await,
                };
                match res {
                    Ok(()) => {
                        r.lat_ms.push(t.elapsed().as_secs_f64() * 1e3);
                        r.requests += 1;
                        r.bytes += body.len() as u64;
                    }
                    Err(e) => {
                        r.errors += 1;
                        r.first_error.get_or_insert_with(|| format!("{e:#}"));
                        if errors.fetch_add(1, Ordering::Relaxed) + 1 >= MAX_ERRORS {
                            stop.store(true, Ordering::Relaxed);
                        }
                    }
                }
            }
            r
        }));
    }
    let mut total = RunResult {
        sign_secs,
        ..RunResult::default()
    };
    for w in workers {
        let r = w.await?;
        total.requests += r.requests;
        total.bytes += r.bytes;
        total.errors += r.errors;
        total.lat_ms.extend(r.lat_ms);
        if total.first_error.is_none() {
            total.first_error = r.first_error;
        }
    }
    total.secs = start.elapsed().as_secs_f64();
    total.server_cpu_secs = cpu_before
        .zip(crate::util::procs_cpu_secs(&t.cpu_pids))
        .map(|(a, b)| b - a);
    total.lat_ms.sort_by(f64::total_cmp);

    if sc.dir == Dir::Put {
        let issued = next.load(Ordering::Relaxed).min(sc.max_requests);
        // Small objects stay (the server's temp dir goes at the end); large
        // ones would fill the disk over the repeats.
        if !opts.keep && sc.size >= MIB {
            let keys = (0..issued)
                .map(|i| put_key(&shared.tag, sc, rep, i))
                .collect();
            delete_keys(&shared.http, t, keys).await;
        }
        if opts.sync_after_put {
            sync().await;
        }
    }
    Ok(total)
}

fn put_key(tag: &str, sc: &Scenario, rep: usize, i: usize) -> String {
    format!("{tag}/{}/r{}/{i}", sc.name, rep + 1)
}

/// One PUT; any 2xx is success (S3 answers 200, WebDAV 201/204).
pub async fn put_once(http: &reqwest::Client, s: &Signed, body: Bytes) -> Result<()> {
    let resp = http
        .put(s.url.clone())
        .headers(s.headers.clone())
        .body(body)
        .send()
        .await?;
    let status = resp.status();
    let text = resp.bytes().await.unwrap_or_default();
    if !status.is_success() {
        bail!("PUT {}: HTTP {status}: {}", s.url.path(), snippet(&text));
    }
    Ok(())
}

/// One GET, streamed: must be 200 with exactly `expect.len()` bytes, and when
/// `verify` the same bytes.
pub async fn get_once(
    http: &reqwest::Client,
    s: &Signed,
    expect: &Bytes,
    verify: bool,
) -> Result<()> {
    let mut resp = http
        .get(s.url.clone())
        .headers(s.headers.clone())
        .send()
        .await?;
    let status = resp.status();
    if status != reqwest::StatusCode::OK {
        let text = resp.bytes().await.unwrap_or_default();
        bail!("GET {}: HTTP {status}: {}", s.url.path(), snippet(&text));
    }
    let mut n = 0usize;
    while let Some(chunk) = resp.chunk().await? {
        if verify && expect.get(n..n + chunk.len()) != Some(&chunk[..]) {
            bail!("GET {}: wrong content at byte {n}", s.url.path());
        }
        n += chunk.len();
    }
    if n != expect.len() {
        bail!("GET {}: got {n} bytes, want {}", s.url.path(), expect.len());
    }
    Ok(())
}

/// Deletes keys (best effort, 8 at a time); reports failures once.
pub async fn delete_keys(http: &reqwest::Client, t: &Target, keys: Vec<String>) {
    let results: Vec<Result<()>> = stream::iter(keys)
        .map(|key| async move {
            let s = t.sign(Op::Delete, &key).await?;
            let resp = http
                .delete(s.url.clone())
                .headers(s.headers.clone())
                .send()
                .await?;
            let status = resp.status();
            if !status.is_success() && status != reqwest::StatusCode::NOT_FOUND {
                bail!("DELETE {}: HTTP {status}", s.url.path());
            }
            Ok(())
        })
        .buffer_unordered(8)
        .collect()
        .await;
    let failed: Vec<&anyhow::Error> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    if let Some(first) = failed.first() {
        eprintln!(
            "gureum-load: [{}] {} of {} deletes failed (first: {first:#})",
            t.name,
            failed.len(),
            results.len()
        );
    }
}

/// Flushes dirty pages (best effort) so one run's writeback does not land in
/// the next run.
pub async fn sync() {
    let _ = tokio::process::Command::new("sync").status().await;
}

fn snippet(body: &[u8]) -> String {
    let s = String::from_utf8_lossy(&body[..body.len().min(300)]);
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn select_scenarios() {
        assert_eq!(select("all").expect("all").len(), builtin().len());
        let s = select("64m").expect("64m");
        assert_eq!(s.len(), 4);
        assert!(s.iter().all(|s| s.size == 64 * MIB));
        assert_eq!(select("get-4k-c50").expect("extra")[0].conc, 50);
        assert!(
            select("all")
                .expect("all")
                .iter()
                .all(|s| s.name != "get-4k-c50")
        );
        let s = select("put-4k-c8,get-1m-c1").expect("two");
        assert_eq!(s[0].name, "put-4k-c8");
        assert_eq!(s[1].name, "get-1m-c1");
        assert!(select("nope").is_err());
    }
}
