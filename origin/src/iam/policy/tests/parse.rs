//! Document validation: what is refused, with which fault and message.
//!
//! Owns: a table of documents and the `Fault` each must raise (or none),
//! and a table of the codes and messages the two services answer with.
//! Many rows reproduce answers AWS gives; they say so.
//! Must never: evaluate requests.

use super::{Policy, PolicyKind, assert_clean};

const B: bool = true;
const I: bool = false;

/// (row, bucket policy for `b`?, document, `Debug` of the fault or "" for
/// accepted)
#[rustfmt::skip]
pub(super) const CASES: &[(&str, bool, &str, &str)] = &[
    ("valid bucket policy", B, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#, ""),
    ("valid identity policy", I, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#, ""),
    ("not JSON", B, r#"{"Version":"#, "InvalidJson"),
    ("JSON array", B, r#"[]"#, "NotAnObject"),
    ("not JSON, not an object", I, r#"hello"#, "NotAnObject"),
    ("unknown Version", B, r#"{"Version":"2020-01-01","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b"}]}"#, "InvalidVersion"),
    ("Version not a string", I, r#"{"Version":2012,"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#, "InvalidVersion"),
    ("no Version (2008-10-17 assumed)", I, r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#, ""),
    ("Version 2008-10-17", I, r#"{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#, ""),
    ("Id accepted", B, r#"{"Version":"2012-10-17","Id":"Policy1","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b"}]}"#, ""),
    ("unknown top-level field", B, r#"{"Version":"2012-10-17","Foo":1,"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b"}]}"#, r#"UnknownField("Foo")"#),
    ("unknown statement field", I, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Actions":"s3:*","Resource":"*"}]}"#, r#"UnknownField("Actions")"#),
    ("field names are case-sensitive", I, r#"{"Version":"2012-10-17","Statement":[{"effect":"Allow","Action":"s3:*","Resource":"*"}]}"#, r#"UnknownField("effect")"#),
    // versitygw issue #1176, from AWS: "Missing required field Statement".
    ("no Statement", B, r#"{"Version":"2012-10-17"}"#, "MissingStatement"),
    // versitygw issue #646, from AWS: "Statement is empty!".
    ("empty Statement", B, r#"{"Version":"2012-10-17","Statement":[]}"#, "EmptyStatement"),
    ("Statement as one object", B, r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b"}}"#, ""),
    ("statement not an object", I, r#"{"Version":"2012-10-17","Statement":["x"]}"#, r#"InvalidField("Statement")"#),
    ("no Effect", B, r#"{"Version":"2012-10-17","Statement":[{"Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b"}]}"#, "MissingEffect"),
    // versitygw issue #647, from AWS: "Invalid effect: hello".
    ("Effect hello", B, r#"{"Version":"2012-10-17","Statement":[{"Effect":"hello","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b"}]}"#, r#"InvalidEffect("hello")"#),
    ("Effect is case-sensitive", I, r#"{"Version":"2012-10-17","Statement":[{"Effect":"allow","Action":"s3:*","Resource":"*"}]}"#, r#"InvalidEffect("allow")"#),
    // terraform issue #28688, from AWS: "Missing required field Principal".
    ("bucket policy without Principal", B, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b"}]}"#, "MissingPrincipal"),
    ("identity policy with Principal", I, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]}"#, "PrincipalNotAllowed"),
    ("identity policy with NotPrincipal", I, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotPrincipal":{"AWS":"111122223333"},"Action":"s3:*","Resource":"*"}]}"#, "PrincipalNotAllowed"),
    // versitygw issue #649, from AWS: "Invalid principal in policy".
    ("principal not an ARN or account", B, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"user"},"Action":"s3:*","Resource":"arn:aws:s3:::b"}]}"#, "InvalidPrincipal"),
    ("wildcard inside a principal ARN", B, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::*:root"},"Action":"s3:*","Resource":"arn:aws:s3:::b"}]}"#, "InvalidPrincipal"),
    ("unknown principal type", B, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Foo":"x"},"Action":"s3:*","Resource":"arn:aws:s3:::b"}]}"#, "InvalidPrincipal"),
    ("empty principal object", B, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{},"Action":"s3:*","Resource":"arn:aws:s3:::b"}]}"#, "InvalidPrincipal"),
    ("Principal and NotPrincipal", B, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","NotPrincipal":{"AWS":"111122223333"},"Action":"s3:*","Resource":"arn:aws:s3:::b"}]}"#, "InvalidPrincipal"),
    ("principal string other than *", B, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"111122223333","Action":"s3:*","Resource":"arn:aws:s3:::b"}]}"#, "InvalidPrincipal"),
    ("group ARN is no principal", B, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:group/admins"},"Action":"s3:*","Resource":"arn:aws:s3:::b"}]}"#, "InvalidPrincipal"),
    ("role and session principals", B, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:role/r","arn:aws:sts::111122223333:assumed-role/r/s"]},"Action":"s3:*","Resource":"arn:aws:s3:::b"}]}"#, ""),
    ("no Action", I, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Resource":"*"}]}"#, "MissingAction"),
    // versitygw issue #650, from AWS: "Policy has invalid action".
    ("action without vendor", B, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"invalid_action","Resource":"arn:aws:s3:::b"}]}"#, r#"ActionWithoutVendor("invalid_action")"#),
    ("unknown S3 action", B, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObjekt","Resource":"arn:aws:s3:::b"}]}"#, r#"InvalidAction("s3:GetObjekt")"#),
    ("wildcard matching no S3 action", B, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:Foo*","Resource":"arn:aws:s3:::b"}]}"#, r#"InvalidAction("s3:Foo*")"#),
    ("wildcard matching S3 actions", B, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":["s3:Get*","s3:*Tagging","s3:List?ucket"],"Resource":"arn:aws:s3:::b"}]}"#, ""),
    ("action names ignore case when validated", B, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"S3:getobject","Resource":"arn:aws:s3:::b/*"}]}"#, ""),
    ("iam action in a bucket policy", B, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"iam:CreateUser","Resource":"arn:aws:s3:::b"}]}"#, r#"InvalidAction("iam:CreateUser")"#),
    ("other service in a bucket policy", B, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"ec2:RunInstances","Resource":"arn:aws:s3:::b"}]}"#, r#"InvalidAction("ec2:RunInstances")"#),
    ("other service in an identity policy", I, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:RunInstances","Resource":"*"}]}"#, ""),
    // IAM user guide, condition operators: iam:*AccessKey*.
    ("iam wildcard (AWS example)", I, r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:*AccessKey*","Resource":"arn:aws:iam::111122223333:user/*"}}"#, ""),
    ("unknown iam action", I, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:CreateUsr","Resource":"*"}]}"#, r#"InvalidAction("iam:CreateUsr")"#),
    ("empty Action list", I, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":[],"Resource":"*"}]}"#, r#"InvalidField("Action")"#),
    ("Action and NotAction", I, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","NotAction":"s3:GetObject","Resource":"*"}]}"#, r#"InvalidAction("Action and NotAction")"#),
    ("bucket policy without Resource", B, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*"}]}"#, "MissingResource"),
    ("identity policy without Resource", I, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*"}]}"#, "MissingResource"),
    // aws-serverless-appsync-app issue #4, from AWS: a resource outside the
    // bucket answers "Policy has invalid resource".
    ("resource in another bucket", B, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::other/*"}]}"#, r#"InvalidResource("arn:aws:s3:::other/*")"#),
    // noobaa-core issue #10058, from AWS: Resource * in a bucket policy.
    ("resource * in a bucket policy", B, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]}"#, r#"InvalidResource("*")"#),
    ("bucket name prefix is not the bucket", B, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b2"}]}"#, r#"InvalidResource("arn:aws:s3:::b2")"#),
    ("wildcard bucket in a bucket policy", B, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::*"}]}"#, r#"InvalidResource("arn:aws:s3:::*")"#),
    ("NotResource outside the bucket", B, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","NotResource":"arn:aws:s3:::other"}]}"#, r#"InvalidResource("arn:aws:s3:::other")"#),
    ("identity resource not an ARN", I, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"foo"}]}"#, r#"InvalidResource("foo")"#),
    ("variable before the fifth colon", I, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"arn:aws:iam::${aws:PrincipalAccount}:user/x"}]}"#, r#"InvalidResource("arn:aws:iam::${aws:PrincipalAccount}:user/x")"#),
    ("unknown operator", I, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEqualz":{"s3:prefix":"a"}}}]}"#, r#"InvalidConditionType("StringEqualz")"#),
    // IAM user guide: IfExists applies to every operator "except the Null condition".
    ("NullIfExists", I, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"NullIfExists":{"s3:prefix":"true"}}}]}"#, r#"InvalidConditionType("NullIfExists")"#),
    ("ForAllValues:Null", I, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"ForAllValues:Null":{"aws:TagKeys":"true"}}}]}"#, r#"InvalidConditionType("ForAllValues:Null")"#),
    ("operator names are case-sensitive", I, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"stringequals":{"s3:prefix":"a"}}}]}"#, r#"InvalidConditionType("stringequals")"#),
    ("every IfExists and qualifier form", I, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"ForAnyValue:StringLikeIfExists":{"aws:TagKeys":"a*"},"ForAllValues:ArnNotLikeIfExists":{"aws:SourceArn":"arn:*:*:*:*:*"},"NotIpAddressIfExists":{"aws:SourceIp":"10.0.0.0/8"},"DateGreaterThanEqualsIfExists":{"aws:CurrentTime":"2020-01-01"},"BinaryEqualsIfExists":{"s3:x-amz-content-sha256":"AA=="}}}]}"#, ""),
    ("unknown global key", I, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"aws:Foo":"a"}}}]}"#, r#"InvalidConditionKey("aws:Foo")"#),
    // A CloudFormation fix-up, from AWS: s3:x-acl is "an invalid condition key".
    ("misspelt S3 key (AWS)", B, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringEquals":{"s3:x-acl":"bucket-owner-full-control"}}}]}"#, r#"InvalidConditionKey("s3:x-acl")"#),
    ("other service's key", I, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringLike":{"ec2:InstanceType":"t2.*"}}}]}"#, r#"InvalidConditionKey("ec2:InstanceType")"#),
    ("tag key prefix without a tag key", I, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/":"a"}}}]}"#, r#"InvalidConditionKey("aws:PrincipalTag/")"#),
    ("known keys in any case", B, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b","Condition":{"NotIpAddress":{"AWS:SOURCEIP":"10.0.0.0/8"},"StringNotEquals":{"aws:sourcevpce":"vpce-1"}}}]}"#, ""),
    // Scality's AWS-derived test: "123" is an invalid IP address.
    ("bad IP address", B, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b","Condition":{"IpAddress":{"aws:SourceIp":"123"}}}]}"#, "InvalidIpAddress"),
    ("bad CIDR prefix", B, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/33"}}}]}"#, "InvalidIpAddress"),
    ("numeric value not a number", I, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"NumericLessThan":{"s3:max-keys":"ten"}}}]}"#, r#"InvalidConditionValue("NumericLessThan")"#),
    ("variable in a numeric value", I, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"NumericLessThan":{"s3:max-keys":"${s3:prefix}"}}}]}"#, r#"InvalidConditionValue("NumericLessThan")"#),
    ("date value not a date", I, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"tomorrow"}}}]}"#, r#"InvalidConditionValue("DateLessThan")"#),
    ("Bool value not a boolean", I, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"yes"}}}]}"#, r#"InvalidConditionValue("Bool")"#),
    ("Null value not a boolean", I, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"Null":{"s3:prefix":"maybe"}}}]}"#, r#"InvalidConditionValue("Null")"#),
    ("Condition not an object", I, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":"x"}]}"#, "InvalidCondition"),
    ("operator block not an object", I, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":"x"}}]}"#, "InvalidCondition"),
    ("condition value an object", I, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"s3:prefix":{"a":1}}}}]}"#, "InvalidCondition"),
    ("duplicate Sid in an identity policy", I, r#"{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Action":"s3:*","Resource":"*"},{"Sid":"A","Effect":"Deny","Action":"s3:*","Resource":"*"}]}"#, r#"DuplicateSid("A")"#),
    ("duplicate Sid in a bucket policy", B, r#"{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b"},{"Sid":"A","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b"}]}"#, ""),
    ("identity Sid with a space", I, r#"{"Version":"2012-10-17","Statement":[{"Sid":"my sid","Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#, r#"InvalidSid("my sid")"#),
    ("bucket Sid with spaces (AWS referer example)", B, r#"{"Version":"2012-10-17","Statement":[{"Sid":"Allow get requests originating from www.example.com.","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#, ""),
    ("Sid not a string", B, r#"{"Version":"2012-10-17","Statement":[{"Sid":1,"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b"}]}"#, r#"InvalidField("Sid")"#),
];

/// (row, bucket policy?, document, code, message)
#[rustfmt::skip]
pub(super) const MESSAGES: &[(&str, bool, &str, &str, &str)] = &[
    ("S3 invalid resource", B, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::x"}]}"#, "MalformedPolicy", "Policy has invalid resource"),
    ("S3 invalid effect", B, r#"{"Version":"2012-10-17","Statement":[{"Effect":"hello","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b"}]}"#, "MalformedPolicy", "Invalid effect: hello"),
    ("S3 invalid condition type", B, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b","Condition":{"StringEqualz":{"s3:prefix":"a"}}}]}"#, "MalformedPolicy", "Invalid Condition type : StringEqualz"),
    ("S3 invalid condition key", B, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b","Condition":{"StringEquals":{"s3:nope":"a"}}}]}"#, "MalformedPolicy", "Policy has an invalid condition key"),
    ("S3 missing Effect", B, r#"{"Version":"2012-10-17","Statement":[{"Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b"}]}"#, "MalformedPolicy", "Missing required field Effect"),
    ("S3 first byte", B, r#"  "x""#, "MalformedPolicy", "Policies must be valid JSON and the first byte must be '{'"),
    ("IAM missing Resource", I, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*"}]}"#, "MalformedPolicyDocument", "Policy statement must contain resources."),
    ("IAM principal", I, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]}"#, "MalformedPolicyDocument", "Policy document should not specify a principal."),
    ("IAM bad JSON", I, r#"{"#, "MalformedPolicyDocument", "Syntax errors in policy."),
    ("IAM resource format", I, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"foo"}]}"#, "MalformedPolicyDocument", "Resource foo must be in ARN format or \"*\"."),
    ("IAM action vendor", I, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"GetObject","Resource":"*"}]}"#, "MalformedPolicyDocument", "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."),
];

fn kind(bucket: bool) -> PolicyKind<'static> {
    if bucket {
        PolicyKind::Bucket { bucket: "b" }
    } else {
        PolicyKind::Identity
    }
}

#[test]
fn validation_table() {
    let mut failures = Vec::new();
    for (name, bucket, json, want) in CASES {
        let got = match Policy::parse(json, kind(*bucket)) {
            Ok(_) => String::new(),
            Err(e) => format!("{:?}", e.fault()),
        };
        if got != *want {
            failures.push(format!("{name}: got {got:?}, want {want:?}"));
        }
    }
    assert_clean("validation", &failures);
}

#[test]
fn message_table() {
    let mut failures = Vec::new();
    for (name, bucket, json, code, message) in MESSAGES {
        match Policy::parse(json, kind(*bucket)) {
            Ok(_) => failures.push(format!("{name}: accepted")),
            Err(e) if e.code() != *code || e.message() != *message => {
                failures.push(format!("{name}: got {} / {}", e.code(), e.message()));
            }
            Err(_) => {}
        }
    }
    assert_clean("messages", &failures);
}
