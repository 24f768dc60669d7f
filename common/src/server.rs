//! The accept loop both binaries run: takes an already-bound listener and a
//! shutdown future (so tests bind port 0), sets `TCP_NODELAY` on every socket,
//! optionally terminates TLS (rustls; ALPN picks h2 or http/1.1), and serves
//! HTTP/1.1 and HTTP/2 with hyper, holding clients to the [`Limits`] of
//! [`crate::limits`] (connection caps, header deadline, HTTP/2 stream and
//! header-list caps). It knows nothing about S3 or caching.

use std::error::Error as StdError;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use http::{Request, Response};
use hyper::body::Incoming;
use hyper::service::Service;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

use crate::limits::{ConnGate, HYPER_INLINE_HEADERS, LimitHook, Limits};

/// Longest a client may take to finish its TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// The client address of the connection a request came on (a request
/// extension every request carries: policies match on `aws:SourceIp`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerAddr(pub SocketAddr);

/// `service` with each request tagged with its connection's [`PeerAddr`].
#[derive(Clone)]
struct WithPeer<S> {
    inner: S,
    peer: SocketAddr,
}

impl<S> Service<Request<Incoming>> for WithPeer<S>
where
    S: Service<Request<Incoming>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn call(&self, mut req: Request<Incoming>) -> Self::Future {
        req.extensions_mut().insert(PeerAddr(self.peer));
        self.inner.call(req)
    }
}

/// What a listener holds its clients to, and where it reports each limit
/// hit (the binary's metrics).
#[derive(Clone)]
pub struct Hygiene {
    /// The limits.
    pub limits: Limits,
    /// Hears of each hit, by limit name.
    pub hook: LimitHook,
}

impl Hygiene {
    /// `limits` with hits counted nowhere (tests, tools).
    pub fn uncounted(limits: Limits) -> Hygiene {
        Hygiene {
            limits,
            hook: Arc::new(|_| {}),
        }
    }
}

/// The HTTP/2 connection preface (RFC 9113 section 3.4).
const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// Whether a plain-TCP client speaks HTTP/2 with prior knowledge, read by
/// peeking at its first bytes; None when it sends nothing telling within
/// `deadline` (a client that connects and waits must not hold the
/// connection: hyper's own header deadline only starts once the version
/// is known).
async fn sniff_h2(stream: &TcpStream, deadline: Duration) -> Option<bool> {
    let give_up = tokio::time::Instant::now() + deadline;
    let mut buf = [0u8; 24];
    loop {
        let n = match tokio::time::timeout_at(give_up, stream.peek(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0) | Err(_)) => return Some(false), // closed: hyper sees the EOF
            Ok(Ok(n)) => n,
        };
        let seen = buf.get(..n).unwrap_or(&[]);
        if !H2_PREFACE.starts_with(seen) {
            return Some(false);
        }
        if n == H2_PREFACE.len() {
            return Some(true);
        }
        // A partial preface: peeking again at once would spin.
        if tokio::time::Instant::now() >= give_up {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// The limit a connection's error reports, if any.
fn limit_of(err: &(dyn StdError + 'static)) -> Option<&'static str> {
    let mut cur = Some(err);
    while let Some(e) = cur {
        if let Some(h) = e.downcast_ref::<hyper::Error>() {
            return if h.is_timeout() {
                Some("header_read_timeout")
            } else if h.is_parse_too_large() {
                Some("header_bytes")
            } else if h.is_parse() {
                Some("bad_request")
            } else {
                None
            };
        }
        cur = e.source();
    }
    None
}

/// The two protocol builders with the limits applied.
fn builders(limits: &Limits) -> (Builder<TokioExecutor>, Builder<TokioExecutor>) {
    let mut h1 = Builder::new(TokioExecutor::new()).http1_only();
    // hyper's caps sit above ours, so a request over our limits still
    // reaches the service and gets an error document; hyper's 431 is the
    // backstop for heads too large to parse at all.
    let head = limits.max_header_bytes + limits.max_request_line_bytes;
    h1.http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout())
        .max_buf_size((2 * head).max(400 * 1024));
    // Within hyper's inline array its own cap answers (431); above it the
    // cap costs a heap array per request, so it is raised only when asked.
    if limits.max_headers > HYPER_INLINE_HEADERS {
        h1.http1().max_headers(limits.max_headers + 64);
    }
    let mut h2 = Builder::new(TokioExecutor::new()).http2_only();
    h2.http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(limits.h2_max_concurrent_streams)
        .max_header_list_size(limits.h2_max_header_list_bytes)
        // Rapid-reset floods (CVE-2023-44487).
        .max_pending_accept_reset_streams(Some(64))
        .keep_alive_interval(Some(Duration::from_secs(30)))
        .keep_alive_timeout(Duration::from_secs(20));
    (h1, h2)
}

/// Serves `service` on `listener` (over TLS with `tls`) with `hygiene`'s
/// limits until `shutdown` resolves, then drains in-flight connections for
/// at most `drain`.
pub async fn serve<S, B>(
    listener: TcpListener,
    service: S,
    tls: Option<Arc<rustls::ServerConfig>>,
    hygiene: Hygiene,
    shutdown: impl Future<Output = ()>,
    drain: Duration,
) where
    S: Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn StdError + Send + Sync>>,
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn StdError + Send + Sync>>,
{
    let (h1, h2) = builders(&hygiene.limits);
    let protocols = Arc::new((h1, h2));
    let gate = ConnGate::new(&hygiene.limits);
    let header_deadline = hygiene.limits.header_read_timeout();
    let graceful = GracefulShutdown::new();
    let acceptor = tls.map(TlsAcceptor::from);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(err) => {
                    // Out of file descriptors and similar: back off instead of spinning.
                    tracing::warn!(%err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let permit = match gate.admit(peer.ip()) {
            Ok(p) => p,
            Err(limit) => {
                // Closed at once: the cheapest answer to a flood.
                (hygiene.hook)(limit);
                tracing::debug!(%peer, limit, "connection refused");
                continue;
            }
        };
        // Without TCP_NODELAY small responses stall ~40 ms on delayed ACKs.
        if let Err(err) = stream.set_nodelay(true) {
            tracing::debug!(%err, %peer, "set_nodelay failed");
        }
        let service = WithPeer {
            inner: service.clone(),
            peer,
        };
        let protocols = Arc::clone(&protocols);
        let watcher = graceful.watcher();
        let hook = Arc::clone(&hygiene.hook);
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let result =
                match acceptor {
                    None => {
                        let Some(h2) = sniff_h2(&stream, header_deadline).await else {
                            hook("header_read_timeout");
                            return;
                        };
                        let builder = if h2 { &protocols.1 } else { &protocols.0 };
                        let conn = builder.serve_connection(TokioIo::new(stream), service);
                        watcher.watch(conn.into_owned()).await
                    }
                    Some(acceptor) => {
                        // The handshake runs on the connection's own task, so a
                        // slow client never holds up the accept loop.
                        let stream =
                            match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream))
                                .await
                            {
                                Ok(Ok(s)) => s,
                                Ok(Err(err)) => {
                                    tracing::debug!(%peer, %err, "TLS handshake failed");
                                    return;
                                }
                                Err(_) => {
                                    hook("tls_handshake_timeout");
                                    tracing::debug!(%peer, "TLS handshake timed out");
                                    return;
                                }
                            };
                        // ALPN decides (RFC 9113: h2 over TLS is negotiated).
                        let h2 = stream.get_ref().1.alpn_protocol() == Some(b"h2");
                        let builder = if h2 { &protocols.1 } else { &protocols.0 };
                        let conn = builder.serve_connection(TokioIo::new(stream), service);
                        watcher.watch(conn.into_owned()).await
                    }
                };
            if let Err(err) = result {
                let err: &(dyn StdError + 'static) = err.as_ref();
                if let Some(limit) = limit_of(err) {
                    hook(limit);
                }
                tracing::debug!(%peer, err = %err, "connection ended with error");
            }
        });
    }
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(drain) => tracing::warn!("shutdown drain timed out"),
    }
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
