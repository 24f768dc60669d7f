//! One policy statement: its fields, their validation, and whether it
//! applies to a request.
//!
//! Owns: the statement grammar (`Sid`, `Effect`, `Principal` /
//! `NotPrincipal`, `Action` / `NotAction`, `Resource` / `NotResource`,
//! `Condition`; nothing else), which of them each document kind requires
//! or forbids, and the order in which faults are reported.
//! Must never: combine statements into a verdict (that is `mod.rs`) or
//! judge public-ness (that is `public`).

use serde_json::{Map, Value};

use super::PolicyKind;
use super::actions::Actions;
use super::condition::Condition;
use super::error::Fault;
use super::eval::RequestContext;
use super::principal::Principals;
use super::resource::Resources;

/// Whether a matching statement grants or refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Grant {
    Allow,
    Deny,
}

/// `Principal` or `NotPrincipal`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Who {
    Listed(Principals),
    AllBut(Principals),
}

/// A compiled statement.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Statement {
    pub(super) sid: Option<String>,
    pub(super) grant: Grant,
    /// `None` in identity policies: the principal is whoever the policy
    /// is attached to.
    pub(super) who: Option<Who>,
    pub(super) actions: Actions,
    pub(super) not_action: bool,
    pub(super) resources: Resources,
    pub(super) not_resource: bool,
    pub(super) condition: Condition,
}

const FIELDS: &[&str] = &[
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];

impl Statement {
    pub(super) fn parse(
        value: &Value,
        kind: PolicyKind<'_>,
        variables: bool,
    ) -> Result<Statement, Fault> {
        let Value::Object(fields) = value else {
            return Err(Fault::InvalidField("Statement".into()));
        };
        if let Some(unknown) = fields.keys().find(|k| !FIELDS.contains(&k.as_str())) {
            return Err(Fault::UnknownField(unknown.clone()));
        }
        let sid = parse_sid(fields, kind)?;
        let grant = match fields.get("Effect") {
            None => return Err(Fault::MissingEffect),
            Some(Value::String(e)) if e == "Allow" => Grant::Allow,
            Some(Value::String(e)) if e == "Deny" => Grant::Deny,
            Some(Value::String(e)) => return Err(Fault::InvalidEffect(e.clone())),
            Some(other) => return Err(Fault::InvalidEffect(other.to_string())),
        };
        let who = parse_who(fields, kind)?;
        let (actions, not_action) = match either(fields, "Action", "NotAction") {
            Either::Neither => return Err(Fault::MissingAction),
            Either::Both => return Err(Fault::InvalidAction("Action and NotAction".into())),
            Either::One(v, negated) => (Actions::parse(v, kind)?, negated),
        };
        let (resources, not_resource) = match either(fields, "Resource", "NotResource") {
            Either::Neither => return Err(Fault::MissingResource),
            Either::Both => {
                return Err(Fault::InvalidResource("Resource and NotResource".into()));
            }
            Either::One(v, negated) => (Resources::parse(v, kind, variables)?, negated),
        };
        let condition = match fields.get("Condition") {
            Some(c) => Condition::parse(c, variables)?,
            None => Condition::default(),
        };
        Ok(Statement {
            sid,
            grant,
            who,
            actions,
            not_action,
            resources,
            not_resource,
            condition,
        })
    }

    /// Whether the statement's principal, action, resource and condition
    /// all match the request.
    pub(super) fn applies(&self, ctx: &RequestContext<'_>) -> bool {
        let who = match &self.who {
            None => true,
            Some(Who::Listed(p)) => p.matches(ctx.principal),
            Some(Who::AllBut(p)) => !p.matches(ctx.principal),
        };
        who && self.actions.matches(ctx.action) != self.not_action
            && self.resources.matches(ctx.resource, ctx) != self.not_resource
            && self.condition.holds(ctx)
    }
}

fn parse_sid(fields: &Map<String, Value>, kind: PolicyKind<'_>) -> Result<Option<String>, Fault> {
    match fields.get("Sid") {
        None => Ok(None),
        Some(Value::String(s)) => {
            // IAM restricts Sids to [0-9A-Za-z]*; S3 takes any string.
            if matches!(kind, PolicyKind::Identity) && !s.bytes().all(|b| b.is_ascii_alphanumeric())
            {
                return Err(Fault::InvalidSid(s.clone()));
            }
            Ok(Some(s.clone()))
        }
        Some(_) => Err(Fault::InvalidField("Sid".into())),
    }
}

fn parse_who(fields: &Map<String, Value>, kind: PolicyKind<'_>) -> Result<Option<Who>, Fault> {
    let found = either(fields, "Principal", "NotPrincipal");
    match (kind, found) {
        (PolicyKind::Identity, Either::Neither) => Ok(None),
        (PolicyKind::Identity, _) => Err(Fault::PrincipalNotAllowed),
        (PolicyKind::Bucket { .. }, Either::Neither) => Err(Fault::MissingPrincipal),
        (PolicyKind::Bucket { .. }, Either::Both) => Err(Fault::InvalidPrincipal),
        (PolicyKind::Bucket { .. }, Either::One(v, false)) => {
            Ok(Some(Who::Listed(Principals::parse(v)?)))
        }
        (PolicyKind::Bucket { .. }, Either::One(v, true)) => {
            Ok(Some(Who::AllBut(Principals::parse(v)?)))
        }
    }
}

enum Either<'a> {
    Neither,
    Both,
    /// The value, and whether it came from the `Not...` field.
    One(&'a Value, bool),
}

fn either<'a>(fields: &'a Map<String, Value>, positive: &str, negative: &str) -> Either<'a> {
    match (fields.get(positive), fields.get(negative)) {
        (None, None) => Either::Neither,
        (Some(_), Some(_)) => Either::Both,
        (Some(v), None) => Either::One(v, false),
        (None, Some(v)) => Either::One(v, true),
    }
}
