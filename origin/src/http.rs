//! The origin's HTTP front: health and metrics routes beside the s3s
//! service on one hyper server, and per-request metrics. Everything that is
//! not `/health/*` or `/metrics` goes to S3 untouched (the Host header and
//! the raw URI are what SigV4 signed).

use std::sync::Arc;
use std::time::Instant;

use futures::future::BoxFuture;
use http::{Method, Request, Response, StatusCode};
use hyper::body::Incoming;
use s3s::service::S3Service;
use s3s::{Body, HttpError};

use crate::metrics::Metrics;
use crate::s3::access::OpSlot;
use crate::store::Store;

/// Per-server state the front needs.
pub struct Front {
    /// The S3 protocol service.
    pub s3: S3Service,
    /// Metrics registry.
    pub metrics: Arc<Metrics>,
    /// Store, for readiness and drive gauges.
    pub store: Arc<Store>,
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

/// A zero-length request with `Expect: 100-continue` whose body nobody
/// polls can get its interim `100 Continue` written after the final
/// response, which desynchronises clients like botocore on the next request
/// of the connection (seen as 60 s read timeouts under aws-cli sync).
/// Polling the empty body first puts the interim response where it belongs.
async fn settle_empty_expect(req: Request<Incoming>) -> Request<Incoming> {
    let expects = req
        .headers()
        .get(http::header::EXPECT)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
    let empty = req
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .is_some_and(|v| v.as_bytes() == b"0");
    if !(expects && empty) {
        return req;
    }
    let (parts, mut body) = req.into_parts();
    use http_body_util::BodyExt;
    while let Some(Ok(_)) = body.frame().await {}
    Request::from_parts(parts, body)
}

impl hyper::service::Service<Request<Incoming>> for OriginService {
    type Response = Response<Body>;
    type Error = HttpError;
    type Future = BoxFuture<'static, Result<Response<Body>, HttpError>>;

    fn call(&self, req: Request<Incoming>) -> Self::Future {
        let front = Arc::clone(&self.0);
        if req.method() == Method::GET || req.method() == Method::HEAD {
            let local = match req.uri().path() {
                "/health/live" => Some(text(StatusCode::OK, "ok\n".into(), "text/plain")),
                "/health/ready" => Some(if front.store.has_write_quorum() {
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
                    front.metrics.render(&front.store),
                    "text/plain; version=0.0.4",
                )),
                _ => None,
            };
            if let Some(resp) = local {
                return Box::pin(async move { Ok(resp) });
            }
        }
        let slot = OpSlot::default();
        let method = req.method().clone();
        let path = req.uri().path().to_string();
        let started = Instant::now();
        Box::pin(async move {
            let req = settle_empty_expect(req).await;
            let mut req = req.map(Body::from);
            req.extensions_mut().insert(slot.clone());
            let result = front.s3.call(req).await;
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
