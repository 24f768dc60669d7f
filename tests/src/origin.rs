//! A test origin: its own drive and metadata directories in a tempdir,
//! random root credentials, the real `gureum-origin serve` started on
//! loopback port 0, and the clients that talk to it (aws-sdk-s3 with
//! default settings, raw signed or anonymous HTTP for what the SDK will
//! not send).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};

use aws_credential_types::Credentials;
use aws_sdk_s3::Client;
use aws_sdk_s3::config::{BehaviorVersion, Region};
use tempfile::TempDir;

use crate::fixtures::random_string;
use crate::process::{LogTail, kill9, spawn_server, workspace_bin};
use crate::raw::{Payload, RawResponse, raw_http, sigv4_headers};

/// The line the origin prints on stdout once it accepts connections.
pub const READY_PREFIX: &str = "gureum-origin listening on ";
/// Lines of server output kept for failure reports.
const LOG_TAIL_LINES: usize = 200;

/// Path of the `gureum-origin` binary (`$GUREUM_ORIGIN_BIN` overrides).
pub fn origin_bin() -> PathBuf {
    workspace_bin("gureum-origin", "GUREUM_ORIGIN_BIN")
}

/// How to start a test origin.
#[derive(Clone, Debug)]
pub struct OriginOptions {
    pub drives: usize,
    /// `--parity N`; `None` leaves the server's default.
    pub parity: Option<usize>,
    /// Appended to the `serve` command line.
    pub extra_args: Vec<String>,
    /// Extra environment of the `serve` process.
    pub env: Vec<(String, String)>,
}

impl OriginOptions {
    pub fn drives(drives: usize) -> Self {
        OriginOptions {
            drives,
            parity: None,
            extra_args: Vec::new(),
            env: Vec::new(),
        }
    }
}

/// A running (or stopped) `gureum-origin serve` with its own directories.
/// Dropping it kills the process and removes the directories; when the
/// drop happens during a panic the server's last output lines are printed.
pub struct Origin {
    root: TempDir,
    opts: OriginOptions,
    access_key: String,
    secret_key: String,
    child: Option<Child>,
    addr: Option<SocketAddr>,
    scheme: &'static str,
    log: LogTail,
    starts: usize,
}

impl Origin {
    /// Starts an origin with `drives` drives and the default parity.
    pub fn start(drives: usize) -> Origin {
        Origin::start_with(OriginOptions::drives(drives))
    }

    pub fn start_with(opts: OriginOptions) -> Origin {
        let origin = Origin::create(opts);
        let mut origin = origin;
        origin.spawn();
        origin
    }

    /// Creates the directories and credentials without starting the server.
    pub fn create(opts: OriginOptions) -> Origin {
        let root = tempfile::Builder::new()
            .prefix("gureum-test-")
            .tempdir()
            .expect("create tempdir");
        let jail = root.path().join("jail");
        for i in 0..opts.drives {
            std::fs::create_dir_all(jail.join("drives").join(format!("d{i}")))
                .expect("mkdir drive");
        }
        std::fs::create_dir_all(jail.join("meta")).expect("mkdir meta");
        let mut rng = rand::rng();
        let access_key = random_string(&mut rng, 20, b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
        let secret_key = random_string(
            &mut rng,
            40,
            b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/+",
        );
        Origin {
            root,
            opts,
            access_key,
            secret_key,
            child: None,
            addr: None,
            scheme: "http",
            log: LogTail::new(LOG_TAIL_LINES),
            starts: 0,
        }
    }

    /// The `serve` command (storage flags, root credentials, cwd = root dir).
    pub fn serve_command(&self) -> Command {
        let mut cmd = Command::new(origin_bin());
        cmd.arg("serve").arg("--listen").arg("127.0.0.1:0");
        self.add_storage_args(&mut cmd);
        cmd.args(&self.opts.extra_args);
        cmd.envs(self.opts.env.iter().map(|(k, v)| (k, v)));
        self.add_env(&mut cmd);
        cmd
    }

    /// The `reindex` command with the same storage flags as `serve`.
    pub fn reindex_command(&self) -> Command {
        let mut cmd = Command::new(origin_bin());
        cmd.arg("reindex");
        self.add_storage_args(&mut cmd);
        self.add_env(&mut cmd);
        cmd
    }

    fn add_storage_args(&self, cmd: &mut Command) {
        for i in 0..self.opts.drives {
            cmd.arg("--drive").arg(self.drive_path(i));
        }
        cmd.arg("--meta-dir").arg(self.meta_dir());
        if let Some(p) = self.opts.parity {
            cmd.arg("--parity").arg(p.to_string());
        }
    }

    fn add_env(&self, cmd: &mut Command) {
        cmd.env("GUREUM_ROOT_ACCESS_KEY", &self.access_key)
            .env("GUREUM_ROOT_SECRET_KEY", &self.secret_key)
            .current_dir(self.root.path())
            .stdin(Stdio::null());
    }

    fn spawn(&mut self) {
        assert!(self.child.is_none(), "origin already running");
        self.starts += 1;
        self.log
            .push(format!("=== harness: start #{} ===", self.starts));
        let mut cmd = self.serve_command();
        let (child, addr, scheme) =
            spawn_server(&mut cmd, "gureum-origin", READY_PREFIX, &self.log);
        self.addr = Some(addr);
        self.scheme = scheme;
        self.child = Some(child);
    }

    /// Kills the server with SIGKILL and waits for it.
    pub fn kill9(&mut self) {
        if self.child.is_some() {
            kill9(&mut self.child);
            self.log
                .push("=== harness: killed (SIGKILL) ===".to_string());
        }
        self.addr = None;
    }

    /// Kills the server (if running) and starts it again on the same dirs
    /// (the port changes).
    pub fn restart(&mut self) {
        self.kill9();
        self.spawn();
    }

    /// Starts the server again after [`Origin::kill9`] (same as `restart`).
    pub fn start_again(&mut self) {
        self.restart();
    }

    pub fn is_running(&mut self) -> bool {
        match self.child.as_mut() {
            Some(c) => matches!(c.try_wait(), Ok(None)),
            None => false,
        }
    }

    /// Exit status if the process has ended on its own.
    pub fn try_exit_status(&mut self) -> Option<ExitStatus> {
        self.child
            .as_mut()
            .and_then(|c| c.try_wait().ok().flatten())
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(|c| c.id())
    }

    pub fn options(&self) -> &OriginOptions {
        &self.opts
    }

    /// Changes the options used by the next start (e.g. swapped drives).
    pub fn options_mut(&mut self) -> &mut OriginOptions {
        &mut self.opts
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr.expect("origin is not running")
    }

    pub fn base_url(&self) -> String {
        format!("{}://{}", self.scheme, self.addr())
    }

    /// Root credentials `(access key, secret key)`.
    pub fn creds(&self) -> (String, String) {
        (self.access_key.clone(), self.secret_key.clone())
    }

    /// The tempdir holding everything of this server (its cwd).
    pub fn root(&self) -> &Path {
        self.root.path()
    }

    pub fn jail(&self) -> PathBuf {
        self.root.path().join("jail")
    }

    pub fn drive_path(&self, i: usize) -> PathBuf {
        assert!(i < self.opts.drives, "drive {i} of {}", self.opts.drives);
        self.jail().join("drives").join(format!("d{i}"))
    }

    pub fn drive_count(&self) -> usize {
        self.opts.drives
    }

    pub fn meta_dir(&self) -> PathBuf {
        self.jail().join("meta")
    }

    /// Removes everything inside drive `i` (the directory itself stays),
    /// while the server keeps running.
    pub fn wipe_drive(&self, i: usize) {
        let dir = self.drive_path(i);
        for entry in std::fs::read_dir(&dir).expect("read drive dir") {
            let path = entry.expect("dir entry").path();
            let res = if path.is_dir() && !path.is_symlink() {
                std::fs::remove_dir_all(&path)
            } else {
                std::fs::remove_file(&path)
            };
            match res {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => panic!("wipe {}: {e}", path.display()),
            }
        }
        let left: Vec<_> = std::fs::read_dir(&dir).expect("read drive dir").collect();
        assert!(left.is_empty(), "drive {i} not empty after wipe: {left:?}");
    }

    /// The last lines the server printed (stdout and stderr, all starts).
    pub fn log_tail(&self) -> String {
        self.log.text()
    }

    /// An S3 client for this server with the root credentials and default
    /// SDK settings (path style, us-east-1).
    pub fn client(&self) -> Client {
        self.client_with(&self.access_key, &self.secret_key)
    }

    /// An S3 client with arbitrary credentials.
    pub fn client_with(&self, access_key: &str, secret_key: &str) -> Client {
        let creds = Credentials::new(access_key, secret_key, None, None, "gureum-tests");
        let conf = aws_sdk_s3::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .endpoint_url(self.base_url())
            .force_path_style(true)
            .region(Region::new("us-east-1"))
            .credentials_provider(creds)
            .build();
        Client::from_conf(conf)
    }

    /// A request signed (SigV4, header auth, payload hash signed) with the
    /// root credentials. `target` is the already-encoded path and query.
    pub async fn signed(
        &self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> RawResponse {
        self.signed_as(
            &self.access_key,
            &self.secret_key,
            method,
            target,
            headers,
            body,
        )
        .await
    }

    /// A request signed with the given credentials.
    pub async fn signed_as(
        &self,
        access_key: &str,
        secret_key: &str,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> RawResponse {
        let host = self.addr().to_string();
        let mut all: Vec<(String, String)> = headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        all.extend(sigv4_headers(
            &host,
            access_key,
            secret_key,
            method,
            target,
            headers,
            Payload::Bytes(body),
        ));
        raw_http(self.addr(), method, target, &all, body)
            .await
            .unwrap_or_else(|e| panic!("{method} {target}: {e}"))
    }

    /// An unsigned (anonymous) request.
    pub async fn anonymous(
        &self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> RawResponse {
        let all: Vec<(String, String)> = headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        raw_http(self.addr(), method, target, &all, body)
            .await
            .unwrap_or_else(|e| panic!("{method} {target}: {e}"))
    }

    /// Anonymous `GET path` (health, metrics).
    pub async fn http_get(&self, path: &str) -> RawResponse {
        self.anonymous("GET", path, &[], &[]).await
    }
}

impl Drop for Origin {
    fn drop(&mut self) {
        kill9(&mut self.child);
        if std::thread::panicking() {
            eprintln!(
                "---- gureum-origin output (last {LOG_TAIL_LINES} lines, dirs in {}) ----\n{}\n---- end ----",
                self.root.path().display(),
                self.log_tail()
            );
        }
    }
}

/// A bad config ends the process quickly with a non-zero code, one line on
/// stderr and no ready line.
pub fn assert_one_line_failure(mut cmd: Command, what: &str, needles: &[&str]) {
    let (status, stdout, stderr) =
        crate::process::run_with_timeout(&mut cmd, std::time::Duration::from_secs(30));
    assert!(
        !status.success(),
        "{what}: exited successfully\nstdout: {stdout}\nstderr: {stderr}"
    );
    assert!(
        !stdout.contains(READY_PREFIX),
        "{what}: printed the ready line"
    );
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(
        lines.len(),
        1,
        "{what}: expected a one-line error on stderr, got:\n{stderr}"
    );
    let lower = lines[0].to_lowercase();
    assert!(
        needles.iter().any(|n| lower.contains(n)),
        "{what}: error mentions none of {needles:?}: {}",
        lines[0]
    );
}
