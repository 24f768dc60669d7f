//! Connection hygiene both binaries share: the limits a listener holds
//! clients to, so that slow or greedy ones (slowloris, idle keep-alives,
//! stalled uploads, connection floods, huge header sections) cannot
//! exhaust it. Owns [`Limits`] (the config values and their defaults),
//! the connection caps ([`ConnGate`]), the checks of a parsed request head
//! ([`head_problem`]), and [`TimedBody`], a request body that fails when
//! the client stops sending. Each limit hit is reported once through the
//! [`LimitHook`] for the binary's metrics. Must never know S3: the S3
//! error documents are written by the binaries.
//!
//! Where hyper enforces a limit itself (header read deadline, its own head
//! buffer cap), hyper's answer is used: it closes a connection whose
//! headers do not arrive in time (that deadline also bounds an idle
//! keep-alive: hyper starts it as soon as it waits for the next request)
//! and answers 431 with an empty body past its buffer. hyper's caps are set
//! above ours, so a request over *our* limit still reaches the service and
//! gets a proper error document.

use std::collections::HashMap;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Uri};
use http_body::{Body, Frame, SizeHint};
use serde::{Deserialize, Serialize};

/// Every limit name a [`LimitHook`] hears (metrics pre-create them).
pub const LIMIT_NAMES: [&str; 10] = [
    "connections",
    "connections_per_ip",
    "header_read_timeout",
    "tls_handshake_timeout",
    "body_read_timeout",
    "header_bytes",
    "header_count",
    "request_line",
    "bad_request",
    "body_size",
];

/// Reports one limit hit by name (`header_read_timeout`, `connections`,
/// `connections_per_ip`, `body_read_timeout`, `header_bytes`,
/// `header_count`, `request_line`, `bad_request`, `body_size`).
pub type LimitHook = Arc<dyn Fn(&'static str) + Send + Sync>;

/// The limits of one listener. In TOML, a `[limits]` table with these
/// keys (all optional).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Open connections at once, all clients together.
    pub max_connections: usize,
    /// Open connections at once from one client address.
    pub max_connections_per_ip: usize,
    /// Seconds a client has to send a whole request head, counted from
    /// when the server starts waiting for it (so also the longest an idle
    /// keep-alive connection is kept).
    pub header_read_timeout_secs: u64,
    /// Seconds a request body may go without a byte arriving.
    pub body_read_timeout_secs: u64,
    /// Bytes of all request header names and values together.
    pub max_header_bytes: usize,
    /// Request header fields.
    pub max_headers: usize,
    /// Bytes of the request target (path and query).
    pub max_request_line_bytes: usize,
    /// Bytes of a request body the server reads whole (XML and form
    /// documents: DeleteObjects, CompleteMultipartUpload, policies, IAM).
    pub max_xml_body_bytes: u64,
    /// HTTP/2 streams a client may have open on one connection.
    pub h2_max_concurrent_streams: u32,
    /// HTTP/2 bytes of one header list (decoded, per request).
    pub h2_max_header_list_bytes: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 4096,
            max_connections_per_ip: 512,
            header_read_timeout_secs: 20,
            body_read_timeout_secs: 60,
            // Generous for SDK requests with many x-amz-meta-* headers;
            // S3 itself caps user metadata at 2 KiB.
            max_header_bytes: 64 * 1024,
            max_headers: 300,
            max_request_line_bytes: 16 * 1024,
            // DeleteObjects of 1,000 keys of 1,024 bytes is ~1.1 MB.
            max_xml_body_bytes: 2 * 1024 * 1024,
            h2_max_concurrent_streams: 128,
            h2_max_header_list_bytes: 64 * 1024,
        }
    }
}

/// hyper parses up to this many header fields into a stack array; a
/// higher cap makes it allocate and fill a heap array of the cap's size on
/// every request (measured: +1.9 us of edge CPU per 1 KiB hit at 364).
pub const HYPER_INLINE_HEADERS: usize = 100;

impl Limits {
    /// The edge's defaults: [`Limits::default`] with at most
    /// [`HYPER_INLINE_HEADERS`] header fields, because a CDN's viewers
    /// (browsers, players) send a handful and its hit path is where every
    /// microsecond shows; the origin keeps room for SDK uploads with many
    /// `x-amz-meta-*` headers.
    pub fn edge_default() -> Limits {
        Limits {
            max_headers: HYPER_INLINE_HEADERS,
            ..Limits::default()
        }
    }

    /// The header deadline.
    pub fn header_read_timeout(&self) -> Duration {
        Duration::from_secs(self.header_read_timeout_secs)
    }

    /// The body stall deadline.
    pub fn body_read_timeout(&self) -> Duration {
        Duration::from_secs(self.body_read_timeout_secs)
    }

    /// A one-line reason when a value cannot work.
    pub fn validate(&self) -> Result<(), String> {
        let zero = [
            ("max_connections", self.max_connections == 0),
            ("max_connections_per_ip", self.max_connections_per_ip == 0),
            (
                "header_read_timeout_secs",
                self.header_read_timeout_secs == 0,
            ),
            ("body_read_timeout_secs", self.body_read_timeout_secs == 0),
            ("max_headers", self.max_headers == 0),
            (
                "h2_max_concurrent_streams",
                self.h2_max_concurrent_streams == 0,
            ),
        ];
        if let Some((name, _)) = zero.iter().find(|(_, z)| *z) {
            return Err(format!("limits.{name} must be greater than 0"));
        }
        if self.max_header_bytes < 4096 {
            return Err("limits.max_header_bytes must be at least 4096".into());
        }
        if self.max_request_line_bytes < 1024 {
            return Err("limits.max_request_line_bytes must be at least 1024".into());
        }
        if self.h2_max_header_list_bytes < 4096 {
            return Err("limits.h2_max_header_list_bytes must be at least 4096".into());
        }
        Ok(())
    }
}

/// Which request-head limit a request is over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeadProblem {
    /// The request target is longer than `max_request_line_bytes`.
    RequestLine,
    /// More header fields than `max_headers`.
    HeaderCount,
    /// Header names and values longer than `max_header_bytes`.
    HeaderBytes,
}

impl HeadProblem {
    /// The hook and metric name.
    pub fn name(self) -> &'static str {
        match self {
            HeadProblem::RequestLine => "request_line",
            HeadProblem::HeaderCount => "header_count",
            HeadProblem::HeaderBytes => "header_bytes",
        }
    }
}

/// Whether a parsed request head is over a limit.
pub fn head_problem(limits: &Limits, uri: &Uri, headers: &HeaderMap) -> Option<HeadProblem> {
    let target = uri.path_and_query().map_or(0, |p| p.as_str().len());
    if target > limits.max_request_line_bytes {
        return Some(HeadProblem::RequestLine);
    }
    if headers.len() > limits.max_headers {
        return Some(HeadProblem::HeaderCount);
    }
    let bytes: usize = headers
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len() + 4)
        .sum();
    (bytes > limits.max_header_bytes).then_some(HeadProblem::HeaderBytes)
}

/// Counts open connections, in total and per client address.
pub struct ConnGate {
    max_total: usize,
    max_per_ip: usize,
    open: Mutex<Open>,
}

#[derive(Default)]
struct Open {
    total: usize,
    per_ip: HashMap<IpAddr, usize>,
}

/// One admitted connection; dropping it frees its place.
pub struct ConnPermit {
    gate: Arc<ConnGate>,
    ip: IpAddr,
}

impl ConnGate {
    /// A gate with `limits`' caps.
    pub fn new(limits: &Limits) -> Arc<ConnGate> {
        Arc::new(ConnGate {
            max_total: limits.max_connections,
            max_per_ip: limits.max_connections_per_ip,
            open: Mutex::new(Open::default()),
        })
    }

    /// Admits one more connection from `ip`, or says which cap it is over.
    pub fn admit(self: &Arc<Self>, ip: IpAddr) -> Result<ConnPermit, &'static str> {
        let ip = ip.to_canonical();
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if open.total >= self.max_total {
            return Err("connections");
        }
        let mine = open.per_ip.entry(ip).or_insert(0);
        if *mine >= self.max_per_ip {
            return Err("connections_per_ip");
        }
        *mine += 1;
        open.total += 1;
        Ok(ConnPermit {
            gate: Arc::clone(self),
            ip,
        })
    }

    /// Connections open now.
    pub fn open(&self) -> usize {
        self.open.lock().unwrap_or_else(|e| e.into_inner()).total
    }
}

impl Drop for ConnPermit {
    fn drop(&mut self) {
        let mut open = self.gate.open.lock().unwrap_or_else(|e| e.into_inner());
        open.total = open.total.saturating_sub(1);
        if let Some(n) = open.per_ip.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                open.per_ip.remove(&self.ip);
            }
        }
    }
}

/// The error of a request body that stopped arriving.
#[derive(Debug, thiserror::Error)]
#[error("request body: no data for {0:?}")]
pub struct BodyTimeout(pub Duration);

/// A request body that fails with [`BodyTimeout`] when no frame arrives
/// for `timeout` while the server is reading it (a stalled or trickling
/// upload never holds a request open forever).
pub struct TimedBody<B> {
    inner: B,
    timeout: Duration,
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
    hook: Option<LimitHook>,
    tripped: Arc<AtomicBool>,
}

impl<B> TimedBody<B> {
    /// `inner` with a stall deadline; `hook` hears of a timeout.
    pub fn new(inner: B, timeout: Duration, hook: Option<LimitHook>) -> Self {
        TimedBody {
            inner,
            timeout,
            sleep: None,
            hook,
            tripped: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Set once the deadline has passed, so the server can answer with
    /// its "request timeout" error whatever the handler made of the failed
    /// read.
    pub fn tripwire(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.tripped)
    }
}

impl<B> Body for TimedBody<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(frame) => {
                this.sleep = None;
                Poll::Ready(frame.map(|f| f.map_err(Into::into)))
            }
            Poll::Pending => {
                let timeout = this.timeout;
                let sleep = this
                    .sleep
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
                match sleep.as_mut().poll(cx) {
                    Poll::Ready(()) => {
                        this.sleep = None;
                        this.tripped.store(true, Ordering::Relaxed);
                        if let Some(hook) = &this.hook {
                            hook("body_read_timeout");
                        }
                        Poll::Ready(Some(Err(Box::new(BodyTimeout(timeout)))))
                    }
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    fn parts(target: &str, headers: &[(&str, String)]) -> http::request::Parts {
        let mut b = http::Request::builder().uri(target);
        for (k, v) in headers {
            b = b.header(*k, v.as_str());
        }
        b.body(()).expect("request").into_parts().0
    }

    #[test]
    fn head_limits() {
        let l = Limits::default();
        let many: Vec<(&str, String)> = (0..150)
            .map(|i| ("x-amz-meta-k", format!("value-{i}")))
            .collect();
        type Case<'a> = (String, Vec<(&'a str, String)>, Option<HeadProblem>);
        let cases: Vec<Case<'_>> = vec![
            ("/b/k".into(), vec![], None),
            ("/b/k".into(), many.clone(), None),
            (
                format!("/b/{}", "k".repeat(17 * 1024)),
                vec![],
                Some(HeadProblem::RequestLine),
            ),
            (
                "/b/k".into(),
                (0..301).map(|_| ("x-a", "v".to_string())).collect(),
                Some(HeadProblem::HeaderCount),
            ),
            (
                "/b/k".into(),
                vec![("x-amz-meta-big", "v".repeat(65 * 1024))],
                Some(HeadProblem::HeaderBytes),
            ),
        ];
        for (target, headers, want) in cases {
            let p = parts(&target, &headers);
            assert_eq!(
                head_problem(&l, &p.uri, &p.headers),
                want,
                "{} headers",
                headers.len()
            );
        }
    }

    #[test]
    fn limits_validate() {
        assert!(Limits::default().validate().is_ok());
        let bad = [
            Limits {
                max_connections: 0,
                ..Limits::default()
            },
            Limits {
                header_read_timeout_secs: 0,
                ..Limits::default()
            },
            Limits {
                max_header_bytes: 100,
                ..Limits::default()
            },
            Limits {
                max_request_line_bytes: 10,
                ..Limits::default()
            },
        ];
        for l in bad {
            assert!(l.validate().is_err(), "{l:?}");
        }
    }

    #[test]
    fn gate_caps_total_and_per_ip() {
        let l = Limits {
            max_connections: 3,
            max_connections_per_ip: 2,
            ..Limits::default()
        };
        let gate = ConnGate::new(&l);
        let a: IpAddr = "10.0.0.1".parse().expect("ip");
        let b: IpAddr = "10.0.0.2".parse().expect("ip");
        let p1 = gate.admit(a).expect("first");
        let _p2 = gate.admit(a).expect("second");
        assert_eq!(gate.admit(a).err(), Some("connections_per_ip"));
        let _p3 = gate.admit(b).expect("other client");
        assert_eq!(gate.admit(b).err(), Some("connections"));
        drop(p1);
        let _p4 = gate.admit(a).expect("a freed place is reusable");
        assert_eq!(gate.open(), 3);
        // The IPv4-mapped form counts as the same client.
        let roomy = ConnGate::new(&Limits {
            max_connections_per_ip: 1,
            ..Limits::default()
        });
        let _held = roomy.admit(a).expect("first");
        let mapped: IpAddr = "::ffff:10.0.0.1".parse().expect("ip");
        assert_eq!(roomy.admit(mapped).err(), Some("connections_per_ip"));
    }

    /// One frame, then nothing ever again (a client that stalls).
    struct Stalls(Option<Bytes>);

    impl Body for Stalls {
        type Data = Bytes;
        type Error = std::convert::Infallible;

        fn poll_frame(
            mut self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
            match self.0.take() {
                Some(b) => Poll::Ready(Some(Ok(Frame::data(b)))),
                None => Poll::Pending,
            }
        }
    }

    #[tokio::test]
    async fn stalled_body_times_out() {
        let hits = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&hits);
        let hook: LimitHook = Arc::new(move |n| seen.lock().expect("lock").push(n));
        let body = Stalls(Some(Bytes::from_static(b"abc")));
        let mut timed = TimedBody::new(body, Duration::from_millis(200), Some(hook));
        let tripwire = timed.tripwire();
        let first = timed.frame().await.expect("frame").expect("ok");
        assert_eq!(first.into_data().expect("data"), Bytes::from_static(b"abc"));
        assert!(!tripwire.load(Ordering::Relaxed));
        let err = timed
            .frame()
            .await
            .expect("a frame or error")
            .expect_err("stalled");
        assert!(err.to_string().contains("no data"), "{err}");
        assert_eq!(*hits.lock().expect("lock"), vec!["body_read_timeout"]);
        assert!(tripwire.load(Ordering::Relaxed));
    }
}
