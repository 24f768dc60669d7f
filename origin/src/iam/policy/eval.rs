//! The request as policies see it, and AWS's way of combining verdicts.
//!
//! Owns: [`RequestContext`], the per-statement verdict [`Effect`], the
//! principal-derived keys (`aws:username`, `aws:userid`,
//! `aws:PrincipalType`, `aws:PrincipalAccount`, `aws:PrincipalArn`, per
//! the IAM user guide's "principal key values" table), and [`decide`].
//! Must never: authenticate, load policies or read clocks; everything is
//! handed in by the caller.

use super::pattern::Resolve;
use super::principal::Principal;
use super::values::ConditionValues;

/// What is being asked, by whom, with which condition values.
#[derive(Debug, Clone, Copy)]
pub struct RequestContext<'a> {
    /// The IAM action, e.g. `s3:GetObject`.
    pub action: &'a str,
    /// The resource ARN: `arn:aws:s3:::bucket` or `arn:aws:s3:::bucket/key`.
    pub resource: &'a str,
    /// The authenticated requester.
    pub principal: &'a Principal,
    /// Condition key values. Values given here win over the ones derived
    /// from `principal`.
    pub keys: &'a ConditionValues,
}

/// One policy's verdict on one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// A matching statement allows it, and none denies it.
    Allow,
    /// A matching statement denies it.
    Deny,
    /// No statement matches.
    NotApplicable,
}

/// The final answer for a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// Some policy denies: nothing can override it.
    ExplicitDeny,
    /// Nothing allows: the default.
    ImplicitDeny,
}

/// AWS's evaluation order within one account (IAM user guide, "Policy
/// evaluation logic"): an explicit deny in any policy wins; otherwise an
/// allow from any identity policy, resource policy or (`acl_allows`) ACL
/// allows; otherwise the request is implicitly denied.
pub fn decide(verdicts: impl IntoIterator<Item = Effect>, acl_allows: bool) -> Decision {
    let mut allowed = acl_allows;
    for verdict in verdicts {
        match verdict {
            Effect::Deny => return Decision::ExplicitDeny,
            Effect::Allow => allowed = true,
            Effect::NotApplicable => {}
        }
    }
    if allowed {
        Decision::Allow
    } else {
        Decision::ImplicitDeny
    }
}

/// A key's values in the request: borrowed, never copied.
pub(super) enum Found<'a> {
    None,
    One(&'a str),
    Many(&'a [String]),
}

impl<'a> Found<'a> {
    pub(super) fn len(&self) -> usize {
        match self {
            Found::None => 0,
            Found::One(_) => 1,
            Found::Many(v) => v.len(),
        }
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = &'a str> + use<'a> {
        let (one, many): (Option<&'a str>, &'a [String]) = match *self {
            Found::None => (None, &[]),
            Found::One(s) => (Some(s), &[]),
            Found::Many(v) => (None, v),
        };
        one.into_iter().chain(many.iter().map(String::as_str))
    }
}

impl<'a> RequestContext<'a> {
    /// The values of a normalised key: the caller's, else derived from
    /// the principal.
    pub(super) fn values(&self, normalized: &str) -> Found<'a> {
        if let Some(v) = self.keys.lookup(normalized) {
            return Found::Many(v);
        }
        match principal_key(self.principal, normalized) {
            Some(s) => Found::One(s),
            None => Found::None,
        }
    }
}

impl Resolve for RequestContext<'_> {
    fn single(&self, normalized_key: &str) -> Option<&str> {
        match self.values(normalized_key) {
            Found::One(s) => Some(s),
            Found::Many([only]) => Some(only.as_str()),
            _ => None,
        }
    }
}

/// Keys AWS fills from the requester. The root user has no
/// `aws:username`; anonymous requests carry only `aws:PrincipalType`.
fn principal_key<'a>(principal: &'a Principal, normalized: &str) -> Option<&'a str> {
    match (principal, normalized) {
        (Principal::Anonymous, "aws:principaltype") => Some("Anonymous"),
        (Principal::Root { .. }, "aws:principaltype") => Some("Account"),
        (Principal::User { .. }, "aws:principaltype") => Some("User"),
        (Principal::Root { account, .. }, "aws:userid" | "aws:principalaccount") => Some(account),
        (Principal::User { account, .. }, "aws:principalaccount") => Some(account),
        (Principal::User { name, .. }, "aws:username") => Some(name),
        (Principal::User { user_id, .. }, "aws:userid") => Some(user_id),
        (Principal::User { arn, .. }, "aws:principalarn") => Some(arn),
        _ => None,
    }
}
