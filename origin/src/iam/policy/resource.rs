//! The `Resource` / `NotResource` element: ARN validation and matching.
//!
//! Owns: which resources each document kind may name (a bucket policy
//! only its own bucket and its objects, as S3 insists) and case-sensitive
//! wildcard matching of request ARNs, with policy variables substituted
//! literally.
//! Must never: build request ARNs (the caller passes `arn:aws:s3:::b` for
//! a bucket, `arn:aws:s3:::b/key` for an object).

use serde_json::Value;

use super::PolicyKind;
use super::error::Fault;
use super::pattern::{Pattern, Resolve};

/// A parsed resource list; matches when any pattern does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Resources {
    patterns: Vec<Pattern>,
}

impl Resources {
    pub(super) fn parse(
        value: &Value,
        kind: PolicyKind<'_>,
        variables: bool,
    ) -> Result<Resources, Fault> {
        let items: Vec<&str> = match value {
            Value::String(s) => vec![s.as_str()],
            Value::Array(items) if !items.is_empty() => items
                .iter()
                .map(|v| {
                    v.as_str()
                        .ok_or_else(|| Fault::InvalidField("Resource".into()))
                })
                .collect::<Result<_, _>>()?,
            _ => return Err(Fault::InvalidField("Resource".into())),
        };
        let patterns = items
            .into_iter()
            .map(|r| parse_one(r, kind, variables))
            .collect::<Result<_, _>>()?;
        Ok(Resources { patterns })
    }

    /// Whether the request's resource ARN is named. Resource matching is
    /// case-sensitive, and a `*` spans `/` and `:` alike, so
    /// `arn:aws:s3:::b*` also names bucket `b2` and every object of `b`.
    pub(super) fn matches(&self, resource: &str, ctx: &dyn Resolve) -> bool {
        self.patterns.iter().any(|p| p.glob(resource, false, ctx))
    }
}

fn parse_one(resource: &str, kind: PolicyKind<'_>, variables: bool) -> Result<Pattern, Fault> {
    let invalid = || Fault::InvalidResource(resource.to_owned());
    match kind {
        PolicyKind::Identity if resource == "*" => {}
        PolicyKind::Identity => {
            let mut parts = resource.splitn(6, ':');
            let prefix: Vec<&str> = parts.by_ref().take(5).collect();
            let has_tail = parts.next().is_some();
            if prefix.first() != Some(&"arn") || !has_tail {
                return Err(invalid());
            }
            // Variables may only stand in the resource part of an ARN,
            // after the fifth colon.
            if prefix.iter().any(|p| p.contains("${")) || prefix.get(2) == Some(&"") {
                return Err(invalid());
            }
        }
        PolicyKind::Bucket { bucket } => {
            let in_bucket = resource
                .strip_prefix("arn:aws:s3:::")
                .and_then(|rest| rest.strip_prefix(bucket))
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
            if !in_bucket || bucket.is_empty() {
                return Err(invalid());
            }
        }
    }
    Ok(Pattern::parse(resource, true, variables))
}
