//! Edge-facing API: `GET blocks/{bucket}/{key}` returns the per-block
//! blake3 hashes recorded at PUT time (edges verify slices against them),
//! and `GET changes?bucket=B[&since=SEQ][&wait=SECS]` long-polls the change
//! feed. Read-only; never touches object bytes.

use std::sync::Arc;
use std::time::Duration;

use http::Method;
use s3s::{Body, S3Error, S3ErrorCode, S3Request, S3Response, S3Result};

use super::json;
use crate::objects::Objects;

/// Longest long-poll a client may ask for.
const MAX_WAIT: Duration = Duration::from_secs(30);

/// Handles `/_gureum/blocks/*` and `/_gureum/changes`.
pub struct EdgeApi {
    objects: Arc<Objects>,
}

impl EdgeApi {
    /// Edge API over `objects`.
    pub fn new(objects: Arc<Objects>) -> Self {
        Self { objects }
    }

    /// Dispatches one call (`path` is after `/_gureum/`, still URL-encoded).
    pub async fn call(&self, req: &S3Request<Body>, path: &str) -> S3Result<S3Response<Body>> {
        if req.method != Method::GET {
            return Err(s3s::s3_error!(MethodNotAllowed));
        }
        if let Some(rest) = path.strip_prefix("blocks/") {
            let decoded = percent_encoding::percent_decode_str(rest)
                .decode_utf8()
                .map_err(|_| s3s::s3_error!(InvalidURI))?;
            let Some((bucket, key)) = decoded
                .split_once('/')
                .filter(|(b, k)| !b.is_empty() && !k.is_empty())
            else {
                return Err(S3Error::with_message(
                    S3ErrorCode::InvalidURI,
                    "expected /_gureum/blocks/{bucket}/{key}",
                ));
            };
            let hashes = self.objects.block_hashes(bucket, key).await?;
            return json(&hashes);
        }
        if path == "changes" {
            let q = query(req.uri.query().unwrap_or(""));
            let bucket = q
                .iter()
                .find(|(k, _)| k == "bucket")
                .map(|(_, v)| v.clone())
                .ok_or_else(|| {
                    S3Error::with_message(S3ErrorCode::InvalidArgument, "bucket is required")
                })?;
            let num = |name: &str| -> S3Result<Option<u64>> {
                q.iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| {
                        v.parse::<u64>().map_err(|_| {
                            S3Error::with_message(
                                S3ErrorCode::InvalidArgument,
                                format!("{name} must be a number"),
                            )
                        })
                    })
                    .transpose()
            };
            let since = num("since")?;
            let wait = Duration::from_secs(num("wait")?.unwrap_or(0)).min(MAX_WAIT);
            let page = self.objects.changes(&bucket, since, wait).await?;
            return json(&page);
        }
        Err(s3s::s3_error!(NotImplemented, "Unknown Gureum API call"))
    }
}

/// Decoded query pairs.
fn query(q: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(q.as_bytes()).into_owned().collect()
}
