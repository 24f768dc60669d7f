//! `Policy::is_public`, as GetBucketPolicyStatus reports it.
//!
//! Owns: a table of bucket-policy statements and whether they make the
//! policy public. Rows marked AWS come from "The meaning of public" in
//! the S3 user guide.
//! Must never: evaluate requests.

use super::{PolicyKind, assert_clean, parse};

/// (row, statements (JSON array body), public?)
#[rustfmt::skip]
pub(super) const CASES: &[(&str, &str, bool)] = &[
    ("Principal * (AWS)", r#"{"Principal":"*","Resource":"arn:aws:s3:::b/*","Action":"s3:PutObject","Effect":"Allow"}"#, true),
    ("AWS *", r#"{"Principal":{"AWS":"*"},"Resource":"arn:aws:s3:::b/*","Action":"s3:GetObject","Effect":"Allow"}"#, true),
    ("Federated principal (AWS)", r#"{"Principal":{"Federated":"graph.facebook.com"},"Resource":"arn:aws:s3:::b/*","Action":"s3:PutObject","Effect":"Allow"}"#, true),
    ("fixed account", r#"{"Principal":{"AWS":"111122223333"},"Resource":"arn:aws:s3:::b/*","Action":"s3:GetObject","Effect":"Allow"}"#, false),
    ("fixed user", r#"{"Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Resource":"arn:aws:s3:::b/*","Action":"s3:*","Effect":"Allow"}"#, false),
    ("wildcard SourceVpc (AWS)", r#"{"Principal":"*","Resource":"arn:aws:s3:::b/*","Action":"s3:PutObject","Effect":"Allow","Condition":{"StringLike":{"aws:SourceVpc":"vpc-*"}}}"#, true),
    ("fixed SourceVpc (AWS)", r#"{"Principal":"*","Resource":"arn:aws:s3:::b/*","Action":"s3:PutObject","Effect":"Allow","Condition":{"StringEquals":{"aws:SourceVpc":"vpc-91237329"}}}"#, false),
    ("SourceIp CIDR set", r#"{"Principal":"*","Resource":"arn:aws:s3:::b/*","Action":"s3:GetObject","Effect":"Allow","Condition":{"IpAddress":{"aws:SourceIp":["203.0.113.0/24","2001:db8::/32"]}}}"#, false),
    ("SourceIp 0.0.0.0/0", r#"{"Principal":"*","Resource":"arn:aws:s3:::b/*","Action":"s3:GetObject","Effect":"Allow","Condition":{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}}"#, true),
    ("SourceIp ::/0 among others", r#"{"Principal":"*","Resource":"arn:aws:s3:::b/*","Action":"s3:GetObject","Effect":"Allow","Condition":{"IpAddress":{"aws:SourceIp":["203.0.113.0/24","::/0"]}}}"#, true),
    ("NotIpAddress restricts nothing", r#"{"Principal":"*","Resource":"arn:aws:s3:::b/*","Action":"s3:GetObject","Effect":"Allow","Condition":{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}"#, true),
    ("Deny to everyone is not public", r#"{"Principal":"*","Resource":"arn:aws:s3:::b/*","Action":"s3:*","Effect":"Deny"}"#, false),
    ("Allow with NotPrincipal", r#"{"NotPrincipal":{"AWS":"111122223333"},"Resource":"arn:aws:s3:::b/*","Action":"s3:GetObject","Effect":"Allow"}"#, true),
    ("userid role pattern AROLEID:* (AWS)", r#"{"Principal":"*","Resource":"arn:aws:s3:::b/*","Action":"s3:GetObject","Effect":"Allow","Condition":{"StringLike":{"aws:userid":"AROAEXAMPLEID:*"}}}"#, true),
    ("fixed userid", r#"{"Principal":"*","Resource":"arn:aws:s3:::b/*","Action":"s3:GetObject","Effect":"Allow","Condition":{"StringEquals":{"aws:userid":"AIDAEXAMPLE"}}}"#, false),
    ("IfExists lets absent keys through", r#"{"Principal":"*","Resource":"arn:aws:s3:::b/*","Action":"s3:GetObject","Effect":"Allow","Condition":{"StringEqualsIfExists":{"aws:SourceVpce":"vpce-1a2b3c4d"}}}"#, true),
    ("negated operator restricts nothing", r#"{"Principal":"*","Resource":"arn:aws:s3:::b/*","Action":"s3:GetObject","Effect":"Allow","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1a2b3c4d"}}}"#, true),
    ("fixed PrincipalOrgID (AWS)", r#"{"Principal":"*","Resource":"arn:aws:s3:::b/*","Action":"s3:GetObject","Effect":"Allow","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc123"}}}"#, false),
    ("fixed SourceAccount", r#"{"Principal":"*","Resource":"arn:aws:s3:::b/*","Action":"s3:PutObject","Effect":"Allow","Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"}}}"#, false),
    ("fixed SourceArn", r#"{"Principal":"*","Resource":"arn:aws:s3:::b/*","Action":"s3:PutObject","Effect":"Allow","Condition":{"ArnEquals":{"aws:SourceArn":"arn:aws:cloudtrail:us-east-1:111122223333:trail/t"}}}"#, false),
    ("access point name wildcard, fixed account (AWS)", r#"{"Principal":"*","Resource":"arn:aws:s3:::b/*","Action":"s3:GetObject","Effect":"Allow","Condition":{"ArnLike":{"s3:DataAccessPointArn":"arn:aws:s3:us-west-2:123456789012:accesspoint/*"}}}"#, false),
    ("access point account wildcard", r#"{"Principal":"*","Resource":"arn:aws:s3:::b/*","Action":"s3:GetObject","Effect":"Allow","Condition":{"ArnLike":{"s3:DataAccessPointArn":"arn:aws:s3:us-west-2:*:accesspoint/*"}}}"#, true),
    ("a key AWS does not list", r#"{"Principal":"*","Resource":"arn:aws:s3:::b/*","Action":"s3:GetObject","Effect":"Allow","Condition":{"StringEquals":{"s3:prefix":"home/"}}}"#, true),
    ("referer is no restriction", r#"{"Principal":"*","Resource":"arn:aws:s3:::b/*","Action":"s3:GetObject","Effect":"Allow","Condition":{"StringLike":{"aws:Referer":"http://www.example.com/*"}}}"#, true),
    ("variable is not a fixed value", r#"{"Principal":"*","Resource":"arn:aws:s3:::b/*","Action":"s3:GetObject","Effect":"Allow","Condition":{"StringEquals":{"aws:SourceAccount":"${aws:PrincipalAccount}"}}}"#, true),
    ("ForAllValues lets absent keys through", r#"{"Principal":"*","Resource":"arn:aws:s3:::b/*","Action":"s3:GetObject","Effect":"Allow","Condition":{"ForAllValues:StringEquals":{"aws:SourceVpc":"vpc-1"}}}"#, true),
    ("CanonicalUser principal", r#"{"Principal":{"CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},"Resource":"arn:aws:s3:::b/*","Action":"s3:GetObject","Effect":"Allow"}"#, false),
    ("Service principal", r#"{"Principal":{"Service":"logging.s3.amazonaws.com"},"Resource":"arn:aws:s3:::b/*","Action":"s3:PutObject","Effect":"Allow"}"#, false),
    // S3 user guide, the three-statement example: one public statement
    // makes the whole policy public.
    ("one public statement among fixed ones (AWS)", r#"{"Principal":{"Service":"cloudtrail.amazonaws.com"},"Resource":"arn:aws:s3:::b/*","Action":"s3:PutObject","Effect":"Allow"},{"Principal":{"AWS":"444455556666"},"Resource":"arn:aws:s3:::b/*","Action":"s3:GetObject","Effect":"Allow"},{"Principal":"*","Resource":"arn:aws:s3:::b/*","Action":"s3:GetObject","Effect":"Allow"}"#, true),
    ("the same without the public statement (AWS)", r#"{"Principal":{"Service":"cloudtrail.amazonaws.com"},"Resource":"arn:aws:s3:::b/*","Action":"s3:PutObject","Effect":"Allow"},{"Principal":{"AWS":"444455556666"},"Resource":"arn:aws:s3:::b/*","Action":"s3:GetObject","Effect":"Allow"}"#, false),
];

#[test]
fn public_table() {
    let mut failures = Vec::new();
    for (name, statements, want) in CASES {
        let json = format!(r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#);
        match parse(name, &json, PolicyKind::Bucket { bucket: "b" }) {
            Ok(p) if p.is_public() != *want => {
                failures.push(format!("{name}: is_public {}", p.is_public()));
            }
            Ok(_) => {}
            Err(e) => failures.push(e),
        }
    }
    assert_clean("public", &failures);
}

#[test]
fn identity_policies_are_never_public() {
    let json = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;
    let policy = parse("identity", json, PolicyKind::Identity).expect("valid identity policy");
    assert!(!policy.is_public());
}
