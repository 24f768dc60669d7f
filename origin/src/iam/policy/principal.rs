//! Who makes a request, and the `Principal` / `NotPrincipal` element that
//! names who a bucket-policy statement is about.
//!
//! Owns: [`Principal`] (the requester, as the caller authenticated it),
//! parsing and validating the element, and matching one against the other.
//! Must never: look principals up (whether a named user exists is the
//! caller's question, see `Policy::named_principals`).

use serde_json::Value;

use super::error::Fault;

/// The authenticated requester.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// No credentials (or a presigned URL of nobody).
    Anonymous,
    /// An account's root user.
    Root {
        /// 12-digit account id.
        account: String,
        /// The S3 canonical user id of the account, where known.
        canonical_id: Option<String>,
    },
    /// An IAM user.
    User {
        /// 12-digit account id.
        account: String,
        /// Friendly name (`aws:username`).
        name: String,
        /// `arn:aws:iam::<account>:user/<path><name>`.
        arn: String,
        /// Unique id (`aws:userid`), e.g. `AIDA...`.
        user_id: String,
        /// The S3 canonical user id of the account, where known.
        canonical_id: Option<String>,
    },
}

impl Principal {
    /// A root user without a canonical id.
    pub fn root(account: &str) -> Principal {
        Principal::Root {
            account: account.to_owned(),
            canonical_id: None,
        }
    }

    /// An IAM user at path `/`.
    pub fn user(account: &str, name: &str, user_id: &str) -> Principal {
        Principal::User {
            account: account.to_owned(),
            name: name.to_owned(),
            arn: format!("arn:aws:iam::{account}:user/{name}"),
            user_id: user_id.to_owned(),
            canonical_id: None,
        }
    }

    /// The same principal with its account's canonical user id.
    pub fn with_canonical_id(mut self, id: &str) -> Principal {
        match &mut self {
            Principal::Anonymous => {}
            Principal::Root { canonical_id, .. } | Principal::User { canonical_id, .. } => {
                *canonical_id = Some(id.to_owned());
            }
        }
        self
    }

    /// The account, unless anonymous.
    pub fn account(&self) -> Option<&str> {
        match self {
            Principal::Anonymous => None,
            Principal::Root { account, .. } | Principal::User { account, .. } => Some(account),
        }
    }

    fn canonical_id(&self) -> Option<&str> {
        match self {
            Principal::Anonymous => None,
            Principal::Root { canonical_id, .. } | Principal::User { canonical_id, .. } => {
                canonical_id.as_deref()
            }
        }
    }
}

/// One entry of a `Principal` element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum PrincipalSpec {
    /// `"*"` or `{"AWS": "*"}`: everyone, anonymous included.
    Any,
    /// `{"AWS": "<account>"}` or `arn:aws:iam::<account>:root`: every
    /// principal of the account.
    Account(String),
    /// `{"AWS": "arn:..."}` naming one user, role or session.
    Arn(String),
    /// `{"CanonicalUser": "<id>"}`.
    Canonical(String),
    /// `{"Service": "..."}`: a service principal; no requester here is one.
    Service(String),
    /// `{"Federated": "..."}`: a web-identity provider; likewise never us.
    Federated(String),
}

/// A parsed `Principal` or `NotPrincipal` element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Principals {
    entries: Vec<PrincipalSpec>,
}

impl Principals {
    pub(super) fn parse(value: &Value) -> Result<Principals, Fault> {
        let mut entries = Vec::new();
        match value {
            Value::String(s) if s == "*" => entries.push(PrincipalSpec::Any),
            Value::Object(map) if !map.is_empty() => {
                for (kind, names) in map {
                    for name in strings(names)? {
                        entries.push(parse_entry(kind, name)?);
                    }
                }
            }
            _ => return Err(Fault::InvalidPrincipal),
        }
        Ok(Principals { entries })
    }

    pub(super) fn entries(&self) -> &[PrincipalSpec] {
        &self.entries
    }

    /// Whether any entry names `who`.
    pub(super) fn matches(&self, who: &Principal) -> bool {
        self.entries.iter().any(|entry| entry_matches(entry, who))
    }
}

fn entry_matches(entry: &PrincipalSpec, who: &Principal) -> bool {
    match (entry, who) {
        (PrincipalSpec::Any, _) => true,
        (PrincipalSpec::Account(acct), _) => who.account() == Some(acct.as_str()),
        (PrincipalSpec::Arn(arn), Principal::User { arn: mine, .. }) => arn == mine,
        (PrincipalSpec::Canonical(id), _) => who.canonical_id() == Some(id.as_str()),
        _ => false,
    }
}

/// A principal value is a string or a non-empty array of strings.
fn strings(value: &Value) -> Result<Vec<&str>, Fault> {
    match value {
        Value::String(s) => Ok(vec![s.as_str()]),
        Value::Array(items) if !items.is_empty() => items
            .iter()
            .map(|v| v.as_str().ok_or(Fault::InvalidPrincipal))
            .collect(),
        _ => Err(Fault::InvalidPrincipal),
    }
}

fn parse_entry(kind: &str, name: &str) -> Result<PrincipalSpec, Fault> {
    let plain = !name.is_empty() && !name.contains(['*', '?']);
    match kind {
        "AWS" if name == "*" => Ok(PrincipalSpec::Any),
        "AWS" if is_account_id(name) => Ok(PrincipalSpec::Account(name.to_owned())),
        "AWS" if plain => parse_aws_arn(name),
        "CanonicalUser" if plain => Ok(PrincipalSpec::Canonical(name.to_owned())),
        "Service" if plain => Ok(PrincipalSpec::Service(name.to_owned())),
        "Federated" if plain => Ok(PrincipalSpec::Federated(name.to_owned())),
        _ => Err(Fault::InvalidPrincipal),
    }
}

/// `arn:aws:iam::<account>:root|user/...|role/...` or an STS session.
/// AWS allows no wildcard here other than a lone `*`.
fn parse_aws_arn(arn: &str) -> Result<PrincipalSpec, Fault> {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(partition), Some(service), Some(""), Some(account), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return Err(Fault::InvalidPrincipal);
    };
    if partition.is_empty() || !is_account_id(account) {
        return Err(Fault::InvalidPrincipal);
    }
    match service {
        "iam" if resource == "root" => Ok(PrincipalSpec::Account(account.to_owned())),
        "iam" if has_named_tail(resource, &["user/", "role/"]) => {
            Ok(PrincipalSpec::Arn(arn.to_owned()))
        }
        "sts" if has_named_tail(resource, &["assumed-role/", "federated-user/"]) => {
            Ok(PrincipalSpec::Arn(arn.to_owned()))
        }
        _ => Err(Fault::InvalidPrincipal),
    }
}

fn has_named_tail(resource: &str, kinds: &[&str]) -> bool {
    kinds.iter().any(|kind| {
        resource
            .strip_prefix(kind)
            .is_some_and(|rest| !rest.is_empty() && !rest.ends_with('/'))
    })
}

/// AWS account ids are exactly 12 ASCII digits.
pub(super) fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}
