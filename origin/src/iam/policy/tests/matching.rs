//! Action, Resource and Principal matching, and their `Not...` forms.
//!
//! Owns: one table of single-statement policies (bucket `b` or identity)
//! evaluated against one request each.
//! Must never: test conditions (see `conditions`).

use super::{ACCOUNT, Effect, PolicyKind, Who, assert_clean, parse, run};

const ALLOW: Effect = Effect::Allow;
const DENY: Effect = Effect::Deny;
const NONE: Effect = Effect::NotApplicable;

/// (row, bucket policy?, statement, action, resource, who, verdict)
#[rustfmt::skip]
#[allow(clippy::type_complexity)]
pub(super) const CASES: &[(&str, bool, &str, &str, &str, Who, Effect)] = &[
    // Actions.
    ("action exact", false, r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}"#, "s3:GetObject", "arn:aws:s3:::b/k", Who::Alice, ALLOW),
    ("action names ignore case", false, r#"{"Effect":"Allow","Action":"S3:getobject","Resource":"*"}"#, "s3:GetObject", "arn:aws:s3:::b/k", Who::Alice, ALLOW),
    ("request action case ignored too", false, r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}"#, "S3:GETOBJECT", "arn:aws:s3:::b/k", Who::Alice, ALLOW),
    ("action prefix wildcard", false, r#"{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}"#, "s3:GetObjectAcl", "arn:aws:s3:::b/k", Who::Alice, ALLOW),
    ("action prefix wildcard, other verb", false, r#"{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}"#, "s3:PutObject", "arn:aws:s3:::b/k", Who::Alice, NONE),
    ("action infix wildcard", false, r#"{"Effect":"Allow","Action":"s3:*Object","Resource":"*"}"#, "s3:DeleteObject", "arn:aws:s3:::b/k", Who::Alice, ALLOW),
    ("action ? wildcard", false, r#"{"Effect":"Allow","Action":"s3:?etObject","Resource":"*"}"#, "s3:GetObject", "arn:aws:s3:::b/k", Who::Alice, ALLOW),
    ("action * is every action", false, r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#, "iam:CreateUser", "arn:aws:iam::111122223333:user/x", Who::Alice, ALLOW),
    ("action wildcard does not cross services", false, r#"{"Effect":"Allow","Action":"s3:*","Resource":"*"}"#, "iam:CreateUser", "*", Who::Alice, NONE),
    ("action list", false, r#"{"Effect":"Allow","Action":["s3:PutObject","s3:GetObject"],"Resource":"*"}"#, "s3:GetObject", "arn:aws:s3:::b/k", Who::Alice, ALLOW),
    ("NotAction other action", false, r#"{"Effect":"Allow","NotAction":"s3:DeleteObject","Resource":"*"}"#, "s3:GetObject", "arn:aws:s3:::b/k", Who::Alice, ALLOW),
    ("NotAction listed action", false, r#"{"Effect":"Allow","NotAction":"s3:DeleteObject","Resource":"*"}"#, "s3:DeleteObject", "arn:aws:s3:::b/k", Who::Alice, NONE),
    ("NotAction wildcard in a Deny", false, r#"{"Effect":"Deny","NotAction":"s3:Get*","Resource":"*"}"#, "s3:PutObject", "arn:aws:s3:::b/k", Who::Alice, DENY),
    ("iam action wildcard (AWS *AccessKey* example)", false, r#"{"Effect":"Allow","Action":"iam:*AccessKey*","Resource":"arn:aws:iam::111122223333:user/${aws:username}"}"#, "iam:CreateAccessKey", "arn:aws:iam::111122223333:user/alice", Who::Alice, ALLOW),
    // Resources.
    ("bucket ARN does not name its objects", true, r#"{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b"}"#, "s3:GetObject", "arn:aws:s3:::b/k", Who::Alice, NONE),
    ("object wildcard does not name the bucket", true, r#"{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b/*"}"#, "s3:ListBucket", "arn:aws:s3:::b", Who::Alice, NONE),
    ("object wildcard names an object", true, r#"{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b/*"}"#, "s3:GetObject", "arn:aws:s3:::b/a/b/c", Who::Alice, ALLOW),
    ("bucket and objects listed (AWS example)", true, r#"{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"]}"#, "s3:ListBucket", "arn:aws:s3:::b", Who::Alice, ALLOW),
    ("resources are case-sensitive", true, r#"{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b/Photos/*"}"#, "s3:GetObject", "arn:aws:s3:::b/photos/x", Who::Alice, NONE),
    ("resource ? wildcard", true, r#"{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b/file?.txt"}"#, "s3:GetObject", "arn:aws:s3:::b/file1.txt", Who::Alice, ALLOW),
    ("resource ? is exactly one character", true, r#"{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b/file?.txt"}"#, "s3:GetObject", "arn:aws:s3:::b/file12.txt", Who::Alice, NONE),
    ("bucket-name wildcard also names other buckets", false, r#"{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b*"}"#, "s3:GetObject", "arn:aws:s3:::b2/x", Who::Alice, ALLOW),
    ("NotResource outside", true, r#"{"Effect":"Allow","Principal":"*","Action":"s3:*","NotResource":"arn:aws:s3:::b/private/*"}"#, "s3:GetObject", "arn:aws:s3:::b/public/x", Who::Alice, ALLOW),
    ("NotResource inside", true, r#"{"Effect":"Allow","Principal":"*","Action":"s3:*","NotResource":"arn:aws:s3:::b/private/*"}"#, "s3:GetObject", "arn:aws:s3:::b/private/x", Who::Alice, NONE),
    ("identity Resource *", false, r#"{"Effect":"Allow","Action":"s3:*","Resource":"*"}"#, "s3:GetObject", "arn:aws:s3:::anything/at/all", Who::Alice, ALLOW),
    ("multi-byte object keys", true, r#"{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b/日本/*"}"#, "s3:GetObject", "arn:aws:s3:::b/日本/語.txt", Who::Alice, ALLOW),
    ("? matches one multi-byte character", true, r#"{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b/日?"}"#, "s3:GetObject", "arn:aws:s3:::b/日本", Who::Alice, ALLOW),
    // Principals.
    ("Principal * includes anonymous", true, r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}"#, "s3:GetObject", "arn:aws:s3:::b/k", Who::Anon, ALLOW),
    ("AWS * includes anonymous", true, r#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}"#, "s3:GetObject", "arn:aws:s3:::b/k", Who::Anon, ALLOW),
    ("user ARN names that user", true, r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"s3:*","Resource":"arn:aws:s3:::b/*"}"#, "s3:GetObject", "arn:aws:s3:::b/k", Who::Alice, ALLOW),
    ("user ARN, another user", true, r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"s3:*","Resource":"arn:aws:s3:::b/*"}"#, "s3:GetObject", "arn:aws:s3:::b/k", Who::Bob, NONE),
    ("account id names its users", true, r#"{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"s3:*","Resource":"arn:aws:s3:::b/*"}"#, "s3:GetObject", "arn:aws:s3:::b/k", Who::Bob, ALLOW),
    ("account id, another account", true, r#"{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"s3:*","Resource":"arn:aws:s3:::b/*"}"#, "s3:GetObject", "arn:aws:s3:::b/k", Who::Carol, NONE),
    ("root ARN names the account's users", true, r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:*","Resource":"arn:aws:s3:::b/*"}"#, "s3:GetObject", "arn:aws:s3:::b/k", Who::Alice, ALLOW),
    ("root ARN names the root user", true, r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:*","Resource":"arn:aws:s3:::b/*"}"#, "s3:GetObject", "arn:aws:s3:::b/k", Who::Root, ALLOW),
    ("account principal excludes anonymous", true, r#"{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"s3:*","Resource":"arn:aws:s3:::b/*"}"#, "s3:GetObject", "arn:aws:s3:::b/k", Who::Anon, NONE),
    ("CanonicalUser id", true, r#"{"Effect":"Allow","Principal":{"CanonicalUser":"c1"},"Action":"s3:*","Resource":"arn:aws:s3:::b/*"}"#, "s3:GetObject", "arn:aws:s3:::b/k", Who::Alice, ALLOW),
    ("CanonicalUser id, principal without one", true, r#"{"Effect":"Allow","Principal":{"CanonicalUser":"c1"},"Action":"s3:*","Resource":"arn:aws:s3:::b/*"}"#, "s3:GetObject", "arn:aws:s3:::b/k", Who::Bob, NONE),
    ("NotPrincipal Deny hits everyone else", true, r#"{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"s3:*","Resource":"arn:aws:s3:::b/*"}"#, "s3:GetObject", "arn:aws:s3:::b/k", Who::Bob, DENY),
    ("NotPrincipal Deny spares the listed user", true, r#"{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"s3:*","Resource":"arn:aws:s3:::b/*"}"#, "s3:GetObject", "arn:aws:s3:::b/k", Who::Alice, NONE),
    ("NotPrincipal account, anonymous is other", true, r#"{"Effect":"Deny","NotPrincipal":{"AWS":"111122223333"},"Action":"s3:*","Resource":"arn:aws:s3:::b/*"}"#, "s3:GetObject", "arn:aws:s3:::b/k", Who::Anon, DENY),
    ("Service principal is never a user", true, r#"{"Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::b/*"}"#, "s3:PutObject", "arn:aws:s3:::b/k", Who::Alice, NONE),
    ("principal list", true, r#"{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:user/alice","arn:aws:iam::111122223333:user/bob"]},"Action":"s3:*","Resource":"arn:aws:s3:::b/*"}"#, "s3:GetObject", "arn:aws:s3:::b/k", Who::Bob, ALLOW),
    ("identity policies apply to whoever holds them", false, r#"{"Effect":"Allow","Action":"s3:*","Resource":"*"}"#, "s3:GetObject", "arn:aws:s3:::b/k", Who::Carol, ALLOW),
];

#[test]
fn matching_table() {
    assert_eq!(ACCOUNT, "111122223333");
    let mut failures = Vec::new();
    for (name, bucket, statement, action, resource, who, want) in CASES {
        let json = format!(r#"{{"Version":"2012-10-17","Statement":[{statement}]}}"#);
        let kind = if *bucket {
            PolicyKind::Bucket { bucket: "b" }
        } else {
            PolicyKind::Identity
        };
        let policy = match parse(name, &json, kind) {
            Ok(p) => p,
            Err(e) => {
                failures.push(e);
                continue;
            }
        };
        let got = run(&policy, action, resource, *who, &[]);
        if got != *want {
            failures.push(format!("{name}: got {got:?}, want {want:?}"));
        }
    }
    assert_clean("matching", &failures);
}
