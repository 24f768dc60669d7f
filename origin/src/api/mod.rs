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

use crate::iam::authorize::{Ask, Authorizer};
use crate::iam::policy::ConditionValues;
use crate::iam::s3_actions::{AclNeed, On};
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
    authz: Arc<Authorizer>,
}

impl GureumRoute {
    /// Routes over `objects`.
    pub fn new(objects: Arc<Objects>, authz: Arc<Authorizer>) -> Self {
        Self {
            admin: admin::AdminApi::new(Arc::clone(&objects)),
            edge: edge::EdgeApi::new(objects),
            authz,
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

    /// Admin calls are root's alone; block hashes need s3:GetObject on the
    /// object and the change feed s3:ListBucket on the bucket, as the S3
    /// requests they stand for would.
    async fn check_access(&self, req: &mut S3Request<Body>) -> S3Result<()> {
        let denied = || s3s::s3_error!(AccessDenied, "Access Denied");
        let Some(creds) = &req.credentials else {
            return Err(denied());
        };
        let identity = self
            .authz
            .iam()
            .identity_of(&creds.access_key)
            .ok_or_else(|| s3s::s3_error!(InvalidAccessKeyId))?;
        let caller = self.authz.caller(Some(identity), ConditionValues::new());
        if caller.is_root() {
            return Ok(());
        }
        let path = req.uri.path().trim_start_matches("/_gureum/");
        let (action, on, bucket, key) = if let Some(rest) = path.strip_prefix("blocks/") {
            let decoded = percent_encoding::percent_decode_str(rest)
                .decode_utf8()
                .map_err(|_| s3s::s3_error!(InvalidURI))?
                .into_owned();
            let (b, k) = decoded.split_once('/').unwrap_or((&decoded, ""));
            ("s3:GetObject", On::Object, b.to_string(), k.to_string())
        } else if path == "changes" {
            let bucket = form_urlencoded::parse(req.uri.query().unwrap_or("").as_bytes())
                .find(|(k, _)| k == "bucket")
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default();
            ("s3:ListBucket", On::Bucket, bucket, String::new())
        } else {
            return Err(denied());
        };
        let ask = Ask {
            action,
            on,
            bucket: &bucket,
            key: &key,
            version_id: None,
            acl: AclNeed::None,
        };
        if self.authz.allows(&caller, &ask) {
            Ok(())
        } else {
            Err(denied())
        }
    }

    async fn call(&self, req: S3Request<Body>) -> S3Result<S3Response<Body>> {
        let path = req.uri.path().trim_start_matches("/_gureum/").to_string();
        if let Some(rest) = path.strip_prefix("admin/") {
            return self.admin.call(&req, rest).await;
        }
        self.edge.call(&req, &path).await
    }
}
