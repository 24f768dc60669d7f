//! The edge as one hyper service: shared state ([`Edge`]) and the
//! dispatch of each request by its [`Route`] to health, metrics, admin,
//! the cache path or the fallback, each handed only what it uses (the
//! cache path gets no origin client; the fallback no cache). Owns wiring
//! and the one log line per failed request; no cache or origin logic here.

use std::convert::Infallible;
use std::sync::Arc;

use futures::future::BoxFuture;
use gureum_common::server::PeerAddr;
use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode, Uri};
use hyper::body::Incoming;

use crate::cache::Cache;
use crate::config::EdgeConfig;
use crate::error::{EdgeError, error_xml};
use crate::fetch::Fetcher;
use crate::fetch::client::OriginClient;
use crate::health::{self, OriginHealth};
use crate::metrics::Metrics;
use crate::respond::{self, CacheStatus, EdgeBody, text};
use crate::routes::{Route, Router};
use crate::signed::KeySet;
use crate::{admin, grant, proxy, serve};
use gureum_common::limits::head_problem;

/// Everything a request may need.
pub struct Edge {
    /// The validated config.
    pub cfg: EdgeConfig,
    /// Request classification.
    pub router: Router,
    /// The cache.
    pub cache: Arc<Cache>,
    /// The fetch layer filling it.
    pub fetcher: Arc<Fetcher>,
    /// The origin client (fallback proxy, feed, pre-warm).
    pub origin: Arc<OriginClient>,
    /// Metrics.
    pub metrics: Metrics,
    /// Origin reachability for `/health/ready`.
    pub origin_health: OriginHealth,
    /// Whether the listener speaks TLS (the scheme of signed URLs).
    pub secure: bool,
}

/// Cloneable hyper service over a shared [`Edge`].
#[derive(Clone)]
pub struct EdgeService(pub Arc<Edge>);

/// Local answers (health, metrics, admin) are not cache traffic: they get
/// the header every response carries but are not counted.
fn local(mut resp: Response<EdgeBody>) -> Response<EdgeBody> {
    resp.headers_mut()
        .insert("x-cache", HeaderValue::from_static("BYPASS"));
    resp.headers_mut().insert(
        "cache-status",
        HeaderValue::from_static("gureum-edge; detail=local"),
    );
    resp
}

/// The grant check of a private distribution: `Some(refusal)` when the
/// request must not go on.
fn refuse_unsigned(
    edge: &Edge,
    keys: &KeySet,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    extensions: &http::Extensions,
) -> Option<Response<EdgeBody>> {
    let peer = extensions.get::<PeerAddr>().map(|p| p.0.ip());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    match grant::check(keys, uri, headers, peer, edge.secure, now) {
        Ok(_) => {
            edge.metrics
                .signed_requests
                .with_label_values(&["allowed"])
                .inc();
            None
        }
        Err(denied) => {
            let detail = denied.detail();
            edge.metrics
                .signed_requests
                .with_label_values(&[detail])
                .inc();
            tracing::info!(path = uri.path(), reason = detail, "signed request refused");
            let err = EdgeError::AccessDenied(detail);
            let resp = respond::error(&err, uri.path(), method == Method::HEAD);
            Some(respond::refused(
                resp,
                CacheStatus::Miss,
                detail,
                &edge.metrics,
            ))
        }
    }
}

async fn handle(edge: Arc<Edge>, req: Request<Incoming>) -> Response<EdgeBody> {
    if let Some(problem) = head_problem(&edge.cfg.limits, req.uri(), req.headers()) {
        edge.metrics
            .limit_hits
            .with_label_values(&[problem.name()])
            .inc();
        tracing::info!(
            limit = problem.name(),
            path = req.uri().path(),
            "request over a limit refused"
        );
        let xml = error_xml(
            "RequestHeaderSectionTooLarge",
            "Your request header section exceeds the maximum allowed size.",
            req.uri().path(),
        );
        let resp = text(StatusCode::BAD_REQUEST, xml, "application/xml");
        return respond::refused(resp, CacheStatus::Miss, "refused", &edge.metrics);
    }
    match edge.router.route(req.method(), req.uri()) {
        Route::Live => local(health::live()),
        Route::Ready => local(health::ready(&edge.origin_health)),
        Route::Metrics => {
            edge.cache.refresh_gauges().await;
            local(text(
                StatusCode::OK,
                edge.metrics.render(),
                "text/plain; version=0.0.4",
            ))
        }
        Route::Purge => {
            local(admin::purge(edge.cfg.admin_token.as_deref(), &edge.cache, req).await)
        }
        Route::AdminUnknown => local(text(
            StatusCode::NOT_FOUND,
            "{\"error\":\"no such admin call\"}",
            "application/json",
        )),
        Route::Cached { dist, bucket, key } => {
            let (parts, _body) = req.into_parts();
            match edge.router.distribution(dist) {
                Some(d) => {
                    if let Some(keys) = &d.signed
                        && let Some(refusal) = refuse_unsigned(
                            &edge,
                            keys,
                            &parts.method,
                            &parts.uri,
                            &parts.headers,
                            &parts.extensions,
                        )
                    {
                        return refusal;
                    }
                    let ctx = serve::Ctx {
                        cache: &edge.cache,
                        fetcher: &edge.fetcher,
                        metrics: &edge.metrics,
                    };
                    serve::object(&ctx, &parts, d, &bucket, &key).await
                }
                None => local(text(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "unknown distribution",
                    "text/plain",
                )),
            }
        }
        Route::Fallback(reason) => {
            if let Some(keys) = edge
                .router
                .signed_for(req.uri())
                .and_then(|d| d.signed.as_deref())
                && let Some(refusal) = refuse_unsigned(
                    &edge,
                    keys,
                    req.method(),
                    req.uri(),
                    req.headers(),
                    req.extensions(),
                )
            {
                return refusal;
            }
            proxy::fallback(&edge.cfg.fallback, &edge.origin, &edge.metrics, req, reason).await
        }
    }
}

impl hyper::service::Service<Request<Incoming>> for EdgeService {
    type Response = Response<EdgeBody>;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Response<EdgeBody>, Infallible>>;

    fn call(&self, req: Request<Incoming>) -> Self::Future {
        let edge = Arc::clone(&self.0);
        Box::pin(async move {
            let method = req.method().clone();
            let path = req.uri().path().to_string();
            let resp = handle(edge, req).await;
            let status = resp.status();
            if status.is_server_error() {
                tracing::warn!(%method, path, status = status.as_u16(), "request failed");
            }
            Ok(resp)
        })
    }
}
