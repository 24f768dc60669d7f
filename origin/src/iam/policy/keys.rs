//! The condition keys a policy may name, and their canonical spelling.
//!
//! Owns: key normalisation (AWS compares key names case-insensitively, but
//! the tag key after `/` in `aws:PrincipalTag/<k>` and friends keeps its
//! case) and the lists of known global (`aws:`), S3 and IAM keys, from
//! AWS's "global condition context keys" page and the Service
//! Authorization Reference for Amazon S3 and IAM.
//! Must never: hold request values or decide matches.

/// The canonical form of a key: lowercase up to and including the first
/// `/`, the rest (a tag key) as written.
pub(super) fn normalize_key(key: &str) -> String {
    match key.split_once('/') {
        Some((head, tail)) => {
            let mut out = String::with_capacity(key.len());
            out.push_str(&head.to_ascii_lowercase());
            out.push('/');
            out.push_str(tail);
            out
        }
        None => key.to_ascii_lowercase(),
    }
}

/// Whether a normalised key is one AWS defines for S3 / IAM policies.
pub(super) fn is_known_key(normalized: &str) -> bool {
    if KNOWN_KEYS
        .iter()
        .any(|k| k.eq_ignore_ascii_case(normalized))
    {
        return true;
    }
    KNOWN_PREFIXES.iter().any(|prefix| {
        normalized
            .get(..prefix.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
            && normalized.len() > prefix.len()
    })
}

/// Keys whose name is followed by a caller-chosen tag key.
const KNOWN_PREFIXES: &[&str] = &[
    "aws:RequestTag/",
    "aws:PrincipalTag/",
    "aws:ResourceTag/",
    "s3:ExistingObjectTag/",
    "s3:RequestObjectTag/",
    "s3:BucketTag/",
    "iam:ResourceTag/",
];

/// Fixed key names. `aws:SourceVpc` / `aws:SourceVpce` and the other
/// network keys are accepted although a self-hosted store never sets them:
/// conditions on them then follow AWS's absent-key rules.
const KNOWN_KEYS: &[&str] = &[
    // Global keys.
    "aws:AssumedRoot",
    "aws:CalledVia",
    "aws:CalledViaFirst",
    "aws:CalledViaLast",
    "aws:CurrentTime",
    "aws:EpochTime",
    "aws:Ec2InstanceSourcePrivateIPv4",
    "aws:Ec2InstanceSourceVpc",
    "aws:FederatedProvider",
    "aws:IsMcpServiceAction",
    "aws:MultiFactorAuthAge",
    "aws:MultiFactorAuthPresent",
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
    "aws:PrincipalIsAWSService",
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalServiceName",
    "aws:PrincipalServiceNamesList",
    "aws:PrincipalType",
    "aws:Referer",
    "aws:RequestedRegion",
    "aws:ResourceAccount",
    "aws:ResourceOrgID",
    "aws:ResourceOrgPaths",
    "aws:SecureTransport",
    "aws:SourceAccount",
    "aws:SourceArn",
    "aws:SourceIdentity",
    "aws:SourceIp",
    "aws:SourceOrgID",
    "aws:SourceOrgPaths",
    "aws:SourceOwner",
    "aws:SourceVpc",
    "aws:SourceVpcArn",
    "aws:SourceVpce",
    "aws:TagKeys",
    "aws:TokenIssueTime",
    "aws:UserAgent",
    "aws:userid",
    "aws:username",
    "aws:ViaAWSService",
    "aws:VpceAccount",
    "aws:VpceOrgID",
    "aws:VpceOrgPaths",
    "aws:VpcSourceIp",
    // Amazon S3 keys.
    "s3:AccessGrantsInstanceArn",
    "s3:AccessPointNetworkOrigin",
    "s3:authType",
    "s3:DataAccessPointAccount",
    "s3:DataAccessPointArn",
    "s3:delimiter",
    "s3:ExistingJobOperation",
    "s3:ExistingJobPriority",
    "s3:if-match",
    "s3:if-none-match",
    "s3:JobSuspendedCause",
    "s3:LocationConstraint",
    "s3:max-keys",
    "s3:object-lock-legal-hold",
    "s3:object-lock-mode",
    "s3:object-lock-remaining-retention-days",
    "s3:object-lock-retain-until-date",
    "s3:ObjectCreationOperation",
    "s3:prefix",
    "s3:RequestJobOperation",
    "s3:RequestJobPriority",
    "s3:RequestObjectTagKeys",
    "s3:ResourceAccount",
    "s3:signatureAge",
    "s3:signatureversion",
    "s3:TlsVersion",
    "s3:VersionId",
    "s3:x-amz-acl",
    "s3:x-amz-content-sha256",
    "s3:x-amz-copy-source",
    "s3:x-amz-grant-full-control",
    "s3:x-amz-grant-read",
    "s3:x-amz-grant-read-acp",
    "s3:x-amz-grant-write",
    "s3:x-amz-grant-write-acp",
    "s3:x-amz-metadata-directive",
    "s3:x-amz-object-ownership",
    "s3:x-amz-server-side-encryption",
    "s3:x-amz-server-side-encryption-aws-kms-key-id",
    "s3:x-amz-server-side-encryption-customer-algorithm",
    "s3:x-amz-storage-class",
    "s3:x-amz-website-redirect-location",
    // IAM keys (identity policies over iam: actions).
    "iam:AssociatedResourceArn",
    "iam:AWSServiceName",
    "iam:FIDO-certification",
    "iam:FIDO-FIPS-140-2-certification",
    "iam:FIDO-FIPS-140-3-certification",
    "iam:OrganizationsPolicyId",
    "iam:PassedToService",
    "iam:PermissionsBoundary",
    "iam:PolicyARN",
    "iam:RegisterSecurityKey",
];
