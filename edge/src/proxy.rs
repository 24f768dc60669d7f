//! The fallback for everything outside the distributions. `proxy`
//! forwards the client's request as it came — method, path and query,
//! headers including Host and Authorization, body streamed — so the
//! client's own signature (or presigned URL) is what the origin checks;
//! the edge never adds its credentials and never caches. `redirect`
//! answers 307 to the origin region's public URL. Every answer is BYPASS.

use std::time::Duration;

use http::{HeaderValue, Method, Request, Response, StatusCode, Uri, Version, header};
use http_body_util::BodyExt;
use hyper::body::Incoming;

use crate::config::Fallback;
use crate::fetch::client::{BoxError, OriginClient};
use crate::metrics::Metrics;
use crate::respond::{self, CacheStatus, EdgeBody};
use crate::routes::BypassReason;

/// Time to the origin's headers for reads.
const READ_TIMEOUT: Duration = Duration::from_secs(60);
/// Writes answer after the whole body went through, which takes a while.
const WRITE_TIMEOUT: Duration = Duration::from_secs(3600);

/// Answers a request that is not cached here.
pub async fn fallback(
    mode: &Fallback,
    origin: &OriginClient,
    metrics: &Metrics,
    req: Request<Incoming>,
    reason: BypassReason,
) -> Response<EdgeBody> {
    tracing::debug!(reason = reason.as_str(), method = %req.method(), path = req.uri().path(), "bypass");
    let resp = match mode {
        Fallback::Redirect { public_url } => redirect(public_url, req.uri()),
        Fallback::Proxy => forward(origin, req).await,
    };
    respond::finish(resp, CacheStatus::Bypass, None, metrics)
}

fn redirect(public_url: &str, uri: &Uri) -> Response<EdgeBody> {
    let pq = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let mut resp = Response::new(respond::empty());
    *resp.status_mut() = StatusCode::TEMPORARY_REDIRECT;
    if let Ok(v) = HeaderValue::from_str(&format!("{public_url}{pq}")) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    resp.headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(0));
    resp
}

/// A zero-length body announced with `Expect: 100-continue` that nobody
/// polls can get its interim 100 written after the final response, which
/// desynchronises keep-alive clients; polling it first avoids that.
async fn settle_empty_expect(req: Request<Incoming>) -> Request<Incoming> {
    let expects = req
        .headers()
        .get(header::EXPECT)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
    let empty = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .is_some_and(|v| v.as_bytes() == b"0");
    if !(expects && empty) {
        return req;
    }
    let (parts, mut body) = req.into_parts();
    while let Some(Ok(_)) = body.frame().await {}
    Request::from_parts(parts, body)
}

async fn forward(origin: &OriginClient, req: Request<Incoming>) -> Response<EdgeBody> {
    let req = settle_empty_expect(req).await;
    let resource = req.uri().path().to_string();
    let head = req.method() == Method::HEAD;
    let timeout = if head || req.method() == Method::GET {
        READ_TIMEOUT
    } else {
        WRITE_TIMEOUT
    };
    let (mut parts, body) = req.into_parts();
    // HTTP/2 clients name the host in :authority; the origin checks the
    // signature against Host, so it must carry what the client signed.
    if !parts.headers.contains_key(header::HOST)
        && let Some(a) = parts.uri.authority()
        && let Ok(v) = HeaderValue::from_str(a.as_str())
    {
        parts.headers.insert(header::HOST, v);
    }
    respond::strip_hop_by_hop(&mut parts.headers);
    let pq = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    parts.uri = match format!("{}{pq}", origin.base_url()).parse() {
        Ok(u) => u,
        Err(e) => {
            let err = crate::error::EdgeError::internal(format!("origin URI: {e}"));
            return respond::error(&err, &resource, head);
        }
    };
    parts.version = Version::HTTP_11;
    let body = body.map_err(|e| Box::new(e) as BoxError).boxed_unsync();
    match origin
        .forward(Request::from_parts(parts, body), timeout)
        .await
    {
        Ok(resp) => {
            let (mut p, body) = resp.into_parts();
            respond::strip_hop_by_hop(&mut p.headers);
            Response::from_parts(p, body.map_err(|e| Box::new(e) as BoxError).boxed_unsync())
        }
        Err(e) => {
            tracing::warn!(err = %e, path = resource, "fallback proxy failed");
            respond::error(&e, &resource, head)
        }
    }
}
