//! Admin API under `/_edge/`, behind the bearer token of `[admin] token`:
//! `POST /_edge/purge` drops one key or everything under a prefix, from
//! both tiers. Parameters come as a JSON body (`{"bucket": "media", "key":
//! "video/a.mp4"}` or `{"bucket": "media", "prefix": "video/"}`) or as the
//! same names in the query string. Never reaches the origin.

use gureum_common::hash::constant_time_eq;
use http::{HeaderValue, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use serde::Deserialize;

use crate::cache::{Cache, PurgeReason};
use crate::respond::{EdgeBody, text};

/// Largest purge request body.
const MAX_BODY: usize = 64 << 10;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PurgeRequest {
    bucket: Option<String>,
    key: Option<String>,
    prefix: Option<String>,
}

fn json_error(status: StatusCode, msg: &str) -> http::Response<EdgeBody> {
    let body = serde_json::json!({ "error": msg }).to_string();
    text(status, body, "application/json")
}

fn authorized(
    token: Option<&str>,
    req: &Request<Incoming>,
) -> Result<(), Box<http::Response<EdgeBody>>> {
    let Some(token) = token else {
        return Err(Box::new(json_error(
            StatusCode::FORBIDDEN,
            "admin API disabled: set [admin] token",
        )));
    };
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    match given {
        Some(g) if constant_time_eq(g.as_bytes(), token.as_bytes()) => Ok(()),
        _ => {
            let mut resp = json_error(StatusCode::UNAUTHORIZED, "bearer token required");
            resp.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            Err(Box::new(resp))
        }
    }
}

/// `POST /_edge/purge`.
pub async fn purge(
    token: Option<&str>,
    cache: &Cache,
    req: Request<Incoming>,
) -> http::Response<EdgeBody> {
    if req.method() != Method::POST {
        return json_error(StatusCode::METHOD_NOT_ALLOWED, "use POST");
    }
    if let Err(resp) = authorized(token, &req) {
        return *resp;
    }
    let mut params = PurgeRequest::default();
    if let Some(q) = req.uri().query() {
        for (k, v) in form_urlencoded::parse(q.as_bytes()) {
            match k.as_ref() {
                "bucket" => params.bucket = Some(v.into_owned()),
                "key" => params.key = Some(v.into_owned()),
                "prefix" => params.prefix = Some(v.into_owned()),
                other => {
                    return json_error(
                        StatusCode::BAD_REQUEST,
                        &format!("unknown parameter {other:?}"),
                    );
                }
            }
        }
    }
    let body = match http_body_util::Limited::new(req.into_body(), MAX_BODY)
        .collect()
        .await
    {
        Ok(c) => c.to_bytes(),
        Err(e) => return json_error(StatusCode::BAD_REQUEST, &format!("body: {e}")),
    };
    if !body.iter().all(u8::is_ascii_whitespace) {
        match serde_json::from_slice::<PurgeRequest>(&body) {
            Ok(p) => {
                params.bucket = p.bucket.or(params.bucket);
                params.key = p.key.or(params.key);
                params.prefix = p.prefix.or(params.prefix);
            }
            Err(e) => return json_error(StatusCode::BAD_REQUEST, &format!("JSON: {e}")),
        }
    }
    let Some(bucket) = params.bucket.filter(|b| !b.is_empty()) else {
        return json_error(StatusCode::BAD_REQUEST, "bucket is required");
    };
    let purged = match (params.key, params.prefix) {
        (Some(key), None) => cache.purge_key(&bucket, &key, PurgeReason::Api),
        (None, Some(prefix)) => cache.purge_prefix(&bucket, &prefix, PurgeReason::Api),
        _ => {
            return json_error(StatusCode::BAD_REQUEST, "give exactly one of key or prefix");
        }
    };
    tracing::info!(bucket, purged, "purge");
    let body = serde_json::json!({ "purged": purged }).to_string();
    text(StatusCode::OK, body, "application/json")
}
