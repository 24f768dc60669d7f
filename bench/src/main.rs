//! `gureum-load`: end-to-end HTTP load tool for Gureum and a plain static
//! server (nginx with WebDAV PUT) side by side.
//!
//! - `run`: fixed throughput scenarios (PUT/GET of 4 KiB, 1 MiB and 64 MiB at
//!   concurrency 1 and 8), every run bounded in requests and seconds, the
//!   targets interleaved per scenario and repeated; prints one TSV line per
//!   scenario and target (median of the repeats) and a markdown table.
//! - `big-put`: N concurrent streamed uploads of a large object (default
//!   16 × 256 MiB), optionally sampling a server process's RSS meanwhile.
//! - `objects`: uploads a numbered set of objects and prints their
//!   (presigned) GET URLs, to seed the edge benchmark.
//!
//! S3 targets get query-string presigned URLs from aws-sdk-s3 (static
//! credentials, path style; PUTs are signed UNSIGNED-PAYLOAD so the client
//! never hashes a body), signed before the timed part of a run. Requests then
//! go out through one plain reqwest client (HTTP/1.1, TCP_NODELAY). Bodies
//! are slices of one pre-generated random pool (`bytes::Bytes`, no copy per
//! request); GET bodies are streamed and counted, never buffered, and every
//! GET is checked for status 200 and exact length (one in
//! [`scenario::VERIFY_EVERY`] also byte for byte) so a broken server cannot
//! look fast.

mod bigput;
mod body;
mod objects;
mod report;
mod scenario;
mod target;
mod util;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};

use crate::target::{CpuPids, Target, TargetKey, TargetSpec};

#[derive(Parser, Debug)]
#[command(
    name = "gureum-load",
    version,
    about = "End-to-end load tool: Gureum (S3) vs a plain HTTP server"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the throughput scenarios against one or more targets, interleaved.
    Run(RunArgs),
    /// Concurrent streamed uploads of big objects (default 16 x 256 MiB).
    BigPut(BigPutArgs),
    /// Upload PREFIX0..PREFIX{N-1} and print `KEY<TAB>GET-URL` lines
    /// (presigned for S3 targets), for the benchmark scripts.
    Objects(ObjectsArgs),
    /// List the built-in scenarios.
    Scenarios,
}

#[derive(Args, Debug)]
struct Common {
    /// Target as NAME=KIND:URL, KIND is `s3` (presigned S3) or `plain` (PUT/GET
    /// of URL/BUCKET/KEY, e.g. nginx WebDAV). Repeatable; the first two are
    /// compared (first / second) in the table.
    #[arg(long = "target", required = true, value_name = "NAME=KIND:URL")]
    targets: Vec<TargetSpec>,
    /// Bucket for S3 targets (created if missing); path prefix for plain ones.
    #[arg(long, default_value = "gureum-load")]
    bucket: String,
    /// S3 access key.
    #[arg(long, env = "GUREUM_ROOT_ACCESS_KEY", hide_env_values = true)]
    access_key: Option<String>,
    /// S3 secret key.
    #[arg(long, env = "GUREUM_ROOT_SECRET_KEY", hide_env_values = true)]
    secret_key: Option<String>,
    /// NAME=ACCESS_KEY:SECRET_KEY: credentials of S3 target NAME instead of
    /// --access-key/--secret-key (two targets on one server, two users).
    #[arg(long = "target-key", value_name = "NAME=AK:SK")]
    target_keys: Vec<TargetKey>,
    /// S3 signing region.
    #[arg(long, default_value = "us-east-1")]
    region: String,
    /// Per-request timeout in seconds (a stuck server fails the run).
    #[arg(long, default_value_t = 300)]
    timeout_secs: u64,
    /// Append one JSON object per run and per summary to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    /// NAME=PID[,PID...]: server processes of target NAME (e.g. nginx's
    /// master and workers) whose CPU time (user + system) is measured over
    /// each run and reported per MiB or per request. Repeatable.
    #[arg(long = "cpu-pid", value_name = "NAME=PIDS")]
    cpu_pids: Vec<CpuPids>,
}

#[derive(Args, Debug)]
struct RunArgs {
    #[command(flatten)]
    common: Common,
    /// Comma-separated scenario names or substrings (`64m`, `get`), or `all`.
    #[arg(long, default_value = "all")]
    scenarios: String,
    /// Runs of each scenario per target; the table shows the median.
    #[arg(long, default_value_t = 3)]
    repeats: usize,
    /// Stop issuing requests in a run after this many seconds.
    #[arg(long, default_value_t = 5.0)]
    max_secs: f64,
    /// Override every scenario's request cap.
    #[arg(long)]
    requests: Option<usize>,
    /// Do not run `sync` after PUT runs (by default dirty pages one server
    /// left behind are flushed before the next run starts).
    #[arg(long)]
    no_sync: bool,
    /// Keep the objects the run wrote (by default they are deleted).
    #[arg(long)]
    keep: bool,
}

#[derive(Args, Debug)]
struct BigPutArgs {
    #[command(flatten)]
    common: Common,
    /// Number of concurrent uploads.
    #[arg(long, default_value_t = 16)]
    count: usize,
    /// Size of each object (e.g. 256MiB).
    #[arg(long, default_value = "256MiB", value_parser = util::parse_size)]
    size: u64,
    /// Size of the chunks the body is streamed in.
    #[arg(long, default_value = "1MiB", value_parser = util::parse_size)]
    chunk: u64,
    /// Sample this process's memory (VmRSS every 100 ms, and VmHWM) during the
    /// uploads, e.g. the origin's PID.
    #[arg(long)]
    watch_pid: Option<u32>,
    /// Goal for the peak RSS of --watch-pid, in MiB (printed as pass/FAIL).
    #[arg(long, default_value_t = 300.0)]
    rss_goal_mib: f64,
    /// Keep the uploaded objects (by default they are deleted).
    #[arg(long)]
    keep: bool,
}

#[derive(Args, Debug)]
struct ObjectsArgs {
    #[command(flatten)]
    common: Common,
    /// Key prefix; object i is PREFIX{i}.
    #[arg(long, default_value = "")]
    prefix: String,
    /// Number of objects.
    #[arg(long, default_value_t = 1)]
    count: usize,
    /// Size of each object (e.g. 1KiB, 512MiB).
    #[arg(long, value_parser = util::parse_size)]
    size: u64,
    /// Uploads in flight at once.
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// Upload nothing, only print the (presigned) GET URLs.
    #[arg(long)]
    presign_only: bool,
    /// Write the `KEY<TAB>URL` lines here instead of stdout.
    #[arg(long)]
    urls_out: Option<PathBuf>,
}

impl Common {
    async fn targets(&self) -> Result<Vec<Target>> {
        let mut out = Vec::new();
        for spec in &self.targets {
            let own = self.target_keys.iter().find(|k| k.name == spec.name);
            let creds = match (own, &self.access_key, &self.secret_key) {
                (Some(k), _, _) => Some((k.access_key.clone(), k.secret_key.clone())),
                (None, Some(a), Some(s)) => Some((a.clone(), s.clone())),
                _ => None,
            };
            let mut t = Target::new(spec, &self.bucket, creds, &self.region)?;
            t.cpu_pids = self
                .cpu_pids
                .iter()
                .filter(|c| c.name == spec.name)
                .flat_map(|c| c.pids.iter().copied())
                .collect();
            out.push(t);
        }
        for k in &self.target_keys {
            if !self.targets.iter().any(|t| t.name == k.name) {
                bail!("--target-key {}: no target of that name", k.name);
            }
        }
        for c in &self.cpu_pids {
            if !self.targets.iter().any(|t| t.name == c.name) {
                bail!("--cpu-pid {}: no target of that name", c.name);
            }
        }
        let mut names = std::collections::HashSet::new();
        for t in &out {
            if !names.insert(t.name.clone()) {
                bail!("target name {:?} given twice", t.name);
            }
        }
        for t in &out {
            t.ensure_bucket()
                .await
                .with_context(|| format!("preparing target {}", t.name))?;
        }
        Ok(out)
    }

    fn http(&self) -> Result<reqwest::Client> {
        reqwest::Client::builder()
            .http1_only()
            .tcp_nodelay(true)
            .no_proxy()
            .pool_max_idle_per_host(64)
            .pool_idle_timeout(Duration::from_secs(90))
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(self.timeout_secs))
            .build()
            .context("building the HTTP client")
    }

    fn json_sink(&self) -> Result<report::JsonSink> {
        report::JsonSink::open(self.json.as_deref())
    }
}

fn main() {
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("gureum-load: starting the runtime: {err}");
            std::process::exit(2);
        }
    };
    match rt.block_on(real_main(cli)) {
        Ok(true) => {}
        Ok(false) => std::process::exit(1),
        Err(err) => {
            eprintln!("gureum-load: {err:#}");
            std::process::exit(2);
        }
    }
}

/// Returns Ok(false) when the load ran but some requests failed.
async fn real_main(cli: Cli) -> Result<bool> {
    match cli.command {
        Command::Scenarios => {
            for s in scenario::builtin() {
                println!(
                    "{}\t{}\t{} bytes\tconcurrency {}\tmax {} requests",
                    s.name,
                    s.label(),
                    s.size,
                    s.conc,
                    s.max_requests
                );
            }
            Ok(true)
        }
        Command::Run(args) => {
            let mut scenarios = scenario::select(&args.scenarios)?;
            if let Some(n) = args.requests {
                for s in &mut scenarios {
                    s.max_requests = n.max(1);
                }
            }
            if args.repeats == 0 {
                bail!("--repeats must be at least 1");
            }
            let http = args.common.http()?;
            let targets = args.common.targets().await?;
            let mut sink = args.common.json_sink()?;
            let opts = scenario::RunOptions {
                repeats: args.repeats,
                max_secs: args.max_secs,
                sync_after_put: !args.no_sync,
                keep: args.keep,
            };
            let summary = scenario::run_all(&http, &targets, &scenarios, &opts, &mut sink).await?;
            report::print_summary(&summary, &targets, &mut sink)?;
            Ok(summary.iter().all(|s| s.errors() == 0))
        }
        Command::Objects(args) => {
            let http = args.common.http()?;
            let targets = args.common.targets().await?;
            if targets.len() != 1 {
                bail!("objects takes exactly one --target");
            }
            let opts = objects::Options {
                prefix: args.prefix,
                count: args.count,
                size: args.size,
                concurrency: args.concurrency,
                presign_only: args.presign_only,
                urls_out: args.urls_out,
            };
            objects::run(&http, &targets[0], &opts).await?;
            Ok(true)
        }
        Command::BigPut(args) => {
            if args.count == 0 || args.size == 0 || args.chunk == 0 {
                bail!("--count, --size and --chunk must be positive");
            }
            let http = args.common.http()?;
            let targets = args.common.targets().await?;
            let mut sink = args.common.json_sink()?;
            let mut ok = true;
            for t in &targets {
                let opts = bigput::Options {
                    count: args.count,
                    size: args.size,
                    chunk: args.chunk,
                    watch_pid: args.watch_pid,
                    rss_goal_mib: args.rss_goal_mib,
                    keep: args.keep,
                };
                let res = bigput::run(&http, t, &opts).await?;
                bigput::print(&res, t, &opts, &mut sink)?;
                ok &= res.errors == 0;
            }
            Ok(ok)
        }
    }
}
