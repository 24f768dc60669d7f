//! The `Action` / `NotAction` element: validation against AWS's action
//! catalogue and case-insensitive wildcard matching.
//!
//! Owns: the `vendor:Name` grammar, which vendors each document kind may
//! name, and the AWS rule that a wildcard must match at least one real
//! action of its service.
//! Must never: map S3 operations to actions (the S3 front end says which
//! action a request needs) or evaluate resources or conditions.

use serde_json::Value;

use super::PolicyKind;
use super::catalog::{IAM_ACTIONS, S3_ACTIONS};
use super::error::Fault;
use super::pattern::{NoVariables, Pattern};

/// A parsed action list; matches when any pattern does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Actions {
    patterns: Vec<Pattern>,
}

impl Actions {
    pub(super) fn parse(value: &Value, kind: PolicyKind<'_>) -> Result<Actions, Fault> {
        let items: Vec<&str> = match value {
            Value::String(s) => vec![s.as_str()],
            Value::Array(items) if !items.is_empty() => items
                .iter()
                .map(|v| {
                    v.as_str()
                        .ok_or_else(|| Fault::InvalidField("Action".into()))
                })
                .collect::<Result<_, _>>()?,
            _ => return Err(Fault::InvalidField("Action".into())),
        };
        let patterns = items
            .into_iter()
            .map(|a| parse_one(a, kind))
            .collect::<Result<_, _>>()?;
        Ok(Actions { patterns })
    }

    /// Whether `action` (e.g. `s3:GetObject`) is named. AWS compares
    /// action names case-insensitively, wildcards included.
    pub(super) fn matches(&self, action: &str) -> bool {
        self.patterns
            .iter()
            .any(|p| p.glob(action, true, &NoVariables))
    }
}

fn parse_one(action: &str, kind: PolicyKind<'_>) -> Result<Pattern, Fault> {
    if action == "*" {
        return Ok(Pattern::parse(action, true, false));
    }
    let Some((vendor, name)) = action.split_once(':') else {
        return Err(Fault::ActionWithoutVendor(action.to_owned()));
    };
    let invalid = || Fault::InvalidAction(action.to_owned());
    let vendor_ok = !vendor.is_empty()
        && vendor
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-');
    let name_ok = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'*' || b == b'?');
    if !vendor_ok || !name_ok {
        return Err(invalid());
    }
    let catalogue = if vendor.eq_ignore_ascii_case("s3") {
        Some(S3_ACTIONS)
    } else if vendor.eq_ignore_ascii_case("iam") {
        Some(IAM_ACTIONS)
    } else {
        None
    };
    match (catalogue, kind) {
        (Some(known), _) => {
            let name_pattern = Pattern::parse(name, true, false);
            if !known
                .iter()
                .any(|k| name_pattern.glob(k, true, &NoVariables))
            {
                return Err(invalid());
            }
        }
        // A bucket policy governs one bucket: only S3 actions mean
        // anything there, and S3 refuses the rest.
        (None, PolicyKind::Bucket { .. }) => return Err(invalid()),
        // Identity policies copied from AWS often name other services;
        // they are kept (and never match a request here).
        (None, PolicyKind::Identity) => {}
    }
    if matches!(kind, PolicyKind::Bucket { .. }) && vendor.eq_ignore_ascii_case("iam") {
        return Err(invalid());
    }
    Ok(Pattern::parse(action, true, false))
}
