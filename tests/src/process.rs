//! Running the real binaries: finding them, the one spawn routine every
//! server of the harness goes through (output drained into a bounded log
//! tail, the ready line awaited), commands run to completion with a time
//! limit, and the one wait helper tests poll with.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

/// How long the harness waits for a server's ready line.
pub const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// Path of a workspace binary: `$env_var`, else `target/<profile>/<name>`
/// next to the test executable's `deps/` dir; panics with a hint when it
/// is missing.
pub fn workspace_bin(name: &str, env_var: &str) -> PathBuf {
    let bin = match std::env::var_os(env_var) {
        Some(p) => PathBuf::from(p),
        None => {
            let exe = std::env::current_exe().expect("current_exe");
            let deps = exe.parent().expect("test executable has a parent dir");
            deps.join("..").join(name)
        }
    };
    assert!(
        bin.is_file(),
        "{name} binary not found at {}: run `cargo build --workspace --bins` \
         first (or point {env_var} at it)",
        bin.display()
    );
    bin
}

/// The last lines a server printed (all its starts), for failure reports.
#[derive(Clone)]
pub struct LogTail {
    lines: Arc<Mutex<VecDeque<String>>>,
    cap: usize,
}

impl LogTail {
    /// A tail keeping the last `cap` lines.
    pub fn new(cap: usize) -> LogTail {
        LogTail {
            lines: Arc::new(Mutex::new(VecDeque::new())),
            cap,
        }
    }

    /// Appends a line (harness notes use `=== ... ===`).
    pub fn push(&self, line: String) {
        let mut l = self.lines.lock().unwrap_or_else(|e| e.into_inner());
        if l.len() >= self.cap {
            l.pop_front();
        }
        l.push_back(line);
    }

    /// Everything kept, one line each.
    pub fn text(&self) -> String {
        let l = self.lines.lock().unwrap_or_else(|e| e.into_inner());
        l.iter().cloned().collect::<Vec<_>>().join("\n")
    }
}

fn drain(
    stream: impl Read + Send + 'static,
    log: LogTail,
    tag: String,
    ready: Option<(String, mpsc::Sender<String>)>,
) {
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stream);
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match reader.read_until(b'\n', &mut buf) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    let line = String::from_utf8_lossy(&buf);
                    let line = line.trim_end_matches(['\n', '\r']);
                    if let Some((prefix, tx)) = &ready
                        && let Some(rest) = line.strip_prefix(prefix.as_str())
                    {
                        let _ = tx.send(rest.trim().trim_end_matches('/').to_string());
                    }
                    log.push(format!("[{tag}] {line}"));
                }
            }
        }
    });
}

/// Spawns `cmd` with its output drained into `log` and waits until it
/// prints `ready_prefix` followed by `http://host:port` or
/// `https://host:port`; returns the child, that address and the scheme. Panics (after killing it) with the output when it exits
/// or stays silent for [`READY_TIMEOUT`].
pub fn spawn_server(
    cmd: &mut Command,
    name: &str,
    ready_prefix: &str,
    log: &LogTail,
) -> (Child, SocketAddr, &'static str) {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("spawn {cmd:?}: {e}"));
    let stdout = child.stdout.take().expect("stdout piped");
    let stderr = child.stderr.take().expect("stderr piped");
    let (tx, rx) = mpsc::channel::<String>();
    drain(
        stdout,
        log.clone(),
        format!("{name} stdout"),
        Some((ready_prefix.to_string(), tx)),
    );
    drain(stderr, log.clone(), format!("{name} stderr"), None);
    match rx.recv_timeout(READY_TIMEOUT) {
        Ok(url) => {
            let (scheme, hostport) = if let Some(rest) = url.strip_prefix("https://") {
                ("https", rest)
            } else if let Some(rest) = url.strip_prefix("http://") {
                ("http", rest)
            } else {
                panic!("{name} ready line {url:?}: no http:// or https://")
            };
            let addr: SocketAddr = hostport
                .parse()
                .unwrap_or_else(|e| panic!("{name} ready line address {hostport:?}: {e}"));
            (child, addr, scheme)
        }
        Err(e) => {
            let _ = child.kill();
            let status = child.wait();
            // Give the drain threads a moment to collect the last lines.
            std::thread::sleep(Duration::from_millis(200));
            panic!(
                "{name} did not print {ready_prefix:?}... within {READY_TIMEOUT:?} \
                 ({e}); exit status {status:?}; output:\n{}",
                log.text()
            );
        }
    }
}

/// SIGKILL and wait (nothing when not running).
pub fn kill9(child: &mut Option<Child>) {
    if let Some(mut c) = child.take() {
        let _ = c.kill();
        let _ = c.wait();
    }
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

/// Polls `check` every 20 ms until it holds or `limit` passes; returns
/// whether it held. The one wait helper: tests never sleep-and-hope.
pub async fn eventually<F, Fut>(limit: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + limit;
    loop {
        if check().await {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
