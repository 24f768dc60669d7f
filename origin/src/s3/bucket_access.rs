//! A bucket's access settings: its policy (Put/Get/DeleteBucketPolicy,
//! GetBucketPolicyStatus), public access block (Put/Get/Delete) and
//! ownership controls (Put/Get/Delete). Documents are validated when they
//! are put — a malformed policy is refused here, never at request time —
//! and kept in the bucket's settings by the object layer.

use s3s::dto::*;
use s3s::{S3Error, S3ErrorCode, S3Request, S3Response, S3Result};

use super::GureumS3;
use crate::iam::acl;
use crate::iam::policy::{Policy, PolicyKind};
use crate::objects::PublicAccessBlock;

/// Largest bucket policy S3 accepts (20 KiB).
const MAX_POLICY: usize = 20 * 1024;

const OWNERSHIPS: [&str; 3] = [
    "BucketOwnerEnforced",
    "BucketOwnerPreferred",
    "ObjectWriter",
];

fn malformed_policy(msg: impl Into<String>) -> S3Error {
    S3Error::with_message(S3ErrorCode::MalformedPolicy, msg.into())
}

fn not_found(code: &str, msg: &str) -> S3Error {
    let mut e = S3Error::with_message(
        S3ErrorCode::Custom(code.to_string().into()),
        msg.to_string(),
    );
    e.set_status_code(http::StatusCode::NOT_FOUND);
    e
}

impl GureumS3 {
    /// Refuses a policy naming principals this deployment does not have.
    fn check_principals(&self, policy: &Policy) -> S3Result<()> {
        let account = self.account();
        let root = format!("arn:aws:iam::{}:root", account.id);
        let user_prefix = format!("arn:aws:iam::{}:user/", account.id);
        let state = self.authz.iam().state();
        for p in policy.named_principals() {
            let known = p == account.id
                || p == root
                || p.strip_prefix(&user_prefix).is_some_and(|rest| {
                    let name = rest.rsplit('/').next().unwrap_or(rest);
                    state.users.contains_key(name)
                });
            if !known {
                return Err(malformed_policy("Invalid principal in policy"));
            }
        }
        Ok(())
    }
}

pub(super) async fn put_bucket_policy(
    s3: &GureumS3,
    req: S3Request<PutBucketPolicyInput>,
) -> S3Result<S3Response<PutBucketPolicyOutput>> {
    let i = req.input;
    let bucket_rec = s3.objects.head_bucket(&i.bucket)?;
    let config = &bucket_rec.config;
    if i.policy.len() > MAX_POLICY {
        return Err(malformed_policy("Policies must be less than 20 KB"));
    }
    let policy = Policy::parse(&i.policy, PolicyKind::Bucket { bucket: &i.bucket })
        .map_err(|e| malformed_policy(e.message()))?;
    s3.check_principals(&policy)?;
    if config.access_block().block_public_policy && policy.is_public() {
        return Err(s3s::s3_error!(AccessDenied, "Access Denied"));
    }
    s3.objects
        .update_bucket_config(&i.bucket, |c| c.policy = Some(i.policy))
        .await?;
    s3.authz.forget_bucket(&i.bucket);
    Ok(S3Response::new(PutBucketPolicyOutput::default()))
}

pub(super) fn get_bucket_policy(
    s3: &GureumS3,
    req: S3Request<GetBucketPolicyInput>,
) -> S3Result<S3Response<GetBucketPolicyOutput>> {
    let bucket_rec = s3.objects.head_bucket(&req.input.bucket)?;
    let config = &bucket_rec.config;
    let policy = config.policy.clone().ok_or_else(no_policy)?;
    Ok(S3Response::new(GetBucketPolicyOutput {
        policy: Some(policy),
    }))
}

fn no_policy() -> S3Error {
    S3Error::with_message(
        S3ErrorCode::NoSuchBucketPolicy,
        "The bucket policy does not exist",
    )
}

pub(super) async fn delete_bucket_policy(
    s3: &GureumS3,
    req: S3Request<DeleteBucketPolicyInput>,
) -> S3Result<S3Response<DeleteBucketPolicyOutput>> {
    let bucket = req.input.bucket;
    s3.objects
        .update_bucket_config(&bucket, |c| c.policy = None)
        .await?;
    s3.authz.forget_bucket(&bucket);
    Ok(S3Response::new(DeleteBucketPolicyOutput::default()))
}

pub(super) fn get_bucket_policy_status(
    s3: &GureumS3,
    req: S3Request<GetBucketPolicyStatusInput>,
) -> S3Result<S3Response<GetBucketPolicyStatusOutput>> {
    let bucket = req.input.bucket;
    let bucket_rec = s3.objects.head_bucket(&bucket)?;
    let config = &bucket_rec.config;
    let text = config.policy.clone().ok_or_else(no_policy)?;
    let public = Policy::parse(&text, PolicyKind::Bucket { bucket: &bucket })
        .map(|p| p.is_public())
        .unwrap_or(false);
    Ok(S3Response::new(GetBucketPolicyStatusOutput {
        policy_status: Some(PolicyStatus {
            is_public: Some(public),
        }),
    }))
}

pub(super) async fn put_public_access_block(
    s3: &GureumS3,
    req: S3Request<PutPublicAccessBlockInput>,
) -> S3Result<S3Response<PutPublicAccessBlockOutput>> {
    let i = req.input;
    let c = i.public_access_block_configuration;
    let block = PublicAccessBlock {
        block_public_acls: c.block_public_acls.unwrap_or(false),
        ignore_public_acls: c.ignore_public_acls.unwrap_or(false),
        block_public_policy: c.block_public_policy.unwrap_or(false),
        restrict_public_buckets: c.restrict_public_buckets.unwrap_or(false),
    };
    s3.objects
        .update_bucket_config(&i.bucket, |cfg| cfg.public_access_block = Some(block))
        .await?;
    Ok(S3Response::new(PutPublicAccessBlockOutput::default()))
}

pub(super) fn get_public_access_block(
    s3: &GureumS3,
    req: S3Request<GetPublicAccessBlockInput>,
) -> S3Result<S3Response<GetPublicAccessBlockOutput>> {
    let bucket_rec = s3.objects.head_bucket(&req.input.bucket)?;
    let config = &bucket_rec.config;
    let b = config.public_access_block.ok_or_else(|| {
        not_found(
            "NoSuchPublicAccessBlockConfiguration",
            "The public access block configuration was not found",
        )
    })?;
    Ok(S3Response::new(GetPublicAccessBlockOutput {
        public_access_block_configuration: Some(PublicAccessBlockConfiguration {
            block_public_acls: Some(b.block_public_acls),
            ignore_public_acls: Some(b.ignore_public_acls),
            block_public_policy: Some(b.block_public_policy),
            restrict_public_buckets: Some(b.restrict_public_buckets),
        }),
    }))
}

pub(super) async fn delete_public_access_block(
    s3: &GureumS3,
    req: S3Request<DeletePublicAccessBlockInput>,
) -> S3Result<S3Response<DeletePublicAccessBlockOutput>> {
    s3.objects
        .update_bucket_config(&req.input.bucket, |c| c.public_access_block = None)
        .await?;
    Ok(S3Response::new(DeletePublicAccessBlockOutput::default()))
}

/// Checks an object-ownership value.
pub(super) fn ownership_value(v: &str) -> S3Result<String> {
    if OWNERSHIPS.contains(&v) {
        Ok(v.to_string())
    } else {
        Err(s3s::s3_error!(
            MalformedXML,
            "The XML you provided was not well-formed or did not validate against our published schema"
        ))
    }
}

pub(super) async fn put_bucket_ownership_controls(
    s3: &GureumS3,
    req: S3Request<PutBucketOwnershipControlsInput>,
) -> S3Result<S3Response<PutBucketOwnershipControlsOutput>> {
    let i = req.input;
    let rules = i.ownership_controls.rules;
    let [rule] = rules.as_slice() else {
        return Err(s3s::s3_error!(
            MalformedXML,
            "The XML you provided was not well-formed or did not validate against our published schema"
        ));
    };
    let value = ownership_value(rule.object_ownership.as_str())?;
    let bucket_rec = s3.objects.head_bucket(&i.bucket)?;
    let config = &bucket_rec.config;
    if value == "BucketOwnerEnforced"
        && config
            .acl
            .as_ref()
            .is_some_and(|a| !acl::is_owner_full_control(a))
    {
        let mut e = S3Error::with_message(
            S3ErrorCode::Custom("InvalidBucketAclWithObjectOwnership".into()),
            "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting",
        );
        e.set_status_code(http::StatusCode::BAD_REQUEST);
        return Err(e);
    }
    s3.objects
        .update_bucket_config(&i.bucket, |c| c.ownership = Some(value))
        .await?;
    Ok(S3Response::new(PutBucketOwnershipControlsOutput::default()))
}

pub(super) fn get_bucket_ownership_controls(
    s3: &GureumS3,
    req: S3Request<GetBucketOwnershipControlsInput>,
) -> S3Result<S3Response<GetBucketOwnershipControlsOutput>> {
    let bucket_rec = s3.objects.head_bucket(&req.input.bucket)?;
    let config = &bucket_rec.config;
    let value = config.ownership.clone().ok_or_else(|| {
        not_found(
            "OwnershipControlsNotFoundError",
            "The bucket ownership controls were not found",
        )
    })?;
    Ok(S3Response::new(GetBucketOwnershipControlsOutput {
        ownership_controls: Some(OwnershipControls {
            rules: vec![OwnershipControlsRule {
                object_ownership: ObjectOwnership::from(value),
            }],
        }),
    }))
}

pub(super) async fn delete_bucket_ownership_controls(
    s3: &GureumS3,
    req: S3Request<DeleteBucketOwnershipControlsInput>,
) -> S3Result<S3Response<DeleteBucketOwnershipControlsOutput>> {
    s3.objects
        .update_bucket_config(&req.input.bucket, |c| c.ownership = None)
        .await?;
    Ok(S3Response::new(
        DeleteBucketOwnershipControlsOutput::default(),
    ))
}
