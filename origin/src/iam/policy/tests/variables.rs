//! Policy variables in `Resource` and `Condition` values.
//!
//! Owns: one table of identity policies with `${...}`: present and absent
//! keys, defaults, the `${*}` `${?}` `${$}` escapes, version 2008-10-17
//! (variables are literal), and substituted text never acting as a
//! wildcard.
//! Must never: test variables in elements where AWS forbids them beyond
//! the one refusal row in `parse`.

use super::{Effect, Keys, PolicyKind, Who, assert_clean, parse, run};

const V12: &str = "2012-10-17";
const V08: &str = "2008-10-17";

/// (row, Version, Resource, Condition or "", request resource, who,
/// request values, whether the statement applies)
#[rustfmt::skip]
#[allow(clippy::type_complexity)]
pub(super) const CASES: &[(&str, &str, &str, &str, &str, Who, Keys, bool)] = &[
    // IAM user guide, policy variables: a home directory per user.
    ("username in resource (AWS home-directory example)", V12, "arn:aws:s3:::b/home/${aws:username}/*", "", "arn:aws:s3:::b/home/alice/x", Who::Alice, &[], true),
    ("username in resource, someone else's home", V12, "arn:aws:s3:::b/home/${aws:username}/*", "", "arn:aws:s3:::b/home/bob/x", Who::Alice, &[], false),
    ("absent variable never matches", V12, "arn:aws:s3:::b/home/${aws:username}/*", "", "arn:aws:s3:::b/home//x", Who::Anon, &[], false),
    ("root has no aws:username", V12, "arn:aws:s3:::b/home/${aws:username}/*", "", "arn:aws:s3:::b/home/root/x", Who::Root, &[], false),
    ("default value for an absent key", V12, "arn:aws:s3:::b/home/${aws:username, 'anonymous'}/*", "", "arn:aws:s3:::b/home/anonymous/x", Who::Anon, &[], true),
    ("default unused when the key is present", V12, "arn:aws:s3:::b/home/${aws:username, 'anonymous'}/*", "", "arn:aws:s3:::b/home/anonymous/x", Who::Alice, &[], false),
    // IAM user guide, "Specifying default values": ${aws:userid, 'anonymous'}.
    ("userid default (AWS example)", V12, "*", r#"{"StringEquals":{"s3:prefix":"u/${aws:userid, 'anonymous'}"}}"#, "arn:aws:s3:::b", Who::Anon, &[("s3:prefix", &["u/anonymous"])], true),
    ("default with a doubled quote", V12, "*", r#"{"StringEquals":{"s3:prefix":"${aws:username, 'o''brien'}"}}"#, "arn:aws:s3:::b", Who::Anon, &[("s3:prefix", &["o'brien"])], true),
    ("version 2008-10-17 keeps ${...} literal", V08, "arn:aws:s3:::b/${aws:username}/*", "", "arn:aws:s3:::b/alice/x", Who::Alice, &[], false),
    ("version 2008-10-17 literal text matches itself", V08, "arn:aws:s3:::b/${aws:username}/*", "", "arn:aws:s3:::b/${aws:username}/x", Who::Alice, &[], true),
    // IAM user guide, condition operators: StringLike s3:prefix with a variable.
    ("variable in StringLike (AWS s3:prefix example)", V12, "*", r#"{"StringLike":{"s3:prefix":["","home/","home/${aws:username}/"]}}"#, "arn:aws:s3:::b", Who::Alice, &[("s3:prefix", &["home/alice/"])], true),
    ("substituted * is not a wildcard in Resource", V12, "arn:aws:s3:::b/team/${aws:PrincipalTag/team}", "", "arn:aws:s3:::b/team/other", Who::Alice, &[("aws:PrincipalTag/team", &["*"])], false),
    ("substituted * matches a literal *", V12, "arn:aws:s3:::b/team/${aws:PrincipalTag/team}", "", "arn:aws:s3:::b/team/*", Who::Alice, &[("aws:PrincipalTag/team", &["*"])], true),
    ("substituted ? is not a wildcard in StringLike", V12, "*", r#"{"StringLike":{"aws:UserAgent":"${aws:PrincipalTag/ua}"}}"#, "arn:aws:s3:::b", Who::Alice, &[("aws:PrincipalTag/ua", &["a?c"]), ("aws:UserAgent", &["abc"])], false),
    ("substituted ? matches a literal ?", V12, "*", r#"{"StringLike":{"aws:UserAgent":"${aws:PrincipalTag/ua}*"}}"#, "arn:aws:s3:::b", Who::Alice, &[("aws:PrincipalTag/ua", &["a?c"]), ("aws:UserAgent", &["a?c/1.0"])], true),
    ("${*} escape is a literal star", V12, "*", r#"{"StringLike":{"s3:prefix":"a${*}b"}}"#, "arn:aws:s3:::b", Who::Alice, &[("s3:prefix", &["axxb"])], false),
    ("${*} escape matches a star", V12, "*", r#"{"StringLike":{"s3:prefix":"a${*}b"}}"#, "arn:aws:s3:::b", Who::Alice, &[("s3:prefix", &["a*b"])], true),
    ("${?} escape", V12, "*", r#"{"StringLike":{"s3:prefix":"why${?}"}}"#, "arn:aws:s3:::b", Who::Alice, &[("s3:prefix", &["why?"])], true),
    ("${$} escape", V12, "*", r#"{"StringEquals":{"s3:prefix":"${$}HOME"}}"#, "arn:aws:s3:::b", Who::Alice, &[("s3:prefix", &["$HOME"])], true),
    ("multivalued key is not substituted", V12, "*", r#"{"StringEquals":{"s3:prefix":"${aws:TagKeys}"}}"#, "arn:aws:s3:::b", Who::Alice, &[("aws:TagKeys", &["a", "b"]), ("s3:prefix", &["a"])], false),
    ("absent variable under a negated operator", V12, "*", r#"{"StringNotEquals":{"s3:prefix":"${aws:username}"}}"#, "arn:aws:s3:::b", Who::Anon, &[("s3:prefix", &["x"])], true),
    ("variable in ArnLike", V12, "*", r#"{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:user/${aws:username}"}}"#, "arn:aws:s3:::b", Who::Alice, &[], true),
    ("variable in Bool", V12, "*", r#"{"Bool":{"aws:SecureTransport":"${aws:PrincipalTag/tls}"}}"#, "arn:aws:s3:::b", Who::Alice, &[("aws:PrincipalTag/tls", &["true"]), ("aws:SecureTransport", &["true"])], true),
    ("variable names are case-insensitive", V12, "arn:aws:s3:::b/${AWS:UserName}/*", "", "arn:aws:s3:::b/alice/x", Who::Alice, &[], true),
    ("unterminated ${ is literal", V12, "arn:aws:s3:::b/${aws:username", "", "arn:aws:s3:::b/${aws:username", Who::Alice, &[], true),
    // IAM user guide, tags as policy variables: a bucket named by a tag.
    ("PrincipalTag in Resource (AWS example)", V12, "arn:aws:s3:::${aws:PrincipalTag/department}", "", "arn:aws:s3:::hr", Who::Alice, &[("aws:PrincipalTag/department", &["hr"])], true),
    ("two variables in one value", V12, "arn:aws:s3:::b/${aws:PrincipalAccount}/${aws:username}", "", "arn:aws:s3:::b/111122223333/alice", Who::Alice, &[], true),
    ("service key as a variable", V12, "*", r#"{"StringEquals":{"s3:delimiter":"${s3:prefix}"}}"#, "arn:aws:s3:::b", Who::Alice, &[("s3:prefix", &["/"]), ("s3:delimiter", &["/"])], true),
];

#[test]
fn variable_table() {
    let mut failures = Vec::new();
    for (name, version, resource, condition, request, who, pairs, expect) in CASES {
        let condition = if condition.is_empty() {
            String::new()
        } else {
            format!(r#","Condition":{condition}"#)
        };
        let json = format!(
            r#"{{"Version":"{version}","Statement":[{{"Effect":"Allow","Action":"s3:*","Resource":"{resource}"{condition}}}]}}"#
        );
        let policy = match parse(name, &json, PolicyKind::Identity) {
            Ok(p) => p,
            Err(e) => {
                failures.push(e);
                continue;
            }
        };
        let got = run(&policy, "s3:GetObject", request, *who, pairs);
        let want = if *expect {
            Effect::Allow
        } else {
            Effect::NotApplicable
        };
        if got != want {
            failures.push(format!("{name}: got {got:?}, want {want:?}"));
        }
    }
    assert_clean("variables", &failures);
}
