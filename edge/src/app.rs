//! The edge as one hyper service: shared state ([`Edge`]) and the
//! dispatch of each request by its [`Route`] to health, metrics, admin,
//! the cache path or the fallback, each handed only what it uses (the
//! cache path gets no origin client; the fallback no cache). Owns wiring
//! and the one log line per failed request; no cache or origin logic here.

use std::convert::Infallible;
use std::sync::Arc;

use futures::future::BoxFuture;
use http::{HeaderValue, Request, Response, StatusCode};
use hyper::body::Incoming;

use crate::cache::Cache;
use crate::config::EdgeConfig;
use crate::fetch::Fetcher;
use crate::fetch::client::OriginClient;
use crate::health::{self, OriginHealth};
use crate::metrics::Metrics;
use crate::respond::{EdgeBody, text};
use crate::routes::{Route, Router};
use crate::{admin, proxy, serve};

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

async fn handle(edge: Arc<Edge>, req: Request<Incoming>) -> Response<EdgeBody> {
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
