//! Several policies on one request: explicit deny wins, then any allow.
//!
//! Owns: a table of (bucket policy, identity policy, ACL) combinations run
//! through `Policy::evaluate` and `decide`, and a table of `decide` alone.
//! Must never: re-test single-statement matching (see `matching`).

use super::{Decision, Effect, Keys, PolicyKind, Who, assert_clean, decide, parse, run};

const BUCKET_ALLOW: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#;
const BUCKET_DENY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b/*"}]}"#;
const BUCKET_NONE: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::b/*"}]}"#;
const USER_ALLOW: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;
const USER_DENY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#;
const USER_NONE: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}"#;
/// One document, both an allow and a deny that apply.
const USER_BOTH: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"},{"Effect":"Deny","Action":"s3:Get*","Resource":"*"}]}"#;
/// A deny whose condition does not hold.
const USER_DENY_UNLESS_TLS: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"},{"Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}"#;
// S3 user guide, bucket policy examples: deny requests not over HTTPS.
const BUCKET_TLS_ONLY: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"AllowSSLRequestsOnly","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}"#;
// S3 user guide, bucket policy examples: restricting access to an HTTP referer.
const BUCKET_REFERER: &str = r#"{"Version":"2012-10-17","Id":"HTTP referer policy example","Statement":[{"Sid":"Allow only GET requests originating from www.example.com and example.com.","Effect":"Allow","Principal":"*","Action":["s3:GetObject","s3:GetObjectVersion"],"Resource":"arn:aws:s3:::b/*","Condition":{"StringLike":{"aws:Referer":["http://www.example.com/*","http://example.com/*"]}}}]}"#;
// S3 user guide, bucket policy examples: managing access based on IP addresses.
const BUCKET_IP: &str = r#"{"Version":"2012-10-17","Id":"S3PolicyId1","Statement":[{"Sid":"IPAllow","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"],"Condition":{"NotIpAddress":{"aws:SourceIp":"192.0.2.0/24"}}}]}"#;

/// (row, bucket policy, identity policy, ACL allows?, request values, who,
/// decision) for `s3:GetObject` on `b/k`; "" means no such policy.
#[rustfmt::skip]
#[allow(clippy::type_complexity)]
pub(super) const CASES: &[(&str, &str, &str, bool, Keys, Who, Decision)] = &[
    ("bucket allows, identity silent", BUCKET_ALLOW, USER_NONE, false, &[], Who::Alice, Decision::Allow),
    ("identity allows, bucket silent", BUCKET_NONE, USER_ALLOW, false, &[], Who::Alice, Decision::Allow),
    ("bucket deny beats identity allow", BUCKET_DENY, USER_ALLOW, false, &[], Who::Alice, Decision::ExplicitDeny),
    ("identity deny beats bucket allow", BUCKET_ALLOW, USER_DENY, false, &[], Who::Alice, Decision::ExplicitDeny),
    ("nothing allows: implicit deny", BUCKET_NONE, USER_NONE, false, &[], Who::Alice, Decision::ImplicitDeny),
    ("ACL allows when policies are silent", BUCKET_NONE, USER_NONE, true, &[], Who::Alice, Decision::Allow),
    ("explicit deny beats an ACL grant", BUCKET_DENY, "", true, &[], Who::Alice, Decision::ExplicitDeny),
    ("deny and allow in one document", "", USER_BOTH, false, &[], Who::Alice, Decision::ExplicitDeny),
    ("deny whose condition fails", "", USER_DENY_UNLESS_TLS, false, &[("aws:SecureTransport", &["true"])], Who::Alice, Decision::Allow),
    ("deny whose condition holds", "", USER_DENY_UNLESS_TLS, false, &[("aws:SecureTransport", &["false"])], Who::Alice, Decision::ExplicitDeny),
    ("TLS-only bucket, plain HTTP (AWS S3 example)", BUCKET_TLS_ONLY, USER_ALLOW, false, &[("aws:SecureTransport", &["false"])], Who::Alice, Decision::ExplicitDeny),
    ("TLS-only bucket, HTTPS (AWS S3 example)", BUCKET_TLS_ONLY, USER_ALLOW, false, &[("aws:SecureTransport", &["true"])], Who::Alice, Decision::Allow),
    ("referer policy, right referer (AWS S3 example)", BUCKET_REFERER, "", false, &[("aws:Referer", &["http://www.example.com/index.html"])], Who::Anon, Decision::Allow),
    ("referer policy, no referer (AWS S3 example)", BUCKET_REFERER, "", false, &[], Who::Anon, Decision::ImplicitDeny),
    ("IP deny, outside range (AWS S3 example)", BUCKET_IP, USER_ALLOW, false, &[("aws:SourceIp", &["203.0.113.1"])], Who::Alice, Decision::ExplicitDeny),
    ("IP deny, inside range (AWS S3 example)", BUCKET_IP, USER_ALLOW, false, &[("aws:SourceIp", &["192.0.2.44"])], Who::Alice, Decision::Allow),
    ("anonymous gets nothing from identity policies", BUCKET_NONE, "", false, &[], Who::Anon, Decision::ImplicitDeny),
];

/// (row, verdicts, ACL allows?, decision)
#[rustfmt::skip]
pub(super) const DECIDE: &[(&str, &[Effect], bool, Decision)] = &[
    ("no policies", &[], false, Decision::ImplicitDeny),
    ("no policies, ACL", &[], true, Decision::Allow),
    ("one allow", &[Effect::Allow], false, Decision::Allow),
    ("deny last", &[Effect::Allow, Effect::NotApplicable, Effect::Deny], false, Decision::ExplicitDeny),
    ("deny first", &[Effect::Deny, Effect::Allow], true, Decision::ExplicitDeny),
    ("only not-applicable", &[Effect::NotApplicable, Effect::NotApplicable], false, Decision::ImplicitDeny),
];

#[test]
fn combine_table() {
    let mut failures = Vec::new();
    for (name, bucket, user, acl, pairs, who, want) in CASES {
        let mut verdicts = Vec::new();
        for (json, kind) in [
            (*bucket, PolicyKind::Bucket { bucket: "b" }),
            (*user, PolicyKind::Identity),
        ] {
            if json.is_empty() {
                continue;
            }
            match parse(name, json, kind) {
                Ok(p) => verdicts.push(run(&p, "s3:GetObject", "arn:aws:s3:::b/k", *who, pairs)),
                Err(e) => failures.push(e),
            }
        }
        let got = decide(verdicts, *acl);
        if got != *want {
            failures.push(format!("{name}: got {got:?}, want {want:?}"));
        }
    }
    assert_clean("combine", &failures);
}

#[test]
fn decide_table() {
    let failures: Vec<String> = DECIDE
        .iter()
        .filter(|(_, verdicts, acl, want)| decide(verdicts.iter().copied(), *acl) != *want)
        .map(|(name, ..)| (*name).to_owned())
        .collect();
    assert_clean("decide", &failures);
}
