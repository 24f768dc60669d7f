//! Shared harness for the integration tests in `tests/tests/`.
//!
//! Every test starts its own `gureum-origin` ([`Origin::start`]) on loopback
//! port 0 with its own temporary drive and metadata directories, and talks to
//! it with a real `aws-sdk-s3` client ([`Origin::client`], default settings:
//! SigV4, default checksums) or, for requests the SDK will not send (bad
//! signatures, anonymous calls, `%2e%2e` paths), with the raw HTTP/1.1 helpers
//! at the bottom of this file ([`Origin::signed`], [`Origin::anonymous`]).
//!
//! Directory layout of one test server:
//! ```text
//! <root>/                 tempdir, removed on drop; the server's cwd
//! <root>/jail/drives/dN   drive i
//! <root>/jail/meta        --meta-dir
//! ```
//! `<root>` itself holds nothing but `jail/`, so a test can tell whether a
//! request made the server write anywhere it should not.
//!
//! The binary is `$GUREUM_ORIGIN_BIN`, else `target/<profile>/gureum-origin`
//! next to the test executable's `deps/` dir; build it with
//! `cargo build --workspace --bins`.

pub mod edge;

use std::collections::VecDeque;
use std::fmt::Debug;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant, SystemTime};

use aws_credential_types::Credentials;
use aws_sdk_s3::Client;
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::config::{BehaviorVersion, Region};
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;
pub use gureum_common::sigv4::{Payload, Signer};
use md5::{Digest as _, Md5};
use rand::{Rng, RngCore, SeedableRng};
use sha2::Sha256;
use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub const KIB: usize = 1 << 10;
pub const MIB: usize = 1 << 20;
/// Object bytes per erasure-coded block (contract).
pub const BLOCK: usize = MIB;
/// Bytes of the blake3 hash after every shard-block in `shard.bin` (contract).
pub const HASH_LEN: usize = 32;
/// The line the origin prints on stdout once it accepts connections.
pub const READY_PREFIX: &str = "gureum-origin listening on http://";
/// How long the harness waits for the ready line.
pub const READY_TIMEOUT: Duration = Duration::from_secs(30);
/// Lines of server output kept for failure reports.
const LOG_TAIL_LINES: usize = 200;
/// Upper bound for one raw HTTP exchange.
const RAW_TIMEOUT: Duration = Duration::from_secs(120);

/// Path of the `gureum-origin` binary; panics with a hint when it is missing.
pub fn origin_bin() -> PathBuf {
    let bin = match std::env::var_os("GUREUM_ORIGIN_BIN") {
        Some(p) => PathBuf::from(p),
        None => {
            let exe = std::env::current_exe().expect("current_exe");
            let deps = exe.parent().expect("test executable has a parent dir");
            deps.join("..").join("gureum-origin")
        }
    };
    assert!(
        bin.is_file(),
        "gureum-origin binary not found at {}: run `cargo build --workspace --bins` \
         first (or point GUREUM_ORIGIN_BIN at it)",
        bin.display()
    );
    bin
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

type LogTail = Arc<Mutex<VecDeque<String>>>;

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
            log: Arc::new(Mutex::new(VecDeque::new())),
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
        push_line(
            &self.log,
            format!("=== harness: start #{} ===", self.starts),
        );
        let mut cmd = self.serve_command();
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {:?}: {e}", cmd));
        let stdout = child.stdout.take().expect("stdout piped");
        let stderr = child.stderr.take().expect("stderr piped");
        let (tx, rx) = mpsc::channel::<String>();
        let log = self.log.clone();
        std::thread::spawn(move || {
            drain_lines(stdout, &log, "stdout", |line| {
                if let Some(rest) = line.strip_prefix(READY_PREFIX) {
                    let _ = tx.send(rest.trim().trim_end_matches('/').to_string());
                }
            })
        });
        let log = self.log.clone();
        std::thread::spawn(move || drain_lines(stderr, &log, "stderr", |_| {}));
        match rx.recv_timeout(READY_TIMEOUT) {
            Ok(hostport) => {
                let addr: SocketAddr = hostport
                    .parse()
                    .unwrap_or_else(|e| panic!("ready line address {hostport:?}: {e}"));
                self.addr = Some(addr);
                self.child = Some(child);
            }
            Err(e) => {
                let _ = child.kill();
                let status = child.wait();
                // Give the drain threads a moment to collect the last lines.
                std::thread::sleep(Duration::from_millis(200));
                panic!(
                    "gureum-origin did not print {READY_PREFIX:?}... within {READY_TIMEOUT:?} \
                     ({e}); exit status {status:?}; output:\n{}",
                    self.log_tail()
                );
            }
        }
    }

    /// Kills the server with SIGKILL and waits for it.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
            push_line(&self.log, "=== harness: killed (SIGKILL) ===".to_string());
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
        format!("http://{}", self.addr())
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
        let log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        log.iter().cloned().collect::<Vec<_>>().join("\n")
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
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        if std::thread::panicking() {
            eprintln!(
                "---- gureum-origin output (last {LOG_TAIL_LINES} lines, dirs in {}) ----\n{}\n---- end ----",
                self.root.path().display(),
                self.log_tail()
            );
        }
    }
}

fn push_line(log: &LogTail, line: String) {
    let mut log = log.lock().unwrap_or_else(|e| e.into_inner());
    if log.len() >= LOG_TAIL_LINES {
        log.pop_front();
    }
    log.push_back(line);
}

fn drain_lines(stream: impl Read, log: &LogTail, tag: &str, mut on_line: impl FnMut(&str)) {
    let mut reader = BufReader::new(stream);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf) {
            Ok(0) | Err(_) => break,
            Ok(_) => {
                let line = String::from_utf8_lossy(&buf);
                let line = line.trim_end_matches(['\n', '\r']);
                on_line(line);
                push_line(log, format!("[{tag}] {line}"));
            }
        }
    }
}

fn random_string(rng: &mut impl Rng, len: usize, alphabet: &[u8]) -> String {
    (0..len)
        .map(|_| alphabet[rng.random_range(0..alphabet.len())] as char)
        .collect()
}

/// Runs a command to completion with a time limit; returns status, stdout
/// and stderr. Panics (after killing it) when it runs longer.
pub fn run_with_timeout(cmd: &mut Command, limit: Duration) -> (ExitStatus, String, String) {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("spawn {cmd:?}: {e}"));
    let mut out = child.stdout.take().expect("stdout piped");
    let mut err = child.stderr.take().expect("stderr piped");
    let t_out = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out.read_to_end(&mut s);
        String::from_utf8_lossy(&s).into_owned()
    });
    let t_err = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err.read_to_end(&mut s);
        String::from_utf8_lossy(&s).into_owned()
    });
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{cmd:?} still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = t_out.join().unwrap_or_default();
    let stderr = t_err.join().unwrap_or_default();
    (status, stdout, stderr)
}

// ---------------------------------------------------------------- data

/// `len` pseudo-random bytes, the same for the same seed.
pub fn random_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut v = vec![0u8; len];
    rng.fill_bytes(&mut v);
    v
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

pub fn md5_hex(data: &[u8]) -> String {
    hex::encode(Md5::digest(data))
}

/// The S3 ETag of a single-PUT body: `"<md5 hex>"`.
pub fn etag_of(data: &[u8]) -> String {
    format!("\"{}\"", md5_hex(data))
}

/// Base64 of the MD5 (the `Content-MD5` header value).
pub fn content_md5(data: &[u8]) -> String {
    base64_encode(&Md5::digest(data))
}

pub fn base64_encode(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Percent-encodes everything but RFC 3986 unreserved characters (and `/`
/// when `keep_slash`), the way S3 clients encode paths and query values.
pub fn uri_encode(s: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'_' | b'.' | b'~')
            || (keep_slash && b == b'/');
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes `%XX` escapes and `+` (as a space), like the clients that read
/// `encoding-type=url` listings (botocore's `unquote_plus`).
pub fn url_decode_plus(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' if i + 2 < bytes.len() => {
                let hexpair = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz");
                match u8::from_str_radix(hexpair, 16) {
                    Ok(v) => {
                        out.push(v);
                        i += 3;
                    }
                    Err(_) => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

// ---------------------------------------------------------------- SDK helpers

/// Creates a bucket; panics with the error on failure.
pub async fn create_bucket(client: &Client, bucket: &str) {
    client
        .create_bucket()
        .bucket(bucket)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateBucket {bucket}: {}", DisplayErrorContext(&e)));
}

/// PutObject of an in-memory body; returns the ETag.
pub async fn put_bytes(client: &Client, bucket: &str, key: &str, data: &[u8]) -> String {
    let out = client
        .put_object()
        .bucket(bucket)
        .key(key)
        .body(ByteStream::from(data.to_vec()))
        .send()
        .await
        .unwrap_or_else(|e| {
            panic!(
                "PutObject {bucket}/{key:?} ({} B): {}",
                data.len(),
                DisplayErrorContext(&e)
            )
        });
    out.e_tag().unwrap_or_default().to_string()
}

/// A whole multipart upload of `parts` (in order, SDK defaults); returns
/// the object's ETag.
pub async fn put_multipart(client: &Client, bucket: &str, key: &str, parts: &[&[u8]]) -> String {
    use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
    let id = client
        .create_multipart_upload()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateMultipartUpload {key}: {}", DisplayErrorContext(&e)))
        .upload_id
        .unwrap_or_else(|| panic!("CreateMultipartUpload {key}: no upload id"));
    let mut done = Vec::new();
    for (i, data) in parts.iter().enumerate() {
        let n = i as i32 + 1;
        let etag = client
            .upload_part()
            .bucket(bucket)
            .key(key)
            .upload_id(&id)
            .part_number(n)
            .body(ByteStream::from(data.to_vec()))
            .send()
            .await
            .unwrap_or_else(|e| panic!("UploadPart {key} #{n}: {}", DisplayErrorContext(&e)))
            .e_tag
            .unwrap_or_default();
        done.push(CompletedPart::builder().part_number(n).e_tag(etag).build());
    }
    client
        .complete_multipart_upload()
        .bucket(bucket)
        .key(key)
        .upload_id(&id)
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .set_parts(Some(done))
                .build(),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("CompleteMultipartUpload {key}: {}", DisplayErrorContext(&e)))
        .e_tag
        .unwrap_or_default()
}

/// GetObject of the whole body.
pub async fn get_bytes(client: &Client, bucket: &str, key: &str) -> Vec<u8> {
    let out = client
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GetObject {bucket}/{key:?}: {}", DisplayErrorContext(&e)));
    out.body
        .collect()
        .await
        .unwrap_or_else(|e| panic!("GetObject {bucket}/{key:?} body: {e}"))
        .into_bytes()
        .to_vec()
}

/// One entry of a full listing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listed {
    pub key: String,
    pub etag: String,
    pub size: i64,
}

/// Every object under `prefix` (ListObjectsV2, default page size).
pub async fn list_all(client: &Client, bucket: &str, prefix: &str) -> Vec<Listed> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = client
            .list_objects_v2()
            .bucket(bucket)
            .prefix(prefix)
            .set_continuation_token(token.clone())
            .send()
            .await
            .unwrap_or_else(|e| panic!("ListObjectsV2 {bucket}: {}", DisplayErrorContext(&e)));
        for o in page.contents() {
            out.push(Listed {
                key: o.key().unwrap_or_default().to_string(),
                etag: o.e_tag().unwrap_or_default().to_string(),
                size: o.size().unwrap_or(-1),
            });
        }
        match page.next_continuation_token() {
            Some(t) if page.is_truncated() == Some(true) => token = Some(t.to_string()),
            _ => break,
        }
    }
    out
}

/// HTTP status of a failed SDK call, if a response was received.
pub fn err_status<E>(err: &SdkError<E, HttpResponse>) -> Option<u16> {
    err.raw_response().map(|r| r.status().as_u16())
}

/// S3 error code of a failed SDK call (`None` e.g. for HEAD, which has no body).
pub fn err_code<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> Option<String> {
    err.code().map(str::to_string)
}

/// Asserts that `res` failed with the given HTTP status and (when `code` is
/// `Some`) S3 error code.
pub fn assert_s3_err<T: Debug, E>(
    what: &str,
    res: Result<T, SdkError<E, HttpResponse>>,
    status: u16,
    code: Option<&str>,
) where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match res {
        Ok(v) => panic!("{what}: expected {status} {code:?}, got success: {v:?}"),
        Err(e) => {
            let got_status = err_status(&e);
            let got_code = err_code(&e);
            assert_eq!(
                got_status,
                Some(status),
                "{what}: HTTP status (code {got_code:?}): {}",
                DisplayErrorContext(&e)
            );
            if let Some(code) = code {
                assert_eq!(
                    got_code.as_deref(),
                    Some(code),
                    "{what}: S3 error code: {}",
                    DisplayErrorContext(&e)
                );
            }
        }
    }
}

// ---------------------------------------------------------------- files

/// Every file named `name` below `dir` (recursively), sorted.
pub fn find_files(dir: &Path, name: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = walk(dir)
        .into_iter()
        .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n == name))
        .collect();
    out.sort();
    out
}

/// Every file and directory below `dir` (recursively, not following links).
pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in rd.flatten() {
            let path = entry.path();
            let is_dir = entry.file_type().map(|t| t.is_dir()).unwrap_or(false);
            if is_dir {
                stack.push(path.clone());
            }
            out.push(path);
        }
    }
    out.sort();
    out
}

/// Names of the entries directly inside `dir`, sorted.
pub fn dir_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read_dir {}: {e}", dir.display()))
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// XORs the byte at `offset` of `path` with 0xFF; returns the old value.
pub fn flip_byte(path: &Path, offset: u64) -> u8 {
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
    let mut b = [0u8; 1];
    f.seek(SeekFrom::Start(offset)).expect("seek");
    f.read_exact(&mut b).expect("read byte");
    f.seek(SeekFrom::Start(offset)).expect("seek");
    f.write_all(&[b[0] ^ 0xFF]).expect("write byte");
    f.sync_all().expect("sync");
    b[0]
}

// ---------------------------------------------------------------- raw HTTP

/// A response read by the raw HTTP helpers.
#[derive(Clone, Debug)]
pub struct RawResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawResponse {
    /// First header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// `<Code>` of an S3 XML error body.
    pub fn error_code(&self) -> Option<String> {
        xml_values(&self.text(), "Code").into_iter().next()
    }
}

/// Text of every `<tag>...</tag>` element in `xml`, in order (no nesting,
/// no entity decoding beyond the five XML entities).
pub fn xml_values(xml: &str, tag: &str) -> Vec<String> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find(&open) {
        let after = &rest[start + open.len()..];
        let Some(end) = after.find(&close) else {
            break;
        };
        out.push(
            after[..end]
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&apos;", "'")
                .replace("&amp;", "&"),
        );
        rest = &after[end + close.len()..];
    }
    out
}

/// SigV4 headers (`authorization`, `x-amz-date`, `x-amz-content-sha256`)
/// for a request to `http://{host}{target}`; `target` must be encoded
/// already and is signed exactly as given (S3 rules: no normalization,
/// single encoding).
pub fn sigv4_headers(
    host: &str,
    access_key: &str,
    secret_key: &str,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: Payload<'_>,
) -> Vec<(String, String)> {
    sigv4_headers_at(
        SystemTime::now(),
        host,
        access_key,
        secret_key,
        method,
        target,
        headers,
        body,
    )
}

/// [`sigv4_headers`] signed as of `time` (clock-skew tests).
#[allow(clippy::too_many_arguments)]
pub fn sigv4_headers_at(
    time: SystemTime,
    host: &str,
    access_key: &str,
    secret_key: &str,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: Payload<'_>,
) -> Vec<(String, String)> {
    let url = format!("http://{host}{target}");
    Signer::s3(access_key, secret_key, "us-east-1")
        .sign_at(time, method, &url, headers, body)
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The request line and headers of an HTTP/1.1 request (with `Host`,
/// `Connection: close` and, when given, `Content-Length`).
pub fn request_head(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(String, String)],
    content_length: Option<u64>,
) -> Vec<u8> {
    // A `host` among `headers` replaces the default (virtual-host tests).
    let host_given = headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host"));
    let mut head = if host_given {
        format!("{method} {target} HTTP/1.1\r\nconnection: close\r\n")
    } else {
        format!("{method} {target} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n")
    };
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if let Some(n) = content_length {
        head.push_str(&format!("content-length: {n}\r\n"));
    }
    head.push_str("\r\n");
    head.into_bytes()
}

/// Sends one HTTP/1.1 request over a fresh connection and reads the whole
/// response (the connection is closed by the server after it).
pub async fn raw_http(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> std::io::Result<RawResponse> {
    let fut = async {
        let mut stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        let head = request_head(addr, method, target, headers, Some(body.len() as u64));
        stream.write_all(&head).await?;
        stream.write_all(body).await?;
        stream.flush().await?;
        read_response(stream, method.eq_ignore_ascii_case("HEAD")).await
    };
    tokio::time::timeout(RAW_TIMEOUT, fut)
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "raw HTTP timed out"))?
}

/// Reads a response until the server closes the connection.
pub async fn read_response(
    mut stream: TcpStream,
    head_request: bool,
) -> std::io::Result<RawResponse> {
    let mut buf = Vec::new();
    stream.read_to_end(&mut buf).await?;
    parse_response(&buf, head_request)
}

fn parse_response(buf: &[u8], head_request: bool) -> std::io::Result<RawResponse> {
    let bad = |msg: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, msg.to_string());
    let end = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| bad("no end of response head"))?;
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().ok_or_else(|| bad("empty response"))?;
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad(&format!("bad status line {status_line:?}")))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let raw_body = &buf[end + 4..];
    let chunked = headers.iter().any(|(k, v)| {
        k.eq_ignore_ascii_case("transfer-encoding") && v.to_ascii_lowercase().contains("chunked")
    });
    let body = if head_request || status == 304 || status == 204 {
        Vec::new()
    } else if chunked {
        decode_chunked(raw_body).ok_or_else(|| bad("bad chunked body"))?
    } else {
        raw_body.to_vec()
    };
    Ok(RawResponse {
        status,
        headers,
        body,
    })
}

fn decode_chunked(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n")?;
        let size_str = std::str::from_utf8(&data[..line_end]).ok()?;
        let size = usize::from_str_radix(size_str.split(';').next()?.trim(), 16).ok()?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        if data.len() < size + 2 {
            return None;
        }
        out.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}
