//! Edge test harness: starts the real `gureum-edge` binary on loopback
//! port 0 in front of a test [`Origin`], with its own config file and
//! disk cache in a tempdir, and reads its metrics.
//!
//! The binary is `$GUREUM_EDGE_BIN`, else `target/<profile>/gureum-edge`
//! next to the test executable's `deps/` dir; build it with
//! `cargo build --workspace --bins`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};

use tempfile::TempDir;

pub use crate::process::eventually;
use crate::process::{LogTail, kill9, spawn_server, workspace_bin};
use crate::{Origin, RawResponse, raw_http};

/// The line the edge prints on stdout once it accepts connections.
pub const EDGE_READY_PREFIX: &str = "gureum-edge listening on ";
const EDGE_LOG_LINES: usize = 300;

/// Path of the `gureum-edge` binary (`$GUREUM_EDGE_BIN` overrides).
pub fn edge_bin() -> PathBuf {
    workspace_bin("gureum-edge", "GUREUM_EDGE_BIN")
}

/// One `[[distribution]]`.
#[derive(Clone, Debug)]
pub struct Dist {
    pub bucket: String,
    pub prefix: String,
    pub ttl_secs: u64,
    pub prewarm: bool,
    /// `[[distribution.ttl]]` rules: (pattern, ttl_secs).
    pub ttl_rules: Vec<(String, u64)>,
    /// `signed = true` with these `[[distribution.key]]`s: (id,
    /// public_key_file).
    pub keys: Vec<(String, PathBuf)>,
}

impl Dist {
    pub fn new(bucket: &str, prefix: &str) -> Dist {
        Dist {
            bucket: bucket.into(),
            prefix: prefix.into(),
            ttl_secs: 3600,
            prewarm: false,
            ttl_rules: Vec::new(),
            keys: Vec::new(),
        }
    }

    /// A private distribution trusting `key_id`'s public key.
    pub fn signed_by(mut self, key_id: &str, public_key_file: &Path) -> Dist {
        self.keys
            .push((key_id.into(), public_key_file.to_path_buf()));
        self
    }

    pub fn ttl_rule(mut self, pattern: &str, secs: u64) -> Dist {
        self.ttl_rules.push((pattern.into(), secs));
        self
    }

    pub fn ttl(mut self, secs: u64) -> Dist {
        self.ttl_secs = secs;
        self
    }

    pub fn prewarm(mut self) -> Dist {
        self.prewarm = true;
        self
    }
}

/// How to start a test edge.
#[derive(Clone, Debug)]
pub struct EdgeOptions {
    pub distributions: Vec<Dist>,
    pub memory_bytes: u64,
    pub disk_bytes: u64,
    /// `proxy` or `redirect`.
    pub fallback: String,
    pub public_url: Option<String>,
    pub admin_token: Option<String>,
    /// Origin URL override (e.g. a fault-injecting proxy); default: the origin's.
    pub origin_url: Option<String>,
    /// `[origin] ca_file`: the CA an HTTPS origin is verified against.
    pub origin_ca_file: Option<PathBuf>,
    /// `[tls] cert_file`, `key_file`: the edge listens on HTTPS.
    pub tls: Option<(PathBuf, PathBuf)>,
    /// TOML appended to the config (e.g. a `[limits]` table).
    pub extra_toml: String,
}

impl EdgeOptions {
    pub fn new(distributions: Vec<Dist>) -> EdgeOptions {
        EdgeOptions {
            distributions,
            memory_bytes: 64 << 20,
            disk_bytes: 256 << 20,
            fallback: "proxy".into(),
            public_url: None,
            admin_token: Some("test-admin-token".into()),
            origin_url: None,
            origin_ca_file: None,
            tls: None,
            extra_toml: String::new(),
        }
    }
}

/// A running (or stopped) `gureum-edge serve`.
pub struct Edge {
    root: TempDir,
    opts: EdgeOptions,
    origin_url: String,
    creds: (String, String),
    child: Option<Child>,
    addr: Option<SocketAddr>,
    scheme: &'static str,
    log: LogTail,
}

impl Edge {
    /// Starts an edge in front of `origin` (root credentials).
    pub fn start(origin: &Origin, opts: EdgeOptions) -> Edge {
        let root = tempfile::Builder::new()
            .prefix("gureum-edge-test-")
            .tempdir()
            .expect("tempdir");
        let mut edge = Edge {
            root,
            origin_url: opts.origin_url.clone().unwrap_or_else(|| origin.base_url()),
            opts,
            creds: origin.creds(),
            child: None,
            addr: None,
            scheme: "http",
            log: LogTail::new(EDGE_LOG_LINES),
        };
        edge.spawn();
        edge
    }

    pub fn config_path(&self) -> PathBuf {
        self.root.path().join("edge.toml")
    }

    pub fn disk_dir(&self) -> PathBuf {
        self.root.path().join("cache")
    }

    fn write_config(&self) {
        let o = &self.opts;
        let mut t = format!(
            "listen = \"127.0.0.1:0\"\n[origin]\nurl = \"{}\"\naccess_key = \"{}\"\n\
             secret_key = \"{}\"\nregion = \"us-east-1\"\n{}[cache]\nmemory_bytes = {}\n\
             disk_dir = \"{}\"\ndisk_bytes = {}\n[fallback]\nmode = \"{}\"\n",
            self.origin_url,
            self.creds.0,
            self.creds.1,
            o.origin_ca_file
                .as_ref()
                .map(|p| format!("ca_file = {:?}\n", p.display().to_string()))
                .unwrap_or_default(),
            o.memory_bytes,
            self.disk_dir().display(),
            o.disk_bytes,
            o.fallback
        );
        if let Some(u) = &o.public_url {
            t.push_str(&format!("public_url = \"{u}\"\n"));
        }
        if let Some((cert, key)) = &o.tls {
            t.push_str(&format!(
                "[tls]\ncert_file = {:?}\nkey_file = {:?}\n",
                cert.display().to_string(),
                key.display().to_string()
            ));
        }
        if let Some(tok) = &o.admin_token {
            t.push_str(&format!("[admin]\ntoken = \"{tok}\"\n"));
        }
        for d in &o.distributions {
            t.push_str(&format!(
                "[[distribution]]\nbucket = \"{}\"\nprefix = \"{}\"\nttl_secs = {}\nprewarm = {}\n",
                d.bucket, d.prefix, d.ttl_secs, d.prewarm
            ));
            if !d.keys.is_empty() {
                t.push_str("signed = true\n");
            }
            for (pattern, secs) in &d.ttl_rules {
                t.push_str(&format!(
                    "[[distribution.ttl]]\npattern = {pattern:?}\nttl_secs = {secs}\n"
                ));
            }
            for (id, file) in &d.keys {
                t.push_str(&format!(
                    "[[distribution.key]]\nid = {id:?}\npublic_key_file = {:?}\n",
                    file.display().to_string()
                ));
            }
        }
        t.push_str(&o.extra_toml);
        std::fs::write(self.config_path(), t).expect("write edge config");
    }

    fn spawn(&mut self) {
        assert!(self.child.is_none(), "edge already running");
        self.write_config();
        self.log.push("=== harness: edge start ===".into());
        let mut cmd = Command::new(edge_bin());
        cmd.arg("serve")
            .arg("--config")
            .arg(self.config_path())
            // GUREUM_TEST_EDGE_LOG=gureum_edge=debug shows more in failure reports.
            .env(
                "RUST_LOG",
                std::env::var("GUREUM_TEST_EDGE_LOG").unwrap_or_else(|_| "info".into()),
            );
        let (child, addr, scheme) =
            spawn_server(&mut cmd, "gureum-edge", EDGE_READY_PREFIX, &self.log);
        self.addr = Some(addr);
        self.scheme = scheme;
        self.child = Some(child);
    }

    /// SIGKILL and wait.
    pub fn kill9(&mut self) {
        kill9(&mut self.child);
        self.addr = None;
    }

    /// Kills and starts again on the same disk cache (port changes).
    pub fn restart(&mut self) {
        self.kill9();
        self.spawn();
    }

    /// Points the next start at another origin URL (the origin's port
    /// changes when it restarts).
    pub fn set_origin_url(&mut self, url: String) {
        self.origin_url = url;
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr.expect("edge not running")
    }

    pub fn base_url(&self) -> String {
        format!("{}://{}", self.scheme, self.addr())
    }

    pub fn log_tail(&self) -> String {
        self.log.text()
    }

    /// One request over a fresh connection.
    pub async fn request(
        &self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> RawResponse {
        let headers: Vec<(String, String)> = headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        raw_http(self.addr(), method, target, &headers, body)
            .await
            .unwrap_or_else(|e| panic!("edge {method} {target}: {e}\n{}", self.log_tail()))
    }

    /// `GET target` with extra headers.
    pub async fn get(&self, target: &str, headers: &[(&str, &str)]) -> RawResponse {
        self.request("GET", target, headers, b"").await
    }

    /// `/metrics` text.
    pub async fn metrics(&self) -> String {
        self.get("/metrics", &[]).await.text()
    }

    /// Value of one sample, e.g. `gureum_edge_requests_total{cache="hit"}`
    /// (0 when absent).
    pub async fn metric(&self, sample: &str) -> f64 {
        metric_value(&self.metrics().await, sample)
    }

    /// `POST /_edge/purge` with the admin token and a JSON body.
    pub async fn purge(&self, json: &str) -> RawResponse {
        let auth = format!(
            "Bearer {}",
            self.opts.admin_token.as_deref().unwrap_or_default()
        );
        self.request(
            "POST",
            "/_edge/purge",
            &[
                ("authorization", auth.as_str()),
                ("content-type", "application/json"),
            ],
            json.as_bytes(),
        )
        .await
    }

    /// An S3 client talking to the edge (root credentials, path style).
    pub fn s3_client(&self) -> aws_sdk_s3::Client {
        let creds = aws_credential_types::Credentials::new(
            &self.creds.0,
            &self.creds.1,
            None,
            None,
            "gureum-edge-tests",
        );
        let conf = aws_sdk_s3::Config::builder()
            .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
            .endpoint_url(self.base_url())
            .force_path_style(true)
            .region(aws_sdk_s3::config::Region::new("us-east-1"))
            .credentials_provider(creds)
            .build();
        aws_sdk_s3::Client::from_conf(conf)
    }

    /// Total bytes of regular files under the disk cache directory.
    pub fn disk_usage(&self) -> u64 {
        dir_bytes(&self.disk_dir())
    }
}

impl Drop for Edge {
    fn drop(&mut self) {
        self.kill9();
        if std::thread::panicking() {
            eprintln!(
                "---- gureum-edge output (last {EDGE_LOG_LINES} lines) ----\n{}\n---- end ----",
                self.log_tail()
            );
        }
    }
}

/// Value of `sample` (name plus labels, exactly as rendered) in a
/// Prometheus text page; 0 when absent.
pub fn metric_value(text: &str, sample: &str) -> f64 {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .find_map(|l| {
            let (name, value) = l.rsplit_once(' ')?;
            (name == sample).then(|| value.parse().ok()).flatten()
        })
        .unwrap_or(0.0)
}

/// Sum of regular file sizes below `dir`.
pub fn dir_bytes(dir: &Path) -> u64 {
    crate::walk(dir)
        .into_iter()
        .filter_map(|p| std::fs::symlink_metadata(&p).ok())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum()
}

/// Every `*.slice` file of the disk cache, sorted.
pub fn slice_files(disk_dir: &Path) -> Vec<PathBuf> {
    crate::walk(disk_dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "slice"))
        .collect()
}
