//! Gureum's own HTTP APIs beside S3, all under `/_gureum/` and SigV4-signed
//! like any S3 request (s3s verifies the signature before the route runs):
//! `admin/` for operators (heal), and the edge-facing `blocks/` (per-block
//! integrity hashes) and `changes` (the change feed). `_gureum` is reserved:
//! it can never be created as a bucket.

mod admin;
mod edge;

use std::sync::Arc;

use http::{Extensions, HeaderMap, Method, Uri};
use s3s::route::S3Route;
use s3s::validation::NameValidation;
use s3s::{Body, S3Request, S3Response, S3Result};

use crate::objects::Objects;
use crate::objects::names::{RESERVED, valid_bucket_name};

/// The object layer's bucket-name rules, plus the reserved `_gureum`
/// segment so s3s lets these paths through to the route.
pub struct GureumNames;

impl NameValidation for GureumNames {
    fn validate_bucket_name(&self, name: &str) -> bool {
        name == RESERVED || valid_bucket_name(name)
    }
}

/// The s3s custom route for everything under `/_gureum/`.
pub struct GureumRoute {
    admin: admin::AdminApi,
    edge: edge::EdgeApi,
}

impl GureumRoute {
    /// Routes over `objects`.
    pub fn new(objects: Arc<Objects>) -> Self {
        Self {
            admin: admin::AdminApi::new(Arc::clone(&objects)),
            edge: edge::EdgeApi::new(objects),
        }
    }
}

/// A JSON 200 response.
fn json<T: serde::Serialize>(value: &T) -> S3Result<S3Response<Body>> {
    let body = serde_json::to_string(value).map_err(s3s::S3Error::internal_error)?;
    let mut resp = S3Response::new(Body::from(body));
    resp.headers.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    Ok(resp)
}

#[async_trait::async_trait]
impl S3Route for GureumRoute {
    fn is_match(&self, _m: &Method, uri: &Uri, _h: &HeaderMap, e: &mut Extensions) -> bool {
        let Some(rest) = uri.path().strip_prefix("/_gureum/") else {
            return false;
        };
        // Name the operation for metrics and logs (s3s's access hook, which
        // names S3 operations, does not run for custom routes).
        if let Some(slot) = e.get::<crate::s3::access::OpSlot>() {
            let op = match rest.split('/').next() {
                Some("admin") => "GureumAdmin",
                Some("changes") => "GureumChanges",
                Some("blocks") => "GureumBlocks",
                _ => "GureumApi",
            };
            slot.set(op);
        }
        true
    }

    async fn call(&self, req: S3Request<Body>) -> S3Result<S3Response<Body>> {
        let path = req.uri.path().trim_start_matches("/_gureum/").to_string();
        if let Some(rest) = path.strip_prefix("admin/") {
            return self.admin.call(&req, rest).await;
        }
        self.edge.call(&req, &path).await
    }
}
