//! Table-driven tests of the policy module.
//!
//! Owns: the shared fixtures (principals, condition values, one-statement
//! policies) and the check that the tables hold at least 150 cases.
//! Must never: print on success; a failing table names every failing row.
//! Rows taken from AWS's IAM or S3 documentation say so next to them.

mod combine;
mod conditions;
mod matching;
mod parse;
mod public;
mod units;
mod variables;

use super::{
    ConditionValues, Decision, Effect, Policy, PolicyKind, Principal, RequestContext, decide,
};

/// Condition values as a table writes them.
pub(super) type Keys = &'static [(&'static str, &'static [&'static str])];

/// The requesters the tables use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Who {
    Anon,
    /// `alice` in 111122223333, canonical id `c1`.
    Alice,
    /// `bob` in 111122223333.
    Bob,
    /// The root user of 111122223333.
    Root,
    /// `carol` in another account, 444455556666.
    Carol,
}

pub(super) const ACCOUNT: &str = "111122223333";

pub(super) fn principal(who: Who) -> Principal {
    match who {
        Who::Anon => Principal::Anonymous,
        Who::Alice => Principal::user(ACCOUNT, "alice", "AIDAALICE").with_canonical_id("c1"),
        Who::Bob => Principal::user(ACCOUNT, "bob", "AIDABOB"),
        Who::Root => Principal::root(ACCOUNT).with_canonical_id("c1"),
        Who::Carol => Principal::user("444455556666", "carol", "AIDACAROL"),
    }
}

pub(super) fn keys(pairs: Keys) -> ConditionValues {
    let mut values = ConditionValues::new();
    for (key, vals) in pairs {
        values.set(key, vals.iter().copied());
    }
    values
}

pub(super) fn run(policy: &Policy, action: &str, resource: &str, who: Who, pairs: Keys) -> Effect {
    let principal = principal(who);
    let keys = keys(pairs);
    policy.evaluate(&RequestContext {
        action,
        resource,
        principal: &principal,
        keys: &keys,
    })
}

/// Parses a document of `kind`, naming the row when it is refused.
pub(super) fn parse(name: &str, json: &str, kind: PolicyKind<'_>) -> Result<Policy, String> {
    Policy::parse(json, kind).map_err(|e| format!("{name}: refused: {e}"))
}

/// Asserts a table ran clean; `failures` names each failing row.
pub(super) fn assert_clean(table: &str, failures: &[String]) {
    assert!(failures.is_empty(), "{table}: {failures:#?}");
}

#[test]
fn accessors_and_value_helpers() {
    let json = r#"{"Version":"2012-10-17","Id":"P1","Statement":[
        {"Effect":"Allow","Principal":{"AWS":["111122223333","arn:aws:iam::444455556666:user/carol"]},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"},
        {"Effect":"Deny","NotPrincipal":{"CanonicalUser":"c1"},"Action":"s3:DeleteObject","Resource":"arn:aws:s3:::b/*"}]}"#;
    let policy = parse("accessors", json, PolicyKind::Bucket { bucket: "b" }).expect("valid");
    assert_eq!(policy.id(), Some("P1"));
    assert_eq!(policy.version(), super::Version::V2012_10_17);
    assert_eq!(policy.statement_count(), 2);
    let named: Vec<&str> = policy.named_principals().collect();
    assert_eq!(
        named,
        ["111122223333", "arn:aws:iam::444455556666:user/carol"]
    );

    let mut values = ConditionValues::new().with("S3:Prefix", "a");
    values.insert("s3:PREFIX", "b");
    assert_eq!(
        values.get("s3:prefix"),
        Some(&["a".to_owned(), "b".to_owned()][..])
    );
    assert_eq!(values.len(), 1);
    values.set("aws:TagKeys", Vec::<String>::new());
    assert_eq!(values.len(), 1, "a key without values is absent");
    assert_eq!(values.remove("s3:prefix").map(|v| v.len()), Some(2));
    assert!(values.is_empty());

    let err = Policy::parse("{", PolicyKind::Identity).expect_err("not JSON");
    assert_eq!(err.code(), "MalformedPolicyDocument");
    assert_eq!(err.fault(), &super::Fault::InvalidJson);
}

#[test]
fn suite_has_at_least_150_cases() {
    let total = conditions::CASES.len()
        + variables::CASES.len()
        + matching::CASES.len()
        + combine::CASES.len()
        + combine::DECIDE.len()
        + parse::CASES.len()
        + parse::MESSAGES.len()
        + public::CASES.len()
        + units::DATES.len()
        + units::GLOBS.len();
    assert!(total >= 150, "only {total} cases");
}
