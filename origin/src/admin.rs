//! Admin API under `/_gureum/admin/` (SigV4-signed by root, checked by
//! s3s like any S3 request): `POST heal` starts a heal sweep in the
//! background, `GET heal` reports its progress as JSON. `_gureum` is a
//! reserved name: it can never be created as a bucket.

use std::sync::{Arc, Mutex};

use http::{Extensions, HeaderMap, Method, Uri};
use s3s::route::S3Route;
use s3s::validation::{AwsNameValidation, NameValidation};
use s3s::{Body, S3Request, S3Response, S3Result};

use crate::objects::{HealStatus, Objects};

/// The reserved path segment of Gureum's own APIs.
pub const RESERVED: &str = "_gureum";

/// AWS bucket-name rules, plus the reserved `_gureum` segment so s3s lets
/// admin paths through to the route.
pub struct GureumNames;

impl NameValidation for GureumNames {
    fn validate_bucket_name(&self, name: &str) -> bool {
        name == RESERVED || AwsNameValidation::new().validate_bucket_name(name)
    }
}

/// Handles `/_gureum/admin/*`.
pub struct AdminRoute {
    objects: Arc<Objects>,
    heal: Arc<Mutex<HealStatus>>,
}

impl AdminRoute {
    /// Admin API over `objects`.
    pub fn new(objects: Arc<Objects>) -> Self {
        Self {
            objects,
            heal: Arc::default(),
        }
    }

    fn heal_json(&self) -> S3Result<S3Response<Body>> {
        let status = self.heal.lock().map(|s| s.clone()).unwrap_or_default();
        let body = serde_json::to_string(&status).map_err(s3s::S3Error::internal_error)?;
        let mut resp = S3Response::new(Body::from(body));
        resp.headers.insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json"),
        );
        Ok(resp)
    }

    fn start_heal(&self) {
        {
            let Ok(mut s) = self.heal.lock() else { return };
            if s.running {
                return;
            }
            *s = HealStatus {
                running: true,
                ..Default::default()
            };
        }
        let objects = Arc::clone(&self.objects);
        let status = Arc::clone(&self.heal);
        tokio::spawn(async move {
            let result = objects.heal_all(&status).await;
            if let Ok(mut s) = status.lock() {
                if let Err(err) = result {
                    tracing::error!(%err, "heal sweep aborted");
                    s.failed += 1;
                    s.last_error = Some(err.to_string());
                }
                s.running = false;
                s.finished = true;
                tracing::info!(
                    done = s.done,
                    rewritten = s.shards_rewritten,
                    failed = s.failed,
                    "heal sweep finished"
                );
            }
        });
    }
}

#[async_trait::async_trait]
impl S3Route for AdminRoute {
    fn is_match(&self, _m: &Method, uri: &Uri, _h: &HeaderMap, _e: &mut Extensions) -> bool {
        uri.path().starts_with("/_gureum/admin/")
    }

    async fn call(&self, req: S3Request<Body>) -> S3Result<S3Response<Body>> {
        match (req.method.clone(), req.uri.path()) {
            (Method::POST, "/_gureum/admin/heal") => {
                self.start_heal();
                self.heal_json()
            }
            (Method::GET, "/_gureum/admin/heal") => self.heal_json(),
            _ => Err(s3s::s3_error!(NotImplemented, "Unknown admin call")),
        }
    }
}
