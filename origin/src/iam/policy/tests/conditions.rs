//! Every condition operator, with present, absent and multivalued keys.
//!
//! Owns: one table of `Condition` blocks evaluated in an identity policy
//! that otherwise allows `s3:GetObject` to alice.
//! Must never: test parsing faults (see `parse`).

use super::{Effect, Keys, PolicyKind, Who, assert_clean, parse, run};

/// (row, Condition element, request values, whether the statement applies)
#[rustfmt::skip]
pub(super) const CASES: &[(&str, &str, Keys, bool)] = &[
    // String operators.
    ("StringEquals match", r#"{"StringEquals":{"s3:prefix":"home/"}}"#, &[("s3:prefix", &["home/"])], true),
    ("StringEquals is case-sensitive", r#"{"StringEquals":{"s3:prefix":"home/"}}"#, &[("s3:prefix", &["Home/"])], false),
    ("StringEquals absent key", r#"{"StringEquals":{"s3:prefix":"home/"}}"#, &[], false),
    ("StringEquals values OR-ed", r#"{"StringEquals":{"s3:prefix":["a","home/"]}}"#, &[("s3:prefix", &["home/"])], true),
    ("StringNotEquals different", r#"{"StringNotEquals":{"s3:prefix":"a"}}"#, &[("s3:prefix", &["b"])], true),
    ("StringNotEquals same", r#"{"StringNotEquals":{"s3:prefix":"a"}}"#, &[("s3:prefix", &["a"])], false),
    // AWS: a negated operator on an absent key is true.
    ("StringNotEquals absent key", r#"{"StringNotEquals":{"s3:prefix":"a"}}"#, &[], true),
    // AWS: values of a negated operator are NOR-ed.
    ("StringNotEquals NOR, one equal", r#"{"StringNotEquals":{"s3:prefix":["a","b"]}}"#, &[("s3:prefix", &["b"])], false),
    ("StringNotEquals NOR, none equal", r#"{"StringNotEquals":{"s3:prefix":["a","b"]}}"#, &[("s3:prefix", &["c"])], true),
    ("StringEqualsIgnoreCase", r#"{"StringEqualsIgnoreCase":{"s3:prefix":"HOME/"}}"#, &[("s3:prefix", &["home/"])], true),
    ("StringNotEqualsIgnoreCase", r#"{"StringNotEqualsIgnoreCase":{"s3:prefix":"HOME/"}}"#, &[("s3:prefix", &["home/"])], false),
    ("StringEqualsIgnoreCase unicode", r#"{"StringEqualsIgnoreCase":{"s3:prefix":"ÄBÇ"}}"#, &[("s3:prefix", &["äbç"])], true),
    ("StringLike star", r#"{"StringLike":{"s3:prefix":"home/*"}}"#, &[("s3:prefix", &["home/alice/x"])], true),
    ("StringLike ? is one char", r#"{"StringLike":{"s3:prefix":"home/?"}}"#, &[("s3:prefix", &["home/ab"])], false),
    ("StringLike ?? is two chars", r#"{"StringLike":{"s3:prefix":"home/??"}}"#, &[("s3:prefix", &["home/ab"])], true),
    ("StringLike is case-sensitive", r#"{"StringLike":{"s3:prefix":"Home/*"}}"#, &[("s3:prefix", &["home/x"])], false),
    ("StringNotLike no match", r#"{"StringNotLike":{"s3:prefix":"home/*"}}"#, &[("s3:prefix", &["other"])], true),
    ("StringNotLike absent key", r#"{"StringNotLike":{"s3:prefix":"home/*"}}"#, &[], true),
    ("StringEquals star is literal", r#"{"StringEquals":{"s3:prefix":"home/*"}}"#, &[("s3:prefix", &["home/x"])], false),
    ("StringEquals literal star", r#"{"StringEquals":{"s3:prefix":"home/*"}}"#, &[("s3:prefix", &["home/*"])], true),
    ("StringEqualsIfExists absent", r#"{"StringEqualsIfExists":{"s3:prefix":"a"}}"#, &[], true),
    ("StringEqualsIfExists present mismatch", r#"{"StringEqualsIfExists":{"s3:prefix":"a"}}"#, &[("s3:prefix", &["b"])], false),
    ("StringNotEqualsIfExists absent", r#"{"StringNotEqualsIfExists":{"s3:prefix":"a"}}"#, &[], true),
    ("StringLikeIfExists present match", r#"{"StringLikeIfExists":{"s3:prefix":"a*"}}"#, &[("s3:prefix", &["abc"])], true),
    ("keys under one operator AND-ed, one missing", r#"{"StringEquals":{"s3:prefix":"a","s3:delimiter":"/"}}"#, &[("s3:prefix", &["a"])], false),
    ("keys under one operator AND-ed, both", r#"{"StringEquals":{"s3:prefix":"a","s3:delimiter":"/"}}"#, &[("s3:prefix", &["a"]), ("s3:delimiter", &["/"])], true),
    ("operators AND-ed, both hold", r#"{"StringEquals":{"s3:prefix":"a"},"NumericLessThan":{"s3:max-keys":"10"}}"#, &[("s3:prefix", &["a"]), ("s3:max-keys", &["5"])], true),
    ("operators AND-ed, one fails", r#"{"StringEquals":{"s3:prefix":"a"},"NumericLessThan":{"s3:max-keys":"10"}}"#, &[("s3:prefix", &["a"]), ("s3:max-keys", &["50"])], false),
    ("policy key names are case-insensitive", r#"{"StringEquals":{"S3:PREFIX":"a"}}"#, &[("s3:prefix", &["a"])], true),
    ("request key names are case-insensitive", r#"{"StringEquals":{"s3:prefix":"a"}}"#, &[("S3:Prefix", &["a"])], true),
    ("multivalued key without qualifier: any value", r#"{"StringEquals":{"aws:TagKeys":"a"}}"#, &[("aws:TagKeys", &["b", "a"])], true),
    // Numeric operators.
    ("NumericEquals", r#"{"NumericEquals":{"s3:max-keys":"10"}}"#, &[("s3:max-keys", &["10"])], true),
    ("NumericEquals decimal spelling", r#"{"NumericEquals":{"s3:max-keys":"10"}}"#, &[("s3:max-keys", &["10.0"])], true),
    ("NumericNotEquals", r#"{"NumericNotEquals":{"s3:max-keys":"10"}}"#, &[("s3:max-keys", &["11"])], true),
    ("NumericNotEquals absent key", r#"{"NumericNotEquals":{"s3:max-keys":"10"}}"#, &[], true),
    ("NumericLessThan below", r#"{"NumericLessThan":{"s3:max-keys":"10"}}"#, &[("s3:max-keys", &["9"])], true),
    ("NumericLessThan equal", r#"{"NumericLessThan":{"s3:max-keys":"10"}}"#, &[("s3:max-keys", &["10"])], false),
    // IAM user guide, Numeric condition operators: list up to 10 objects.
    ("NumericLessThanEquals equal (AWS max-keys example)", r#"{"NumericLessThanEquals":{"s3:max-keys":"10"}}"#, &[("s3:max-keys", &["10"])], true),
    ("NumericGreaterThan", r#"{"NumericGreaterThan":{"s3:max-keys":"10"}}"#, &[("s3:max-keys", &["11"])], true),
    ("NumericGreaterThanEquals below", r#"{"NumericGreaterThanEquals":{"s3:max-keys":"10"}}"#, &[("s3:max-keys", &["9"])], false),
    ("Numeric request value not a number", r#"{"NumericLessThan":{"s3:max-keys":"10"}}"#, &[("s3:max-keys", &["abc"])], false),
    ("Numeric policy value as JSON number", r#"{"NumericLessThanEquals":{"s3:max-keys":10}}"#, &[("s3:max-keys", &["3"])], true),
    ("NumericEquals decimals", r#"{"NumericEquals":{"s3:max-keys":"1.5"}}"#, &[("s3:max-keys", &["1.50"])], true),
    ("NumericGreaterThan absent key", r#"{"NumericGreaterThan":{"s3:max-keys":"1"}}"#, &[], false),
    ("NumericLessThanIfExists absent key", r#"{"NumericLessThanIfExists":{"s3:max-keys":"1"}}"#, &[], true),
    // S3 user guide, "Limiting access to a specific signature age".
    ("s3:signatureAge limit (AWS S3 example)", r#"{"NumericLessThan":{"s3:signatureAge":"600000"}}"#, &[("s3:signatureAge", &["1000"])], true),
    // Date operators.
    // IAM user guide, Date condition operators: credentials issued after 2020.
    ("DateGreaterThan (AWS TokenIssueTime example)", r#"{"DateGreaterThan":{"aws:TokenIssueTime":"2020-01-01T00:00:01Z"}}"#, &[("aws:TokenIssueTime", &["2024-05-01T10:00:00Z"])], true),
    ("DateLessThan after the date", r#"{"DateLessThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}"#, &[("aws:CurrentTime", &["2024-05-01T10:00:00Z"])], false),
    ("DateEquals epoch against ISO 8601", r#"{"DateEquals":{"aws:CurrentTime":"1577836800"}}"#, &[("aws:CurrentTime", &["2020-01-01T00:00:00Z"])], true),
    ("DateLessThanEquals equal", r#"{"DateLessThanEquals":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}"#, &[("aws:CurrentTime", &["2020-01-01T00:00:00Z"])], true),
    ("DateGreaterThanEquals across offsets", r#"{"DateGreaterThanEquals":{"aws:CurrentTime":"2020-01-01T01:00:00+01:00"}}"#, &[("aws:CurrentTime", &["2020-01-01T00:00:00Z"])], true),
    ("DateNotEquals different", r#"{"DateNotEquals":{"aws:CurrentTime":"2020-01-01"}}"#, &[("aws:CurrentTime", &["2020-01-02T00:00:00Z"])], true),
    ("DateNotEquals absent key", r#"{"DateNotEquals":{"aws:CurrentTime":"2020-01-01"}}"#, &[], true),
    ("DateLessThan date-only policy value", r#"{"DateLessThan":{"aws:CurrentTime":"2020-01-02"}}"#, &[("aws:CurrentTime", &["2020-01-01T23:59:59Z"])], true),
    ("DateGreaterThan fractional seconds", r#"{"DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:00.5Z"}}"#, &[("aws:CurrentTime", &["2020-01-01T00:00:00.75Z"])], true),
    ("DateLessThan on aws:EpochTime", r#"{"DateLessThan":{"aws:EpochTime":"1700000000"}}"#, &[("aws:EpochTime", &["1600000000"])], true),
    ("Date request value unreadable", r#"{"DateGreaterThan":{"aws:CurrentTime":"2020-01-01"}}"#, &[("aws:CurrentTime", &["yesterday"])], false),
    ("DateLessThanIfExists absent key", r#"{"DateLessThanIfExists":{"aws:CurrentTime":"2020-01-01"}}"#, &[], true),
    // IAM user guide: TokenIssueTime is absent for long-term keys.
    ("DateGreaterThan absent TokenIssueTime (AWS)", r#"{"DateGreaterThan":{"aws:TokenIssueTime":"2020-01-01T00:00:01Z"}}"#, &[], false),
    // Bool.
    // IAM user guide, Boolean condition operators: BooleanExample.
    ("Bool SecureTransport false (AWS BooleanExample)", r#"{"Bool":{"aws:SecureTransport":"false"}}"#, &[("aws:SecureTransport", &["false"])], true),
    ("Bool mismatch", r#"{"Bool":{"aws:SecureTransport":"false"}}"#, &[("aws:SecureTransport", &["true"])], false),
    ("Bool policy value as JSON boolean", r#"{"Bool":{"aws:SecureTransport":true}}"#, &[("aws:SecureTransport", &["true"])], true),
    ("Bool ignores case", r#"{"Bool":{"aws:SecureTransport":"TRUE"}}"#, &[("aws:SecureTransport", &["true"])], true),
    ("Bool absent key", r#"{"Bool":{"aws:SecureTransport":"true"}}"#, &[], false),
    // IAM user guide: deny when MFA is absent or false uses BoolIfExists.
    ("BoolIfExists absent MFA key (AWS MFA example)", r#"{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}"#, &[], true),
    // Binary.
    // IAM user guide, Binary condition operators: the example value.
    ("BinaryEquals (AWS example value)", r#"{"BinaryEquals":{"s3:x-amz-content-sha256":"QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}"#, &[("s3:x-amz-content-sha256", &["QmluYXJ5VmFsdWVJbkJhc2U2NA=="])], true),
    ("BinaryEquals different", r#"{"BinaryEquals":{"s3:x-amz-content-sha256":"QmluYXJ5"}}"#, &[("s3:x-amz-content-sha256", &["QmluYXJ6"])], false),
    // IP address.
    // IAM user guide, IP address condition operators: 203.0.113.0/24.
    ("IpAddress inside (AWS example)", r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#, &[("aws:SourceIp", &["203.0.113.5"])], true),
    ("IpAddress outside", r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#, &[("aws:SourceIp", &["203.0.114.5"])], false),
    ("NotIpAddress outside", r#"{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#, &[("aws:SourceIp", &["198.51.100.1"])], true),
    ("NotIpAddress inside", r#"{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#, &[("aws:SourceIp", &["203.0.113.9"])], false),
    ("IpAddress bare address is /32", r#"{"IpAddress":{"aws:SourceIp":"203.0.113.7"}}"#, &[("aws:SourceIp", &["203.0.113.7"])], true),
    ("IpAddress bare address, neighbour", r#"{"IpAddress":{"aws:SourceIp":"203.0.113.7"}}"#, &[("aws:SourceIp", &["203.0.113.8"])], false),
    ("IpAddress IPv6 CIDR (AWS example)", r#"{"IpAddress":{"aws:SourceIp":"2001:DB8:1234:5678::/64"}}"#, &[("aws:SourceIp", &["2001:db8:1234:5678::1"])], true),
    ("IpAddress IPv6 bare address is /128", r#"{"IpAddress":{"aws:SourceIp":"2001:db8::1"}}"#, &[("aws:SourceIp", &["2001:db8::2"])], false),
    ("IpAddress IPv6 range, IPv4 request", r#"{"IpAddress":{"aws:SourceIp":"2001:DB8:1234:5678::/64"}}"#, &[("aws:SourceIp", &["203.0.113.1"])], false),
    // IAM user guide: mixing IPv4 and IPv6 ranges.
    ("IpAddress mixed families (AWS example)", r#"{"IpAddress":{"aws:SourceIp":["203.0.113.0/24","2001:DB8:1234:5678::/64"]}}"#, &[("aws:SourceIp", &["2001:db8:1234:5678:ffff::1"])], true),
    ("IpAddress absent key", r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#, &[], false),
    ("NotIpAddress absent key", r#"{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#, &[], true),
    ("IpAddress request value not an address", r#"{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}"#, &[("aws:SourceIp", &["nonsense"])], false),
    ("IpAddress CIDR with host bits", r#"{"IpAddress":{"aws:SourceIp":"192.168.1.1/24"}}"#, &[("aws:SourceIp", &["192.168.1.200"])], true),
    // ARN operators.
    ("ArnEquals exact", r#"{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:us-east-1:123456789012:topic"}}"#, &[("aws:SourceArn", &["arn:aws:sns:us-east-1:123456789012:topic"])], true),
    ("ArnLike region wildcard", r#"{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:123456789012:topic"}}"#, &[("aws:SourceArn", &["arn:aws:sns:us-east-1:123456789012:topic"])], true),
    // IAM user guide, ARN condition operators: components match separately.
    ("ArnLike star stays inside a component (AWS)", r#"{"ArnLike":{"aws:SourceArn":"arn:aws:someservice:*:111122223333:finance/*"}}"#, &[("aws:SourceArn", &["arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"])], false),
    ("StringLike star spans colons (AWS)", r#"{"StringLike":{"aws:SourceArn":"arn:aws:someservice:*:111122223333:finance/*"}}"#, &[("aws:SourceArn", &["arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"])], true),
    ("ArnNotEquals different", r#"{"ArnNotEquals":{"aws:SourceArn":"arn:aws:sns:us-east-1:123456789012:a"}}"#, &[("aws:SourceArn", &["arn:aws:sns:us-east-1:123456789012:b"])], true),
    ("ArnNotLike absent key", r#"{"ArnNotLike":{"aws:SourceArn":"arn:aws:sns:*:*:*"}}"#, &[], true),
    ("ArnLike on the derived aws:PrincipalArn", r#"{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:user/*"}}"#, &[], true),
    ("ArnLike request value not an ARN", r#"{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:*:*"}}"#, &[("aws:SourceArn", &["foo"])], false),
    ("ArnEquals is case-sensitive", r#"{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:us-east-1:123456789012:Topic"}}"#, &[("aws:SourceArn", &["arn:aws:sns:us-east-1:123456789012:topic"])], false),
    // Null.
    ("Null true, key absent", r#"{"Null":{"s3:x-amz-server-side-encryption":"true"}}"#, &[], true),
    ("Null true, key present", r#"{"Null":{"s3:x-amz-server-side-encryption":"true"}}"#, &[("s3:x-amz-server-side-encryption", &["AES256"])], false),
    ("Null false, key present", r#"{"Null":{"s3:x-amz-server-side-encryption":"false"}}"#, &[("s3:x-amz-server-side-encryption", &["AES256"])], true),
    ("Null false, key absent", r#"{"Null":{"s3:x-amz-server-side-encryption":false}}"#, &[], false),
    // IAM user guide, Null condition operator: no temporary credentials.
    ("Null TokenIssueTime (AWS example)", r#"{"Null":{"aws:TokenIssueTime":"true"}}"#, &[], true),
    // Set qualifiers.
    ("ForAllValues subset", r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b","c"]}}"#, &[("aws:TagKeys", &["a", "b"])], true),
    ("ForAllValues not a subset", r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b","c"]}}"#, &[("aws:TagKeys", &["a", "d"])], false),
    // IAM user guide: ForAllValues "also returns true if there are no
    // context keys in the request".
    ("ForAllValues absent key (AWS)", r#"{"ForAllValues:StringEquals":{"aws:TagKeys":"a"}}"#, &[], true),
    ("ForAllValues empty key", r#"{"ForAllValues:StringEquals":{"aws:TagKeys":"a"}}"#, &[("aws:TagKeys", &[])], true),
    ("ForAnyValue one matches", r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":"a"}}"#, &[("aws:TagKeys", &["x", "a"])], true),
    ("ForAnyValue none matches", r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":"a"}}"#, &[("aws:TagKeys", &["x", "y"])], false),
    ("ForAnyValue absent key", r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":"a"}}"#, &[], false),
    // IAM user guide, multivalued context keys: ForAllValues:StringLike.
    ("ForAllValues:StringLike (AWS tag-key example)", r#"{"ForAllValues:StringLike":{"aws:TagKeys":"Created*"}}"#, &[("aws:TagKeys", &["CreatedBy", "CreatedAt"])], true),
    ("ForAnyValue:StringNotEquals some other", r#"{"ForAnyValue:StringNotEquals":{"aws:TagKeys":"a"}}"#, &[("aws:TagKeys", &["a", "b"])], true),
    ("ForAnyValue:StringNotEquals all equal", r#"{"ForAnyValue:StringNotEquals":{"aws:TagKeys":"a"}}"#, &[("aws:TagKeys", &["a"])], false),
    ("ForAllValues:StringNotEquals none forbidden", r#"{"ForAllValues:StringNotEquals":{"aws:TagKeys":"secret"}}"#, &[("aws:TagKeys", &["a", "b"])], true),
    ("ForAllValues:StringNotEquals one forbidden", r#"{"ForAllValues:StringNotEquals":{"aws:TagKeys":"secret"}}"#, &[("aws:TagKeys", &["a", "secret"])], false),
    ("ForAnyValue with IfExists, absent key", r#"{"ForAnyValue:StringEqualsIfExists":{"aws:TagKeys":"a"}}"#, &[], true),
    ("ForAllValues on s3:RequestObjectTagKeys", r#"{"ForAllValues:StringEquals":{"s3:RequestObjectTagKeys":["Owner","Project"]}}"#, &[("s3:RequestObjectTagKeys", &["Owner"])], true),
    // Tag keys.
    ("PrincipalTag prefix is case-insensitive", r#"{"StringEquals":{"AWS:PRINCIPALTAG/Dept":"eng"}}"#, &[("aws:PrincipalTag/Dept", &["eng"])], true),
    ("PrincipalTag tag key keeps its case", r#"{"StringEquals":{"aws:PrincipalTag/dept":"eng"}}"#, &[("aws:PrincipalTag/Dept", &["eng"])], false),
    // S3 user guide, tagging and access control: ExistingObjectTag.
    ("ExistingObjectTag (AWS S3 example)", r#"{"StringEquals":{"s3:ExistingObjectTag/classification":"public"}}"#, &[("s3:ExistingObjectTag/classification", &["public"])], true),
    // Keys derived from the principal.
    ("derived aws:username", r#"{"StringEquals":{"aws:username":"alice"}}"#, &[], true),
    ("derived aws:PrincipalType", r#"{"StringEquals":{"aws:PrincipalType":"User"}}"#, &[], true),
    ("derived aws:userid", r#"{"StringEquals":{"aws:userid":"AIDAALICE"}}"#, &[], true),
    ("derived aws:PrincipalAccount", r#"{"StringEquals":{"aws:PrincipalAccount":"111122223333"}}"#, &[], true),
    ("caller values win over derived ones", r#"{"StringEquals":{"aws:username":"bob"}}"#, &[("aws:username", &["bob"])], true),
    // S3 user guide, bucket policy examples: restricting to an HTTP referer.
    ("Referer StringLike (AWS S3 example)", r#"{"StringLike":{"aws:Referer":["http://www.example.com/*","http://example.com/*"]}}"#, &[("aws:Referer", &["http://example.com/page.html"])], true),
    // S3 user guide: require bucket-owner-full-control on uploads.
    ("x-amz-acl StringEquals (AWS S3 example)", r#"{"StringEquals":{"s3:x-amz-acl":"bucket-owner-full-control"}}"#, &[("s3:x-amz-acl", &["public-read"])], false),
];

#[test]
fn condition_table() {
    let mut failures = Vec::new();
    for (name, condition, pairs, expect) in CASES {
        let json = format!(
            r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{condition}}}}}"#
        );
        let policy = match parse(name, &json, PolicyKind::Identity) {
            Ok(p) => p,
            Err(e) => {
                failures.push(e);
                continue;
            }
        };
        let got = run(
            &policy,
            "s3:GetObject",
            "arn:aws:s3:::b/k",
            Who::Alice,
            pairs,
        );
        let want = if *expect {
            Effect::Allow
        } else {
            Effect::NotApplicable
        };
        if got != want {
            failures.push(format!("{name}: got {got:?}, want {want:?}"));
        }
    }
    assert_clean("conditions", &failures);
}
