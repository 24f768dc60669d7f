//! Every S3 operation mapped to the IAM action AWS's Service Authorization
//! Reference names for it, the resource it is checked on, and the ACL
//! permission that can grant it. Pure: no IO.

/// What an operation is checked on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum On {
    /// The bucket ARN (`arn:aws:s3:::bucket`).
    Bucket,
    /// The object ARN (`arn:aws:s3:::bucket/key`).
    Object,
    /// No resource (ListBuckets): `arn:aws:s3:::*`.
    Account,
}

/// The ACL permission that grants an operation, and on what.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AclNeed {
    /// No ACL can grant it (bucket configuration, policies).
    None,
    /// READ / WRITE / READ_ACP / WRITE_ACP on the bucket's ACL.
    Bucket(&'static str),
    /// The same on the object's ACL.
    Object(&'static str),
}

/// How an S3 operation is authorized.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpRule {
    /// The IAM action.
    pub action: &'static str,
    /// The action when a `versionId` is given (GetObjectVersion, ...).
    pub versioned: Option<&'static str>,
    /// What it is checked on.
    pub on: On,
    /// What ACL permission grants it.
    pub acl: AclNeed,
}

const fn r(action: &'static str, on: On, acl: AclNeed) -> OpRule {
    OpRule {
        action,
        versioned: None,
        on,
        acl,
    }
}

const fn rv(action: &'static str, versioned: &'static str, on: On, acl: AclNeed) -> OpRule {
    OpRule {
        action,
        versioned: Some(versioned),
        on,
        acl,
    }
}

/// The rule of S3 operation `op` (s3s's operation name, which is AWS's).
/// None for operations Gureum does not know: they are refused to anyone
/// but root (fail closed).
pub fn rule(op: &str) -> Option<OpRule> {
    use AclNeed as A;
    use On::*;
    Some(match op {
        "ListBuckets" => r("s3:ListAllMyBuckets", Account, A::None),
        "CreateBucket" => r("s3:CreateBucket", Bucket, A::None),
        "DeleteBucket" => r("s3:DeleteBucket", Bucket, A::None),
        "HeadBucket" | "ListObjects" | "ListObjectsV2" => {
            r("s3:ListBucket", Bucket, A::Bucket("READ"))
        }
        "GetBucketLocation" => r("s3:GetBucketLocation", Bucket, A::None),
        "ListObjectVersions" => r("s3:ListBucketVersions", Bucket, A::Bucket("READ")),
        "ListMultipartUploads" => r("s3:ListBucketMultipartUploads", Bucket, A::Bucket("READ")),
        "GetObject" | "HeadObject" => rv(
            "s3:GetObject",
            "s3:GetObjectVersion",
            Object,
            A::Object("READ"),
        ),
        "GetObjectAttributes" => rv(
            "s3:GetObjectAttributes",
            "s3:GetObjectVersionAttributes",
            Object,
            A::Object("READ"),
        ),
        "PutObject"
        | "PostObject"
        | "CreateMultipartUpload"
        | "UploadPart"
        | "CompleteMultipartUpload"
        | "CopyObject"
        | "UploadPartCopy" => r("s3:PutObject", Object, A::Bucket("WRITE")),
        "DeleteObject" => rv(
            "s3:DeleteObject",
            "s3:DeleteObjectVersion",
            Object,
            A::Bucket("WRITE"),
        ),
        // Checked per key by the handler (s3:DeleteObject each).
        "DeleteObjects" => r("s3:DeleteObject", Bucket, A::Bucket("WRITE")),
        "AbortMultipartUpload" => r("s3:AbortMultipartUpload", Object, A::Bucket("WRITE")),
        "ListParts" => r("s3:ListMultipartUploadParts", Object, A::Bucket("READ")),
        "GetObjectTagging" => rv(
            "s3:GetObjectTagging",
            "s3:GetObjectVersionTagging",
            Object,
            A::None,
        ),
        "PutObjectTagging" => rv(
            "s3:PutObjectTagging",
            "s3:PutObjectVersionTagging",
            Object,
            A::None,
        ),
        "DeleteObjectTagging" => rv(
            "s3:DeleteObjectTagging",
            "s3:DeleteObjectVersionTagging",
            Object,
            A::None,
        ),
        "GetObjectAcl" => rv(
            "s3:GetObjectAcl",
            "s3:GetObjectVersionAcl",
            Object,
            A::Object("READ_ACP"),
        ),
        "PutObjectAcl" => rv(
            "s3:PutObjectAcl",
            "s3:PutObjectVersionAcl",
            Object,
            A::Object("WRITE_ACP"),
        ),
        "GetBucketAcl" => r("s3:GetBucketAcl", Bucket, A::Bucket("READ_ACP")),
        "PutBucketAcl" => r("s3:PutBucketAcl", Bucket, A::Bucket("WRITE_ACP")),
        "GetBucketVersioning" => r("s3:GetBucketVersioning", Bucket, A::None),
        "PutBucketVersioning" => r("s3:PutBucketVersioning", Bucket, A::None),
        "GetBucketCors" => r("s3:GetBucketCORS", Bucket, A::None),
        "PutBucketCors" | "DeleteBucketCors" => r("s3:PutBucketCORS", Bucket, A::None),
        "GetBucketLifecycleConfiguration" => r("s3:GetLifecycleConfiguration", Bucket, A::None),
        "PutBucketLifecycleConfiguration" | "DeleteBucketLifecycle" => {
            r("s3:PutLifecycleConfiguration", Bucket, A::None)
        }
        "GetBucketPolicy" => r("s3:GetBucketPolicy", Bucket, A::None),
        "PutBucketPolicy" => r("s3:PutBucketPolicy", Bucket, A::None),
        "DeleteBucketPolicy" => r("s3:DeleteBucketPolicy", Bucket, A::None),
        "GetBucketPolicyStatus" => r("s3:GetBucketPolicyStatus", Bucket, A::None),
        "GetPublicAccessBlock" => r("s3:GetBucketPublicAccessBlock", Bucket, A::None),
        "PutPublicAccessBlock" | "DeletePublicAccessBlock" => {
            r("s3:PutBucketPublicAccessBlock", Bucket, A::None)
        }
        "GetBucketOwnershipControls" => r("s3:GetBucketOwnershipControls", Bucket, A::None),
        "PutBucketOwnershipControls" | "DeleteBucketOwnershipControls" => {
            r("s3:PutBucketOwnershipControls", Bucket, A::None)
        }
        "GetBucketTagging" => r("s3:GetBucketTagging", Bucket, A::None),
        "PutBucketTagging" | "DeleteBucketTagging" => r("s3:PutBucketTagging", Bucket, A::None),
        "GetBucketEncryption" => r("s3:GetEncryptionConfiguration", Bucket, A::None),
        "PutBucketEncryption" | "DeleteBucketEncryption" => {
            r("s3:PutEncryptionConfiguration", Bucket, A::None)
        }
        "GetObjectLockConfiguration" => r("s3:GetBucketObjectLockConfiguration", Bucket, A::None),
        "PutObjectLockConfiguration" => r("s3:PutBucketObjectLockConfiguration", Bucket, A::None),
        "GetObjectRetention" => r("s3:GetObjectRetention", Object, A::None),
        "PutObjectRetention" => r("s3:PutObjectRetention", Object, A::None),
        "GetObjectLegalHold" => r("s3:GetObjectLegalHold", Object, A::None),
        "PutObjectLegalHold" => r("s3:PutObjectLegalHold", Object, A::None),
        "GetBucketNotificationConfiguration" => r("s3:GetBucketNotification", Bucket, A::None),
        "PutBucketNotificationConfiguration" => r("s3:PutBucketNotification", Bucket, A::None),
        "GetBucketLogging" => r("s3:GetBucketLogging", Bucket, A::None),
        "PutBucketLogging" => r("s3:PutBucketLogging", Bucket, A::None),
        "GetBucketRequestPayment" => r("s3:GetBucketRequestPayment", Bucket, A::None),
        "PutBucketRequestPayment" => r("s3:PutBucketRequestPayment", Bucket, A::None),
        "GetBucketAccelerateConfiguration" => r("s3:GetAccelerateConfiguration", Bucket, A::None),
        "GetObjectTorrent" => r("s3:GetObject", Object, A::Object("READ")),
        _ => return None,
    })
}

/// The ARN an operation is checked on.
pub fn resource_arn(on: On, bucket: &str, key: &str) -> String {
    match on {
        On::Account => "arn:aws:s3:::*".to_string(),
        On::Bucket => format!("arn:aws:s3:::{bucket}"),
        On::Object => format!("arn:aws:s3:::{bucket}/{key}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_names() {
        let table = [
            ("GetObject", "s3:GetObject", On::Object),
            ("HeadObject", "s3:GetObject", On::Object),
            ("ListObjectsV2", "s3:ListBucket", On::Bucket),
            ("ListObjects", "s3:ListBucket", On::Bucket),
            ("HeadBucket", "s3:ListBucket", On::Bucket),
            ("ListObjectVersions", "s3:ListBucketVersions", On::Bucket),
            ("UploadPart", "s3:PutObject", On::Object),
            ("CompleteMultipartUpload", "s3:PutObject", On::Object),
            ("CopyObject", "s3:PutObject", On::Object),
            ("ListBuckets", "s3:ListAllMyBuckets", On::Account),
            ("DeleteBucketCors", "s3:PutBucketCORS", On::Bucket),
            ("ListParts", "s3:ListMultipartUploadParts", On::Object),
        ];
        for (op, action, on) in table {
            let rule = rule(op).unwrap_or_else(|| panic!("{op}"));
            assert_eq!((rule.action, rule.on), (action, on), "{op}");
        }
        assert_eq!(
            rule("GetObject").and_then(|r| r.versioned),
            Some("s3:GetObjectVersion")
        );
        assert_eq!(
            rule("DeleteObject").and_then(|r| r.versioned),
            Some("s3:DeleteObjectVersion")
        );
        assert!(rule("SomethingNew").is_none());
        assert_eq!(resource_arn(On::Object, "b", "a/k"), "arn:aws:s3:::b/a/k");
    }
}
