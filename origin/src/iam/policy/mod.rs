//! The IAM policy language: documents parsed once into a compiled form,
//! then evaluated against requests without IO and with few allocations.
//!
//! Owns: the document grammar (`Version`, `Id`, `Statement`), the
//! [`Policy`] type and its three questions: is this document valid for
//! its kind ([`Policy::parse`]), what does it say about a request
//! ([`Policy::evaluate`]), and is it public ([`Policy::is_public`]).
//! AWS's documented behaviour is the reference throughout; each file
//! cites the page it follows.
//! Must never: do IO, log, read clocks, or know about HTTP. Storing
//! policies, finding the ones that apply to a request and building its
//! [`RequestContext`] belong to the caller.
//!
//! ```text
//! let policy = Policy::parse(json, PolicyKind::Bucket { bucket: "photos" })?;
//! let verdict = policy.evaluate(&RequestContext { action, resource, principal, keys });
//! let decision = decide([bucket_verdict, identity_verdict], acl_allows);
//! ```

mod actions;
mod catalog;
mod condition;
mod datetime;
mod error;
mod eval;
mod keys;
mod operator;
mod pattern;
mod principal;
mod public;
mod resource;
mod statement;
mod values;

#[cfg(test)]
mod tests;

use serde_json::Value;

pub use error::{Fault, PolicyError};
pub use eval::{Decision, Effect, RequestContext, decide};
pub use principal::Principal;
pub use values::ConditionValues;

use principal::PrincipalSpec;
use statement::{Grant, Statement, Who};

/// Which kind of document is being put; it decides what is required.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyKind<'a> {
    /// A user, group or managed policy: no `Principal`, `Resource`
    /// required.
    Identity,
    /// The policy of `bucket`: `Principal` required, and every resource
    /// must be the bucket or one of its objects.
    Bucket {
        /// The bucket the policy is put on.
        bucket: &'a str,
    },
}

/// The policy language version a document declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// `2012-10-17`: policy variables are live.
    V2012_10_17,
    /// `2008-10-17`, also what AWS assumes without `Version`: `${...}` is
    /// literal text.
    V2008_10_17,
}

/// A validated, compiled policy document.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    version: Version,
    id: Option<String>,
    statements: Vec<Statement>,
}

const DOCUMENT_FIELDS: &[&str] = &["Version", "Id", "Statement"];

impl Policy {
    /// Parses and validates `json` as a document of `kind`; the error
    /// says which service refused it and in which words.
    pub fn parse(json: &str, kind: PolicyKind<'_>) -> Result<Policy, PolicyError> {
        Self::parse_fault(json, kind).map_err(|fault| match kind {
            PolicyKind::Identity => PolicyError::Identity(fault),
            PolicyKind::Bucket { .. } => PolicyError::Bucket(fault),
        })
    }

    fn parse_fault(json: &str, kind: PolicyKind<'_>) -> Result<Policy, Fault> {
        let doc: Value = match serde_json::from_str(json) {
            Ok(doc) => doc,
            Err(_) if !json.trim_start().starts_with('{') => return Err(Fault::NotAnObject),
            Err(_) => return Err(Fault::InvalidJson),
        };
        let Value::Object(fields) = &doc else {
            return Err(Fault::NotAnObject);
        };
        if let Some(unknown) = fields
            .keys()
            .find(|k| !DOCUMENT_FIELDS.contains(&k.as_str()))
        {
            return Err(Fault::UnknownField(unknown.clone()));
        }
        let version = match fields.get("Version") {
            None => Version::V2008_10_17,
            Some(Value::String(v)) if v == "2012-10-17" => Version::V2012_10_17,
            Some(Value::String(v)) if v == "2008-10-17" => Version::V2008_10_17,
            Some(_) => return Err(Fault::InvalidVersion),
        };
        let id = match fields.get("Id") {
            None => None,
            Some(Value::String(id)) => Some(id.clone()),
            Some(_) => return Err(Fault::InvalidField("Id".into())),
        };
        let variables = version == Version::V2012_10_17;
        let raw_statements: Vec<&Value> = match fields.get("Statement") {
            None => return Err(Fault::MissingStatement),
            Some(Value::Array(items)) if items.is_empty() => return Err(Fault::EmptyStatement),
            Some(Value::Array(items)) => items.iter().collect(),
            Some(single) => vec![single],
        };
        let mut statements = Vec::with_capacity(raw_statements.len());
        for raw in raw_statements {
            let st = Statement::parse(raw, kind, variables)?;
            // IAM insists on unique Sids; S3 bucket policies do not.
            if let (PolicyKind::Identity, Some(sid)) = (kind, &st.sid) {
                let seen = statements
                    .iter()
                    .any(|s: &Statement| s.sid.as_ref() == Some(sid));
                if seen {
                    return Err(Fault::DuplicateSid(sid.clone()));
                }
            }
            statements.push(st);
        }
        Ok(Policy {
            version,
            id,
            statements,
        })
    }

    /// What this policy says about the request: an explicit deny from any
    /// matching statement beats an allow from another.
    pub fn evaluate(&self, ctx: &RequestContext<'_>) -> Effect {
        let mut allowed = false;
        for st in &self.statements {
            if st.applies(ctx) {
                match st.grant {
                    Grant::Deny => return Effect::Deny,
                    Grant::Allow => allowed = true,
                }
            }
        }
        if allowed {
            Effect::Allow
        } else {
            Effect::NotApplicable
        }
    }

    /// Whether the policy grants public access, as GetBucketPolicyStatus
    /// reports it (see `public` for AWS's definition).
    pub fn is_public(&self) -> bool {
        public::is_public(&self.statements)
    }

    /// The declared language version.
    pub fn version(&self) -> Version {
        self.version
    }

    /// The document's `Id`, if any.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// How many statements the document has.
    pub fn statement_count(&self) -> usize {
        self.statements.len()
    }

    /// The IAM ARNs and account ids named in `Principal` / `NotPrincipal`,
    /// so the caller can refuse a policy naming principals that do not
    /// exist ("Invalid principal in policy"), as AWS does.
    pub fn named_principals(&self) -> impl Iterator<Item = &str> {
        self.statements
            .iter()
            .filter_map(|st| match &st.who {
                Some(Who::Listed(p) | Who::AllBut(p)) => Some(p.entries()),
                None => None,
            })
            .flatten()
            .filter_map(|entry| match entry {
                PrincipalSpec::Account(a) => Some(a.as_str()),
                PrincipalSpec::Arn(a) => Some(a.as_str()),
                _ => None,
            })
    }
}
