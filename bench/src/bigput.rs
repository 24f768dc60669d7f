//! `big-put`: N concurrent uploads of a big object with streamed bodies
//! (chunks of one small random pool, so the client holds no object in
//! memory), while sampling a server process's memory.
//!
//! Memory: before the uploads the peak counter of the watched process is reset
//! (`5` into /proc/PID/clear_refs, works for root or the process owner), VmRSS
//! is polled every 100 ms, and VmHWM is read at the end, so the reported peak
//! covers exactly the upload window even between samples.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use futures::future::join_all;
use serde_json::json;

use crate::body::{GenBody, Pool};
use crate::report::JsonSink;
use crate::scenario::delete_keys;
use crate::target::{Op, Target};
use crate::util::{MIB, fmt_size, proc_status_kb};

pub struct Options {
    pub count: usize,
    pub size: u64,
    pub chunk: u64,
    pub watch_pid: Option<u32>,
    pub rss_goal_mib: f64,
    pub keep: bool,
}

pub struct BigPutResult {
    pub secs: f64,
    pub bytes: u64,
    pub errors: usize,
    pub first_error: Option<String>,
    pub upload_secs: Vec<f64>,
    /// Max VmRSS seen by polling, bytes.
    pub sampled_rss: Option<u64>,
    /// VmHWM at the end (since the reset, when it worked), bytes.
    pub hwm: Option<u64>,
    pub hwm_reset: bool,
    pub rss_before: Option<u64>,
    /// CPU seconds of the watched process during the uploads.
    pub cpu_secs: Option<f64>,
}

impl BigPutResult {
    pub fn peak_rss(&self) -> Option<u64> {
        match (self.sampled_rss, self.hwm.filter(|_| self.hwm_reset)) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
    }
}

pub async fn run(http: &reqwest::Client, t: &Target, o: &Options) -> Result<BigPutResult> {
    let pool = Pool::random(o.chunk as usize, 0x6269_6770_7574);
    let tag = format!("big-{}-{}", std::process::id(), o.size);
    let keys: Vec<String> = (0..o.count).map(|i| format!("{tag}/{i}")).collect();
    let mut signed = Vec::new();
    for k in &keys {
        signed.push(t.sign(Op::Put, k).await?);
    }

    // Memory watch.
    let mut hwm_reset = false;
    let rss_before = o.watch_pid.and_then(|pid| proc_status_kb(pid, "VmRSS"));
    if let Some(pid) = o.watch_pid {
        if proc_status_kb(pid, "VmRSS").is_none() {
            bail!("--watch-pid {pid}: no such process");
        }
        hwm_reset = std::fs::write(format!("/proc/{pid}/clear_refs"), "5").is_ok();
    }
    let done = Arc::new(AtomicBool::new(false));
    let max_rss = Arc::new(AtomicU64::new(0));
    let sampler = o.watch_pid.map(|pid| {
        let (done, max_rss) = (done.clone(), max_rss.clone());
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(100));
            while !done.load(Ordering::Relaxed) {
                tick.tick().await;
                if let Some(rss) = proc_status_kb(pid, "VmRSS") {
                    max_rss.fetch_max(rss, Ordering::Relaxed);
                }
            }
        })
    });

    eprintln!(
        "gureum-load: [{}] {} concurrent uploads of {} ...",
        t.name,
        o.count,
        fmt_size(o.size)
    );
    let cpu_before = o
        .watch_pid
        .and_then(|pid| crate::util::procs_cpu_secs(&[pid]));
    let start = Instant::now();
    let uploads = signed.iter().enumerate().map(|(i, s)| {
        let body = reqwest::Body::wrap(GenBody::new(pool.clone(), o.size, o.chunk, i as u64));
        let req = http
            .put(s.url.clone())
            .headers(s.headers.clone())
            .body(body);
        async move {
            let t0 = Instant::now();
            let resp = req.send().await?;
            let status = resp.status();
            let text = resp.bytes().await.unwrap_or_default();
            if !status.is_success() {
                bail!(
                    "PUT {}: HTTP {status}: {}",
                    s.url.path(),
                    String::from_utf8_lossy(&text[..text.len().min(300)])
                );
            }
            Ok(t0.elapsed().as_secs_f64())
        }
    });
    let results = join_all(uploads).await;
    let secs = start.elapsed().as_secs_f64();
    done.store(true, Ordering::Relaxed);
    if let Some(s) = sampler {
        let _ = s.await;
    }
    let cpu_secs = cpu_before
        .zip(
            o.watch_pid
                .and_then(|pid| crate::util::procs_cpu_secs(&[pid])),
        )
        .map(|(a, b)| b - a);
    let hwm = o.watch_pid.and_then(|pid| proc_status_kb(pid, "VmHWM"));
    let sampled = max_rss.load(Ordering::Relaxed);

    let mut res = BigPutResult {
        secs,
        bytes: 0,
        errors: 0,
        first_error: None,
        upload_secs: Vec::new(),
        sampled_rss: (sampled > 0).then_some(sampled),
        hwm,
        hwm_reset,
        rss_before,
        cpu_secs,
    };
    for r in results {
        match r {
            Ok(s) => {
                res.upload_secs.push(s);
                res.bytes += o.size;
            }
            Err(e) => {
                res.errors += 1;
                res.first_error.get_or_insert_with(|| format!("{e:#}"));
            }
        }
    }

    // Verify: every stored object has the full length.
    for k in &keys {
        let s = t.sign(Op::Head, k).await?;
        let check = async {
            let resp = http
                .head(s.url.clone())
                .headers(s.headers.clone())
                .send()
                .await?;
            let len = resp
                .headers()
                .get(reqwest::header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
            if resp.status() != reqwest::StatusCode::OK || len != Some(o.size) {
                bail!(
                    "HEAD {}: HTTP {}, length {len:?}, want {}",
                    s.url.path(),
                    resp.status(),
                    o.size
                );
            }
            anyhow::Ok(())
        };
        if let Err(e) = check.await {
            res.errors += 1;
            res.first_error.get_or_insert_with(|| format!("{e:#}"));
        }
    }
    if !o.keep {
        delete_keys(http, t, keys).await;
    }
    Ok(res)
}

pub fn print(r: &BigPutResult, t: &Target, o: &Options, sink: &mut JsonSink) -> Result<()> {
    let mib = |b: u64| b as f64 / MIB as f64;
    let rate = mib(r.bytes) / r.secs.max(1e-9);
    let mut up = r.upload_secs.clone();
    up.sort_by(f64::total_cmp);
    let (fastest, slowest) = (
        up.first().copied().unwrap_or(0.0),
        up.last().copied().unwrap_or(0.0),
    );
    let peak = r.peak_rss().map(mib);
    let label = format!("{} x {} PUT", o.count, fmt_size(o.size));
    println!("#scenario\ttarget\tunit\tvalue\tsecs\tpeak_rss_mib\tvmhwm_mib\terrors");
    println!(
        "big-put-{}x{}\t{}\tMiB/s\t{:.1}\t{:.2}\t{}\t{}\t{}",
        o.count,
        o.size / MIB,
        t.name,
        rate,
        r.secs,
        peak.map_or("-".into(), |p| format!("{p:.1}")),
        r.hwm.map_or("-".into(), |h| format!("{:.1}", mib(h))),
        r.errors
    );
    println!(
        "{label} to {}: {rate:.1} MiB/s aggregate, {:.1}s total (each upload {fastest:.1}-{slowest:.1}s){}",
        t.name,
        r.secs,
        if r.errors > 0 {
            format!(
                ", {} ERRORS: {}",
                r.errors,
                r.first_error.as_deref().unwrap_or("")
            )
        } else {
            String::new()
        }
    );
    if let (Some(pid), Some(c)) = (o.watch_pid, r.cpu_secs.filter(|_| r.bytes > 0)) {
        println!(
            "CPU of pid {pid} during the uploads: {c:.2}s ({:.2} ms/MiB)",
            c * 1e3 / mib(r.bytes)
        );
    }
    if let (Some(pid), Some(p)) = (o.watch_pid, peak) {
        println!(
            "Peak RSS of pid {pid} during {label}: {p:.1} MiB (VmHWM {}{}, max sampled VmRSS {}, before {}) \
             goal < {:.0} MiB: {}",
            r.hwm.map_or("-".into(), |h| format!("{:.1} MiB", mib(h))),
            if r.hwm_reset {
                " since reset"
            } else {
                " lifetime"
            },
            r.sampled_rss
                .map_or("-".into(), |h| format!("{:.1} MiB", mib(h))),
            r.rss_before
                .map_or("-".into(), |h| format!("{:.1} MiB", mib(h))),
            o.rss_goal_mib,
            if p < o.rss_goal_mib { "pass" } else { "FAIL" }
        );
    }
    sink.write(&json!({
        "kind": "big-put",
        "target": t.name,
        "count": o.count,
        "size": o.size,
        "secs": r.secs,
        "mib_s": rate,
        "upload_secs": up,
        "peak_rss_mib": peak,
        "vmhwm_mib": r.hwm.map(mib),
        "vmhwm_reset": r.hwm_reset,
        "sampled_rss_mib": r.sampled_rss.map(mib),
        "rss_before_mib": r.rss_before.map(mib),
        "server_cpu_secs": r.cpu_secs,
        "server_cpu_ms_per_mib": r.cpu_secs.filter(|_| r.bytes > 0).map(|c| c * 1e3 / mib(r.bytes)),
        "errors": r.errors,
        "first_error": r.first_error,
    }))
}
