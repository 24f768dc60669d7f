//! CORS: Put/Get/DeleteBucketCors, and the rule matching behind browser
//! requests — preflight `OPTIONS` answered from a bucket's rules, and the
//! `Access-Control-*` headers added to actual responses. Matching is
//! pure; the HTTP front decides when to ask.

use http::{HeaderMap, HeaderValue};
use s3s::dto::*;
use s3s::{S3Error, S3ErrorCode, S3Request, S3Response, S3Result};

use super::GureumS3;
use crate::objects::CorsRule;

const METHODS: [&str; 5] = ["GET", "PUT", "POST", "DELETE", "HEAD"];

/// `pattern` with at most one `*` matches `value` (case-sensitive, as S3
/// compares origins; headers are compared lowercased by the caller).
fn wildcard(pattern: &str, value: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == value,
        Some((pre, post)) => {
            value.len() >= pre.len() + post.len() && value.starts_with(pre) && value.ends_with(post)
        }
    }
}

fn rule_allows(rule: &CorsRule, origin: &str, method: &str) -> bool {
    rule.allowed_origins.iter().any(|o| wildcard(o, origin))
        && rule
            .allowed_methods
            .iter()
            .any(|m| m.eq_ignore_ascii_case(method))
}

fn set(h: &mut HeaderMap, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        h.insert(name, v);
    }
}

fn common_headers(rule: &CorsRule, origin: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    if rule.allowed_origins.iter().any(|o| o == "*") {
        set(&mut h, "access-control-allow-origin", "*");
    } else {
        set(&mut h, "access-control-allow-origin", origin);
        set(&mut h, "access-control-allow-credentials", "true");
    }
    set(
        &mut h,
        "access-control-allow-methods",
        &rule.allowed_methods.join(", "),
    );
    if !rule.expose_headers.is_empty() {
        set(
            &mut h,
            "access-control-expose-headers",
            &rule.expose_headers.join(", "),
        );
    }
    set(
        &mut h,
        "vary",
        "Origin, Access-Control-Request-Headers, Access-Control-Request-Method",
    );
    h
}

/// Headers answering a preflight, or None when no rule allows it.
pub fn preflight(
    rules: &[CorsRule],
    origin: &str,
    method: &str,
    request_headers: &[String],
) -> Option<HeaderMap> {
    let rule = rules.iter().find(|r| {
        rule_allows(r, origin, method)
            && request_headers.iter().all(|h| {
                let h = h.to_ascii_lowercase();
                r.allowed_headers
                    .iter()
                    .any(|a| wildcard(&a.to_ascii_lowercase(), &h))
            })
    })?;
    let mut h = common_headers(rule, origin);
    if !request_headers.is_empty() {
        set(
            &mut h,
            "access-control-allow-headers",
            &request_headers.join(", "),
        );
    }
    if let Some(age) = rule.max_age_secs {
        set(&mut h, "access-control-max-age", &age.to_string());
    }
    Some(h)
}

/// Headers for an actual (non-preflight) request from `origin`, if allowed.
pub fn actual(rules: &[CorsRule], origin: &str, method: &str) -> Option<HeaderMap> {
    let rule = rules.iter().find(|r| rule_allows(r, origin, method))?;
    Some(common_headers(rule, origin))
}

fn to_rule(r: CORSRule) -> S3Result<CorsRule> {
    for m in &r.allowed_methods {
        if !METHODS.contains(&m.as_str()) {
            return Err(S3Error::with_message(
                S3ErrorCode::InvalidRequest,
                format!("Found unsupported HTTP method in CORS config. Unsupported method is {m}"),
            ));
        }
    }
    for o in &r.allowed_origins {
        if o.matches('*').count() > 1 {
            return Err(S3Error::with_message(
                S3ErrorCode::InvalidRequest,
                format!("AllowedOrigin \"{o}\" can not have more than one wildcard."),
            ));
        }
    }
    Ok(CorsRule {
        id: r.id,
        allowed_origins: r.allowed_origins,
        allowed_methods: r.allowed_methods,
        allowed_headers: r.allowed_headers.unwrap_or_default(),
        expose_headers: r.expose_headers.unwrap_or_default(),
        max_age_secs: r.max_age_seconds,
    })
}

pub(super) async fn put_bucket_cors(
    s3: &GureumS3,
    req: S3Request<PutBucketCorsInput>,
) -> S3Result<S3Response<PutBucketCorsOutput>> {
    let i = req.input;
    let rules = i
        .cors_configuration
        .cors_rules
        .into_iter()
        .map(to_rule)
        .collect::<S3Result<Vec<_>>>()?;
    if rules.is_empty() || rules.len() > 100 {
        return Err(S3Error::with_message(
            S3ErrorCode::MalformedXML,
            "A CORS configuration holds 1 to 100 rules",
        ));
    }
    s3.objects
        .update_bucket_config(&i.bucket, |c| c.cors = rules)
        .await?;
    Ok(S3Response::new(PutBucketCorsOutput::default()))
}

pub(super) fn get_bucket_cors(
    s3: &GureumS3,
    req: S3Request<GetBucketCorsInput>,
) -> S3Result<S3Response<GetBucketCorsOutput>> {
    let rec = s3.objects.head_bucket(&req.input.bucket)?;
    if rec.config.cors.is_empty() {
        return Err(S3Error::with_message(
            S3ErrorCode::NoSuchCORSConfiguration,
            "The CORS configuration does not exist",
        ));
    }
    let rules = rec
        .config
        .cors
        .clone()
        .into_iter()
        .map(|r| CORSRule {
            id: r.id,
            allowed_origins: r.allowed_origins,
            allowed_methods: r.allowed_methods,
            allowed_headers: (!r.allowed_headers.is_empty()).then_some(r.allowed_headers),
            expose_headers: (!r.expose_headers.is_empty()).then_some(r.expose_headers),
            max_age_seconds: r.max_age_secs,
        })
        .collect();
    Ok(S3Response::new(GetBucketCorsOutput {
        cors_rules: Some(rules),
    }))
}

pub(super) async fn delete_bucket_cors(
    s3: &GureumS3,
    req: S3Request<DeleteBucketCorsInput>,
) -> S3Result<S3Response<DeleteBucketCorsOutput>> {
    s3.objects
        .update_bucket_config(&req.input.bucket, |c| c.cors.clear())
        .await?;
    Ok(S3Response::new(DeleteBucketCorsOutput::default()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule() -> CorsRule {
        CorsRule {
            allowed_origins: vec!["https://*.example.com".into()],
            allowed_methods: vec!["GET".into(), "PUT".into()],
            allowed_headers: vec!["content-*".into(), "x-amz-date".into()],
            expose_headers: vec!["ETag".into()],
            max_age_secs: Some(600),
            ..Default::default()
        }
    }

    #[test]
    fn preflight_matches_origin_method_and_headers() {
        let rules = [rule()];
        let ok = preflight(
            &rules,
            "https://app.example.com",
            "PUT",
            &["Content-Type".into()],
        )
        .expect("allowed");
        assert_eq!(ok["access-control-allow-origin"], "https://app.example.com");
        assert_eq!(ok["access-control-max-age"], "600");
        assert!(preflight(&rules, "https://evil.test", "PUT", &[]).is_none());
        assert!(preflight(&rules, "https://app.example.com", "DELETE", &[]).is_none());
        assert!(
            preflight(
                &rules,
                "https://app.example.com",
                "GET",
                &["authorization".into()]
            )
            .is_none()
        );
        let star = CorsRule {
            allowed_origins: vec!["*".into()],
            ..rule()
        };
        assert_eq!(
            actual(&[star], "https://x", "GET").expect("allowed")["access-control-allow-origin"],
            "*"
        );
    }
}
