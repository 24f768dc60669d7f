//! The origin's HTTP front: health and metrics routes beside the s3s
//! service on one hyper server, per-request metrics, and CORS (preflight
//! `OPTIONS` answered from the bucket's rules before any auth, as S3 does;
//! `Access-Control-*` headers added to responses for allowed origins).
//! Everything else goes to S3 untouched (the Host header and the raw URI
//! are what SigV4 signed).

use std::sync::Arc;
use std::time::Instant;

use futures::future::BoxFuture;
use http::{Method, Request, Response, StatusCode};
use hyper::body::Incoming;
use s3s::service::S3Service;
use s3s::{Body, HttpError};

use gureum_common::limits::{LimitHook, Limits, TimedBody};

use crate::iam::Iam;
use crate::limits;
use crate::metrics::Metrics;
use crate::objects::{CorsRule, Objects};
use crate::s3::access::OpSlot;
use crate::s3::cors;
use crate::s3::host::DomainHost;

/// Per-server state the front needs.
pub struct Front {
    /// The S3 protocol service.
    pub s3: S3Service,
    /// Metrics registry.
    pub metrics: Arc<Metrics>,
    /// Object layer: readiness, drive gauges, the CORS rules of buckets.
    pub objects: Arc<Objects>,
    /// Virtual-host domain, to tell which bucket a request is for (the
    /// same parser s3s routes with, so CORS never picks another bucket).
    pub domain: Option<DomainHost>,
    /// IAM: its query API is served on the same port.
    pub iam: Arc<Iam>,
    /// Whether the listener speaks TLS (aws:SecureTransport).
    pub secure: bool,
    /// Connection hygiene: the request-head and body limits.
    pub limits: Limits,
    /// Counts limit hits.
    pub limit_hook: LimitHook,
}

impl Front {
    /// The bucket a request addresses: `bucket.<domain>` in the Host
    /// header when a domain is configured, else the first path segment.
    fn bucket_of<B>(&self, req: &Request<B>) -> Option<String> {
        if let Some(domain) = &self.domain {
            let host = req
                .headers()
                .get(http::header::HOST)
                .and_then(|h| h.to_str().ok())
                .or_else(|| req.uri().host())
                .unwrap_or("");
            if let Some(b) = domain.bucket_of(host) {
                return Some(b.to_string());
            }
        }
        let first = req.uri().path().trim_start_matches('/').split('/').next()?;
        (!first.is_empty()).then(|| first.to_string())
    }

    /// The bucket's CORS rules (empty when none or no such bucket).
    fn cors_rules<B>(&self, req: &Request<B>) -> Vec<CorsRule> {
        self.bucket_of(req)
            .and_then(|b| self.objects.head_bucket(&b).ok())
            .map(|b| b.config.cors.clone())
            .unwrap_or_default()
    }

    /// Answers a CORS preflight from the bucket's rules.
    fn preflight<B>(&self, req: &Request<B>, origin: &str) -> Response<Body> {
        let h = req.headers();
        let method = h
            .get("access-control-request-method")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let asked: Vec<String> = h
            .get_all("access-control-request-headers")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        let rules = self.cors_rules(req);
        match cors::preflight(&rules, origin, method, &asked) {
            Some(headers) => {
                let mut resp = Response::new(Body::empty());
                resp.headers_mut().extend(headers);
                resp
            }
            None => {
                let why = if rules.is_empty() {
                    "CORSResponse: CORS is not enabled for this bucket."
                } else {
                    "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec."
                };
                text(
                    StatusCode::FORBIDDEN,
                    format!(
                        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessForbidden</Code><Message>{why}</Message><Method>{}</Method><ResourceType>BUCKET</ResourceType></Error>",
                        xml_escape(method)
                    ),
                    "application/xml",
                )
            }
        }
    }
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Cloneable hyper service over a shared `Front`.
#[derive(Clone)]
pub struct OriginService(pub Arc<Front>);

fn text(status: StatusCode, body: String, content_type: &'static str) -> Response<Body> {
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static(content_type),
    );
    resp
}

/// True for a zero-length request carrying `Expect: 100-continue`. hyper
/// never sends the interim `100 Continue` for an empty body (it answers
/// straight away, as RFC 9110 allows), but botocore (aws-cli, boto3)
/// mishandles that: it keeps the final status it read in place of the
/// 100 and applies it to the next request on the same connection, which
/// then stalls until the read timeout (seen on every upload after an
/// empty file under `aws s3 sync`). Closing such a connection after the
/// response resets the client's state; empty uploads are rare enough.
fn empty_expecting_continue<B>(req: &Request<B>) -> bool {
    let h = req.headers();
    h.get(http::header::EXPECT)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"))
        && h.get(http::header::CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() == b"0")
}

impl hyper::service::Service<Request<Incoming>> for OriginService {
    type Response = Response<Body>;
    type Error = HttpError;
    type Future = BoxFuture<'static, Result<Response<Body>, HttpError>>;

    fn call(&self, req: Request<Incoming>) -> Self::Future {
        let front = Arc::clone(&self.0);
        if let Some(refusal) = limits::check_head(&front.limits, &req) {
            (front.limit_hook)(refusal.limit);
            tracing::info!(
                limit = refusal.limit,
                method = %req.method(),
                path = req.uri().path(),
                "request over a limit refused"
            );
            front.metrics.observe(
                "Refused",
                refusal.response.status().as_u16(),
                std::time::Duration::ZERO,
            );
            return Box::pin(async move { Ok(refusal.response) });
        }
        if req.method() == Method::GET || req.method() == Method::HEAD {
            let local = match req.uri().path() {
                "/health/live" => Some(text(StatusCode::OK, "ok\n".into(), "text/plain")),
                "/health/ready" => Some(if front.objects.has_write_quorum() {
                    text(StatusCode::OK, "ready\n".into(), "text/plain")
                } else {
                    text(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "not ready: write quorum of drives offline\n".into(),
                        "text/plain",
                    )
                }),
                "/metrics" => Some(text(
                    StatusCode::OK,
                    front.metrics.render(front.objects.drive_status()),
                    "text/plain; version=0.0.4",
                )),
                _ => None,
            };
            if let Some(resp) = local {
                return Box::pin(async move { Ok(resp) });
            }
        }
        if crate::iam::api::is_iam_request(&req) {
            let peer = req
                .extensions()
                .get::<gureum_common::server::PeerAddr>()
                .map(|p| p.0.ip());
            let started = Instant::now();
            return Box::pin(async move {
                let resp = crate::iam::api::handle(&front.iam, req, peer, front.secure).await;
                front
                    .metrics
                    .observe("IAM", resp.status().as_u16(), started.elapsed());
                Ok(resp)
            });
        }
        let origin = req
            .headers()
            .get(http::header::ORIGIN)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        if req.method() == Method::OPTIONS
            && let Some(origin) = &origin
        {
            let resp = front.preflight(&req, origin);
            front.metrics.observe(
                "PreflightCORS",
                resp.status().as_u16(),
                std::time::Duration::ZERO,
            );
            return Box::pin(async move { Ok(resp) });
        }
        let cors_headers = origin.as_deref().and_then(|o| {
            let rules = front.cors_rules(&req);
            cors::actual(&rules, o, req.method().as_str())
        });
        let slot = OpSlot::default();
        let method = req.method().clone();
        let path = req.uri().path().to_string();
        let started = Instant::now();
        Box::pin(async move {
            let close_after = empty_expecting_continue(&req);
            let mut tripwire = None;
            let mut req = if limits::has_body(&req) {
                req.map(|b| {
                    let timed = TimedBody::new(
                        b,
                        front.limits.body_read_timeout(),
                        Some(Arc::clone(&front.limit_hook)),
                    );
                    tripwire = Some(timed.tripwire());
                    Body::http_body(timed)
                })
            } else {
                req.map(Body::from)
            };
            req.extensions_mut().insert(slot.clone());
            let mut result = front.s3.call(req).await;
            // However the handler took the failed read, the client gets
            // S3's answer to a stalled body.
            if tripwire.is_some_and(|t| t.load(std::sync::atomic::Ordering::Relaxed)) {
                result = Ok(limits::request_timeout(&path));
            }
            if let Ok(resp) = &mut result {
                if let Some(headers) = cors_headers {
                    resp.headers_mut().extend(headers);
                }
                if close_after {
                    resp.headers_mut().insert(
                        http::header::CONNECTION,
                        http::HeaderValue::from_static("close"),
                    );
                }
            }
            let status = match &result {
                Ok(resp) => resp.status().as_u16(),
                Err(_) => 500,
            };
            let op = slot.get().unwrap_or("Unrouted");
            front.metrics.observe(op, status, started.elapsed());
            if status >= 500 {
                tracing::warn!(op, status, %method, path, "request failed");
            } else if status >= 400 {
                tracing::info!(op, status, %method, path, "request rejected");
            }
            result
        })
    }
}
