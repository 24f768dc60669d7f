//! HTTP client to the origin: one pooled hyper client (TCP_NODELAY) with
//! two ways out. [`OriginClient::signed`] signs with the edge's own
//! credentials (SigV4, UNSIGNED-PAYLOAD) for cache fills; [`OriginClient::forward`]
//! sends a client's request as it came, never adding the edge's
//! credentials. Speaks HTTPS to an `https://` origin, verifying it against
//! `[origin] ca_file` or the system roots — never falling back to plain
//! HTTP. Maps transport failures to 502/504 errors; knows nothing about
//! caching.

use std::time::Duration;

use bytes::Bytes;
use gureum_common::sigv4::{Payload, Signer};
use http::{HeaderMap, HeaderValue, Method, Request, Response};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Empty};
use hyper::body::Incoming;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::config::OriginConfig;
use crate::error::EdgeError;
use crate::metrics::Metrics;

pub use crate::respond::BoxError;
/// Request bodies sent to the origin (empty for fills, streamed for proxy).
pub type OriginBody = UnsyncBoxBody<Bytes, BoxError>;

/// How long to wait for a TCP connection before calling the origin down.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// Largest error body kept to replay to a client.
const MAX_ERROR_BODY: usize = 64 << 10;

/// RFC 3986 unreserved characters stay, everything else is escaped (S3 rules).
const QUERY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');
const PATH: &AsciiSet = &QUERY.remove(b'/');

/// What an origin call is for (a metrics label).
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// Object bytes.
    Get,
    /// Object headers.
    Head,
    /// Block hashes.
    Blocks,
    /// Change feed.
    Changes,
    /// ListObjectsV2 for pre-warm.
    List,
    /// A client's request forwarded by the fallback proxy.
    Proxy,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Get => "get",
            Kind::Head => "head",
            Kind::Blocks => "blocks",
            Kind::Changes => "changes",
            Kind::List => "list",
            Kind::Proxy => "proxy",
        }
    }
}

/// `/{bucket}/{key}` encoded the way S3 clients sign it.
pub fn object_path(bucket: &str, key: &str) -> String {
    format!(
        "/{}/{}",
        utf8_percent_encode(bucket, QUERY),
        utf8_percent_encode(key, PATH)
    )
}

/// One query value, encoded.
pub fn query_value(v: &str) -> String {
    utf8_percent_encode(v, QUERY).to_string()
}

/// The origin client.
pub struct OriginClient {
    http: Client<HttpsConnector<HttpConnector>, OriginBody>,
    cfg: OriginConfig,
    /// The edge's own credentials (never used for forwarded requests).
    signer: Signer,
    /// TLS toward an https:// origin (the startup check uses it too).
    tls: std::sync::Arc<rustls::ClientConfig>,
    metrics: Metrics,
}

impl OriginClient {
    /// A client for `cfg`; fails when `[origin] ca_file` is unusable.
    pub fn new(cfg: OriginConfig, metrics: Metrics) -> Result<Self, gureum_common::tls::TlsError> {
        let mut conn = HttpConnector::new();
        // Without it small origin responses stall ~40 ms on delayed ACKs.
        conn.set_nodelay(true);
        conn.set_connect_timeout(Some(CONNECT_TIMEOUT));
        conn.enforce_http(false);
        let roots = if cfg.base_url.starts_with("https://") {
            gureum_common::tls::client_roots(cfg.ca_file.as_deref())?
        } else {
            rustls::RootCertStore::empty()
        };
        // HTTP/1.1 only: fills stream big bodies, and a pool of
        // connections keeps one slow fill from holding up the others.
        let tls = gureum_common::tls::client_config(roots)?;
        let conn = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls.clone())
            .https_or_http()
            .enable_http1()
            .wrap_connector(conn);
        let http = Client::builder(TokioExecutor::new())
            // Warm connections save a handshake on every cold miss; the
            // change-feed long-polls keep at least one busy anyway.
            .pool_idle_timeout(Duration::from_secs(300))
            .pool_max_idle_per_host(256)
            .build(conn);
        let signer = Signer::s3(&cfg.access_key, &cfg.secret_key, &cfg.region);
        Ok(OriginClient {
            http,
            cfg,
            signer,
            tls: std::sync::Arc::new(tls),
            metrics,
        })
    }

    /// For an HTTPS origin, whether its certificate verifies: one TLS
    /// handshake with the client's own configuration. An origin that is
    /// down is not an error here (the edge serves from cache and retries);
    /// a certificate that does not verify is, with the reason and what to
    /// set.
    pub async fn check_tls(&self) -> Result<(), String> {
        if !self.cfg.base_url.starts_with("https://") {
            return Ok(());
        }
        let authority: http::uri::Authority = self
            .cfg
            .authority
            .parse()
            .map_err(|e| format!("origin.url: {e}"))?;
        let host = authority
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']');
        let port = authority.port_u16().unwrap_or(443);
        let name = rustls::pki_types::ServerName::try_from(host.to_string())
            .map_err(|e| format!("origin.url host {host:?}: {e}"))?;
        let unreachable = |err: &dyn std::fmt::Display| {
            tracing::warn!(origin = %self.cfg.base_url, %err, "origin not reachable at start");
            Ok(())
        };
        let tcp = match tokio::time::timeout(
            CONNECT_TIMEOUT,
            tokio::net::TcpStream::connect((host, port)),
        )
        .await
        {
            Ok(Ok(tcp)) => tcp,
            Ok(Err(err)) => return unreachable(&err),
            Err(_) => return unreachable(&"connect timed out"),
        };
        let connector = tokio_rustls::TlsConnector::from(std::sync::Arc::clone(&self.tls));
        match tokio::time::timeout(Duration::from_secs(5), connector.connect(name, tcp)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(err)) => match err
                .get_ref()
                .and_then(|e| e.downcast_ref::<rustls::Error>())
            {
                Some(tls) => Err(format!(
                    "TLS verification of origin {} failed: {tls}; set [origin] ca_file to \
                     the CA that signed its certificate",
                    self.cfg.base_url
                )),
                None => unreachable(&err),
            },
            Err(_) => unreachable(&"TLS handshake timed out"),
        }
    }

    /// `http://host:port` (or `https://`) of the origin.
    pub fn base_url(&self) -> &str {
        &self.cfg.base_url
    }

    /// `host:port` of the origin.
    pub fn authority(&self) -> &str {
        &self.cfg.authority
    }

    /// A request signed with the edge's credentials. `target` is the
    /// encoded path and query; `headers` are sent and signed.
    pub async fn signed(
        &self,
        kind: Kind,
        method: Method,
        target: &str,
        headers: &[(&'static str, String)],
        timeout: Duration,
    ) -> Result<Response<Incoming>, EdgeError> {
        let url = format!("{}{}", self.cfg.base_url, target);
        let mut req = Request::builder().method(method.clone()).uri(&url);
        for (k, v) in headers {
            req = req.header(*k, v.as_str());
        }
        let mut req = req
            .body(Empty::<Bytes>::new().map_err(|e| match e {}).boxed_unsync())
            .map_err(|e| EdgeError::internal(format!("origin request {url}: {e}")))?;
        let signed: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        self.signer
            .sign_request(&mut req, &signed, Payload::Unsigned)
            .map_err(|e| EdgeError::internal(e.to_string()))?;
        self.send(kind, req, timeout).await
    }

    /// Sends a client's request unchanged (the caller set URI and Host).
    pub async fn forward(
        &self,
        req: Request<OriginBody>,
        timeout: Duration,
    ) -> Result<Response<Incoming>, EdgeError> {
        self.send(Kind::Proxy, req, timeout).await
    }

    async fn send(
        &self,
        kind: Kind,
        req: Request<OriginBody>,
        timeout: Duration,
    ) -> Result<Response<Incoming>, EdgeError> {
        self.metrics
            .origin_requests
            .with_label_values(&[kind.as_str()])
            .inc();
        let what = format!("{} {}", req.method(), req.uri().path());
        let res = match tokio::time::timeout(timeout, self.http.request(req)).await {
            Ok(Ok(resp)) => Ok(resp),
            Ok(Err(err)) => {
                // The innermost cause (e.g. "Connection refused") is what an
                // operator needs in the log line.
                let mut msg = err.to_string();
                let mut src = std::error::Error::source(&err);
                while let Some(s) = src {
                    msg = format!("{msg}: {s}");
                    src = s.source();
                }
                Err(EdgeError::OriginUnreachable(
                    format!("{what}: {msg}").into(),
                ))
            }
            Err(_) => Err(EdgeError::OriginTimeout(
                format!("{what}: no response in {timeout:?}").into(),
            )),
        };
        let failed = match &res {
            Ok(r) => r.status().is_server_error(),
            Err(_) => true,
        };
        if failed {
            self.metrics
                .origin_errors
                .with_label_values(&[kind.as_str()])
                .inc();
        }
        res
    }
}

/// Reads a small body (JSON, XML errors) with a size and time limit.
pub async fn read_small(
    body: Incoming,
    limit: usize,
    timeout: Duration,
) -> Result<Bytes, EdgeError> {
    let collect = http_body_util::Limited::new(body, limit).collect();
    match tokio::time::timeout(timeout, collect).await {
        Ok(Ok(c)) => Ok(c.to_bytes()),
        Ok(Err(e)) => Err(EdgeError::protocol(format!("reading origin body: {e}"))),
        Err(_) => Err(EdgeError::OriginTimeout("origin body too slow".into())),
    }
}

/// Turns an unexpected origin status into an error carrying its body.
pub async fn status_error(resp: Response<Incoming>) -> EdgeError {
    let status = resp.status();
    let content_type = resp
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(Into::into);
    let body = read_small(resp.into_body(), MAX_ERROR_BODY, Duration::from_secs(5))
        .await
        .unwrap_or_default();
    EdgeError::OriginStatus {
        status,
        content_type,
        body,
    }
}

/// A header value as text.
pub fn header_str<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

/// Sets a header from text, skipping values that are not valid headers.
pub fn set_header(h: &mut HeaderMap, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        h.insert(name, v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_encoded_like_s3_clients() {
        assert_eq!(object_path("b", "a b/c+d~e"), "/b/a%20b/c%2Bd~e");
        assert_eq!(query_value("video/x y"), "video%2Fx%20y");
    }
}
