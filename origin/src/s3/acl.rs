//! ACL operations (Get/PutBucketAcl, Get/PutObjectAcl) and the ACL a write
//! asks for (`x-amz-acl` or `x-amz-grant-*` on CreateBucket, PutObject,
//! CopyObject, CreateMultipartUpload, POST): parsed and checked against
//! the bucket's ownership setting and public access block here, stored by
//! the object layer. What an ACL lets in is decided in `iam::acl`.

use s3s::dto::*;
use s3s::{S3Error, S3ErrorCode, S3Request, S3Response, S3Result};

use super::GureumS3;
use crate::iam::acl::{self, AclError};
use crate::objects::{BucketConfig, StoredAcl, StoredGrant};

impl From<AclError> for S3Error {
    fn from(e: AclError) -> Self {
        let code = match e {
            AclError::InvalidArgument(_) => S3ErrorCode::InvalidArgument,
            AclError::UnresolvableEmail => S3ErrorCode::UnresolvableGrantByEmailAddress,
            AclError::Malformed(_) => S3ErrorCode::MalformedACLError,
        };
        S3Error::with_message(code, e.to_string())
    }
}

/// The five `x-amz-grant-*` headers of a request, by permission.
pub(super) struct GrantHeaders<'a> {
    pub full_control: Option<&'a str>,
    pub read: Option<&'a str>,
    pub read_acp: Option<&'a str>,
    pub write: Option<&'a str>,
    pub write_acp: Option<&'a str>,
}

impl GrantHeaders<'_> {
    fn any(&self) -> bool {
        self.full_control.is_some()
            || self.read.is_some()
            || self.read_acp.is_some()
            || self.write.is_some()
            || self.write_acp.is_some()
    }
}

/// Refuses an ACL the bucket does not take: any but owner-full-control
/// when ACLs are disabled (BucketOwnerEnforced), a public one under
/// BlockPublicAcls.
pub(super) fn check_bucket_takes(config: &BucketConfig, acl: &StoredAcl) -> S3Result<()> {
    if config.acls_disabled() && !acl::is_owner_full_control(acl) {
        let mut e = S3Error::with_message(
            S3ErrorCode::AccessControlListNotSupported,
            "The bucket does not allow ACLs",
        );
        e.set_status_code(http::StatusCode::BAD_REQUEST);
        return Err(e);
    }
    if config.access_block().block_public_acls && acl::is_public(acl) {
        return Err(s3s::s3_error!(AccessDenied, "Access Denied"));
    }
    Ok(())
}

impl GureumS3 {
    /// The ACL a write asks for through a canned name or grant headers;
    /// None when it asks for none (the default, private, applies).
    pub(super) fn requested_acl(
        &self,
        canned: Option<&str>,
        grants: &GrantHeaders<'_>,
    ) -> S3Result<Option<StoredAcl>> {
        let a = self.account();
        match (canned, grants.any()) {
            (Some(_), true) => Err(s3s::s3_error!(
                InvalidRequest,
                "Specifying both Canned ACLs and Header Grants is not allowed"
            )),
            (Some(name), false) => Ok(Some(acl::canned(name, &a.canonical_id, &a.display_name)?)),
            (None, false) => Ok(None),
            (None, true) => {
                let mut out = StoredAcl {
                    owner: a.canonical_id.clone(),
                    grants: Vec::new(),
                };
                for (perm, value) in [
                    ("FULL_CONTROL", grants.full_control),
                    ("READ", grants.read),
                    ("READ_ACP", grants.read_acp),
                    ("WRITE", grants.write),
                    ("WRITE_ACP", grants.write_acp),
                ] {
                    if let Some(v) = value {
                        out.grants.extend(acl::parse_grant_header(
                            perm,
                            v,
                            &a.canonical_id,
                            &a.display_name,
                        )?);
                    }
                }
                Ok(Some(out))
            }
        }
    }

    /// The ACL of a write to `bucket`, checked against the bucket.
    pub(super) fn write_acl(
        &self,
        bucket: &str,
        canned: Option<&str>,
        grants: &GrantHeaders<'_>,
    ) -> S3Result<Option<StoredAcl>> {
        let Some(acl) = self.requested_acl(canned, grants)? else {
            return Ok(None);
        };
        let bucket_rec = self.objects.head_bucket(bucket)?;
        let config = &bucket_rec.config;
        check_bucket_takes(config, &acl)?;
        Ok(Some(acl))
    }

    /// The ACL from an AccessControlPolicy document.
    fn policy_acl(&self, policy: AccessControlPolicy) -> S3Result<StoredAcl> {
        let a = self.account();
        if let Some(owner) = policy.owner.as_ref().and_then(|o| o.id.as_deref())
            && owner != a.canonical_id
        {
            return Err(s3s::s3_error!(AccessDenied, "Access Denied"));
        }
        let mut out = StoredAcl {
            owner: a.canonical_id.clone(),
            grants: Vec::new(),
        };
        for g in policy.grants.unwrap_or_default() {
            let malformed = || {
                AclError::Malformed("The XML you provided was not well-formed or did not validate against our published schema".into())
            };
            let grantee = g.grantee.ok_or_else(malformed)?;
            let permission = g.permission.ok_or_else(malformed)?;
            acl::check_permission(permission.as_str())?;
            let kind = grantee.type_.as_str().to_string();
            let id = match kind.as_str() {
                acl::CANONICAL_USER => grantee.id.clone(),
                acl::GROUP => grantee.uri.clone(),
                acl::BY_EMAIL => grantee.email_address.clone(),
                _ => None,
            }
            .ok_or_else(malformed)?;
            acl::check_grantee(&kind, &id, &a.canonical_id)?;
            out.grants.push(StoredGrant {
                display_name: (kind == acl::CANONICAL_USER).then(|| a.display_name.clone()),
                kind,
                id,
                permission: permission.as_str().to_string(),
            });
        }
        Ok(out)
    }

    /// The ACL a Put*Acl call sets: canned, grant headers or the body.
    fn acl_of_put(
        &self,
        canned: Option<&str>,
        grants: &GrantHeaders<'_>,
        body: Option<AccessControlPolicy>,
    ) -> S3Result<StoredAcl> {
        match (self.requested_acl(canned, grants)?, body) {
            (Some(_), Some(_)) => Err(s3s::s3_error!(
                UnexpectedContent,
                "This request does not support content"
            )),
            (Some(acl), None) => Ok(acl),
            (None, Some(body)) => self.policy_acl(body),
            (None, None) => Err(s3s::s3_error!(
                MissingSecurityHeader,
                "Your request was missing a required header"
            )),
        }
    }

    fn grants_dto(&self, acl: &StoredAcl) -> (Owner, Grants) {
        let grants = acl
            .grants
            .iter()
            .map(|g| Grant {
                grantee: Some(Grantee {
                    display_name: g.display_name.clone(),
                    email_address: (g.kind == acl::BY_EMAIL).then(|| g.id.clone()),
                    id: (g.kind == acl::CANONICAL_USER).then(|| g.id.clone()),
                    type_: Type::from(g.kind.clone()),
                    uri: (g.kind == acl::GROUP).then(|| g.id.clone()),
                }),
                permission: Some(Permission::from(g.permission.clone())),
            })
            .collect();
        (self.owner(), grants)
    }

    fn default_acl(&self) -> StoredAcl {
        let a = self.account();
        acl::private(&a.canonical_id, &a.display_name)
    }
}

pub(super) fn get_bucket_acl(
    s3: &GureumS3,
    req: S3Request<GetBucketAclInput>,
) -> S3Result<S3Response<GetBucketAclOutput>> {
    let bucket_rec = s3.objects.head_bucket(&req.input.bucket)?;
    let config = &bucket_rec.config;
    let acl = match config.acl.clone() {
        Some(acl) if !config.acls_disabled() => acl,
        _ => s3.default_acl(),
    };
    let (owner, grants) = s3.grants_dto(&acl);
    Ok(S3Response::new(GetBucketAclOutput {
        owner: Some(owner),
        grants: Some(grants),
    }))
}

pub(super) async fn put_bucket_acl(
    s3: &GureumS3,
    req: S3Request<PutBucketAclInput>,
) -> S3Result<S3Response<PutBucketAclOutput>> {
    let i = req.input;
    let bucket_rec = s3.objects.head_bucket(&i.bucket)?;
    let config = &bucket_rec.config;
    let grants = GrantHeaders {
        full_control: i.grant_full_control.as_deref(),
        read: i.grant_read.as_deref(),
        read_acp: i.grant_read_acp.as_deref(),
        write: i.grant_write.as_deref(),
        write_acp: i.grant_write_acp.as_deref(),
    };
    let acl = s3.acl_of_put(
        i.acl.as_ref().map(BucketCannedACL::as_str),
        &grants,
        i.access_control_policy,
    )?;
    check_bucket_takes(config, &acl)?;
    s3.objects
        .update_bucket_config(&i.bucket, |c| c.acl = Some(acl))
        .await?;
    Ok(S3Response::new(PutBucketAclOutput::default()))
}

pub(super) fn get_object_acl(
    s3: &GureumS3,
    req: S3Request<GetObjectAclInput>,
) -> S3Result<S3Response<GetObjectAclOutput>> {
    let i = req.input;
    let bucket_rec = s3.objects.head_bucket(&i.bucket)?;
    let config = &bucket_rec.config;
    let info = s3
        .objects
        .head_object(&i.bucket, &i.key, i.version_id.as_deref())?;
    let acl = match info.acl {
        Some(acl) if !config.acls_disabled() => acl,
        _ => s3.default_acl(),
    };
    let (owner, grants) = s3.grants_dto(&acl);
    Ok(S3Response::new(GetObjectAclOutput {
        owner: Some(owner),
        grants: Some(grants),
        ..Default::default()
    }))
}

pub(super) async fn put_object_acl(
    s3: &GureumS3,
    req: S3Request<PutObjectAclInput>,
) -> S3Result<S3Response<PutObjectAclOutput>> {
    let i = req.input;
    let bucket_rec = s3.objects.head_bucket(&i.bucket)?;
    let config = &bucket_rec.config;
    let grants = GrantHeaders {
        full_control: i.grant_full_control.as_deref(),
        read: i.grant_read.as_deref(),
        read_acp: i.grant_read_acp.as_deref(),
        write: i.grant_write.as_deref(),
        write_acp: i.grant_write_acp.as_deref(),
    };
    let acl = s3.acl_of_put(
        i.acl.as_ref().map(ObjectCannedACL::as_str),
        &grants,
        i.access_control_policy,
    )?;
    check_bucket_takes(config, &acl)?;
    s3.objects
        .set_object_acl(&i.bucket, &i.key, i.version_id.as_deref(), acl)
        .await?;
    Ok(S3Response::new(PutObjectAclOutput::default()))
}
