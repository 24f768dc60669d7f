//! The `Condition` element: compiled once, evaluated per request.
//!
//! Owns: reading `{operator: {key: value | [values]}}`, refusing unknown
//! operators, unknown keys and unreadable values at put time, and AWS's
//! evaluation rules:
//! - operators in a block are AND-ed, keys under one operator AND-ed, the
//!   values of one key OR-ed (NOR for negated operators) — IAM user
//!   guide, "Conditions with multiple context keys or values";
//! - "If the key that you specify in a policy condition is not present in
//!   the request context, the values do not match and the condition is
//!   false. If the policy condition requires that the key is not matched,
//!   such as StringNotLike or ArnNotLike, and the right key is not
//!   present, the condition is true. This logic applies to all condition
//!   operators except ...IfExists and Null check" — IAM user guide,
//!   "Condition operators";
//! - `...IfExists`: an absent key makes the condition true;
//! - `ForAllValues:` is true when the key is absent or empty,
//!   `ForAnyValue:` false (unless `IfExists`) — "Set operators for
//!   multivalued context keys".
//!
//! Must never: fetch request values itself; they come from the
//! `RequestContext`.

use std::net::IpAddr;

use ipnet::IpNet;
use serde_json::Value;

use super::datetime::parse_instant;
use super::error::Fault;
use super::eval::RequestContext;
use super::keys::{is_known_key, normalize_key};
use super::operator::{Family, Operator, Qualifier};
use super::pattern::{ArnPattern, Pattern};

/// A compiled `Condition` block: true when every entry is.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Condition {
    entries: Vec<Entry>,
}

/// One operator applied to one key.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Entry {
    pub(super) op: Operator,
    /// Normalised (see `keys::normalize_key`).
    pub(super) key: String,
    pub(super) values: Values,
}

/// The policy's values for one key, read as the operator's family needs.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Values {
    Strings(Vec<Pattern>),
    Numbers(Vec<f64>),
    Dates(Vec<i128>),
    Bools(Vec<Pattern>),
    Binary(Vec<String>),
    Ips(Vec<IpNet>),
    Arns(Vec<ArnPattern>),
    /// `true`: the key must be absent; `false`: present.
    Null(Vec<bool>),
}

impl Condition {
    /// Compiles a `Condition` element. `variables` is false for policy
    /// version 2008-10-17, where `${...}` is literal text.
    pub(super) fn parse(value: &Value, variables: bool) -> Result<Condition, Fault> {
        let Value::Object(block) = value else {
            return Err(Fault::InvalidCondition);
        };
        let mut entries = Vec::new();
        for (op_name, keys) in block {
            let op = Operator::parse(op_name)?;
            let Value::Object(keys) = keys else {
                return Err(Fault::InvalidCondition);
            };
            for (key, raw) in keys {
                let normalized = normalize_key(key);
                if !is_known_key(&normalized) {
                    return Err(Fault::InvalidConditionKey(key.clone()));
                }
                let texts = texts(raw)?;
                let values = compile_values(&op, &texts, variables)?;
                entries.push(Entry {
                    op: op.clone(),
                    key: normalized,
                    values,
                });
            }
        }
        Ok(Condition { entries })
    }

    pub(super) fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub(super) fn holds(&self, ctx: &RequestContext<'_>) -> bool {
        self.entries.iter().all(|e| e.holds(ctx))
    }
}

impl Entry {
    fn holds(&self, ctx: &RequestContext<'_>) -> bool {
        let found = ctx.values(&self.key);
        let present = found.len() > 0;
        if let Values::Null(wanted) = &self.values {
            return wanted
                .iter()
                .any(|&must_be_absent| must_be_absent != present);
        }
        let op = &self.op;
        if !present {
            return match op.qualifier {
                Qualifier::None => op.if_exists || op.negated,
                Qualifier::ForAnyValue => op.if_exists,
                Qualifier::ForAllValues => true,
            };
        }
        match op.qualifier {
            // A single-valued key: any request value against any policy
            // value, then negated as a whole.
            Qualifier::None => found.iter().any(|v| self.matches(v, ctx)) != op.negated,
            // Set operators negate per request value: NotEquals under
            // ForAnyValue means "some request value matches none".
            Qualifier::ForAnyValue => found.iter().any(|v| self.matches(v, ctx) != op.negated),
            Qualifier::ForAllValues => found.iter().all(|v| self.matches(v, ctx) != op.negated),
        }
    }

    /// The positive match of one request value against the policy values.
    fn matches(&self, request: &str, ctx: &RequestContext<'_>) -> bool {
        match (&self.values, self.op.family) {
            (Values::Strings(ps), Family::String { like: true, .. }) => {
                ps.iter().any(|p| p.glob(request, false, ctx))
            }
            (Values::Strings(ps), Family::String { fold, .. }) => {
                ps.iter().any(|p| p.equals(request, fold, ctx))
            }
            (Values::Numbers(ns), Family::Numeric(cmp)) => request
                .trim()
                .parse::<f64>()
                .is_ok_and(|r| ns.iter().any(|&n| cmp.holds(r, n))),
            (Values::Dates(ds), Family::Date(cmp)) => {
                parse_instant(request).is_some_and(|r| ds.iter().any(|&d| cmp.holds(r, d)))
            }
            (Values::Bools(ps), _) => ps.iter().any(|p| p.equals(request, true, ctx)),
            (Values::Binary(bs), _) => bs.iter().any(|b| b == request),
            (Values::Ips(nets), _) => request
                .trim()
                .parse::<IpAddr>()
                .is_ok_and(|ip| nets.iter().any(|n| n.contains(&ip))),
            (Values::Arns(ps), _) => ps.iter().any(|p| p.matches(request, ctx)),
            _ => false,
        }
    }
}

/// A key's value is a scalar or an array of scalars; AWS accepts JSON
/// numbers and booleans as well as strings (`"Bool": {"k": true}`).
fn texts(value: &Value) -> Result<Vec<String>, Fault> {
    let one = |v: &Value| match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        _ => Err(Fault::InvalidCondition),
    };
    match value {
        Value::Array(items) => items.iter().map(one).collect(),
        other => Ok(vec![one(other)?]),
    }
}

fn compile_values(op: &Operator, texts: &[String], variables: bool) -> Result<Values, Fault> {
    let bad_value = || Fault::InvalidConditionValue(op.name.clone());
    // Variables are live only in string, ARN and Bool values (IAM user
    // guide, "Where you can use policy variables" / Condition operators).
    Ok(match op.family {
        Family::String { like, .. } => Values::Strings(
            texts
                .iter()
                .map(|t| Pattern::parse(t, like, variables))
                .collect(),
        ),
        Family::Numeric(_) => Values::Numbers(
            texts
                .iter()
                .map(|t| {
                    t.trim()
                        .parse::<f64>()
                        .ok()
                        .filter(|n| n.is_finite())
                        .ok_or_else(bad_value)
                })
                .collect::<Result<_, _>>()?,
        ),
        Family::Date(_) => Values::Dates(
            texts
                .iter()
                .map(|t| parse_instant(t).ok_or_else(bad_value))
                .collect::<Result<_, _>>()?,
        ),
        Family::Bool => Values::Bools(
            texts
                .iter()
                .map(|t| {
                    let p = Pattern::parse(t, false, variables);
                    let literal_bool =
                        t.eq_ignore_ascii_case("true") || t.eq_ignore_ascii_case("false");
                    if p.has_variable() || literal_bool {
                        Ok(p)
                    } else {
                        Err(bad_value())
                    }
                })
                .collect::<Result<_, _>>()?,
        ),
        Family::Binary => Values::Binary(texts.to_vec()),
        Family::Ip => Values::Ips(
            texts
                .iter()
                .map(|t| parse_net(t).ok_or(Fault::InvalidIpAddress))
                .collect::<Result<_, _>>()?,
        ),
        Family::Arn => Values::Arns(
            texts
                .iter()
                .map(|t| ArnPattern::parse(t, variables))
                .collect(),
        ),
        Family::Null => Values::Null(
            texts
                .iter()
                .map(|t| match t.to_ascii_lowercase().as_str() {
                    "true" => Ok(true),
                    "false" => Ok(false),
                    _ => Err(bad_value()),
                })
                .collect::<Result<_, _>>()?,
        ),
    })
}

/// A CIDR, or a bare address meaning /32 (IPv4) or /128 (IPv6).
pub(super) fn parse_net(text: &str) -> Option<IpNet> {
    let text = text.trim();
    if text.contains('/') {
        return text.parse::<IpNet>().ok();
    }
    text.parse::<IpAddr>().ok().map(IpNet::from)
}
