//! Bucket operations: CreateBucket, HeadBucket, DeleteBucket, ListBuckets,
//! GetBucketLocation.

use s3s::dto::*;
use s3s::{S3Request, S3Response, S3Result};

use super::GureumS3;
use super::acl::{GrantHeaders, check_bucket_takes};
use super::bucket_access::ownership_value;
use crate::objects::BucketConfig;

pub(super) fn timestamp(ms: i64) -> Timestamp {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    Timestamp::from(t)
}

pub(super) async fn create_bucket(
    s3: &GureumS3,
    req: S3Request<CreateBucketInput>,
) -> S3Result<S3Response<CreateBucketOutput>> {
    let i = req.input;
    let bucket = i.bucket;
    let ownership = match &i.object_ownership {
        Some(o) => ownership_value(o.as_str())?,
        None => "ObjectWriter".to_string(),
    };
    let mut config = BucketConfig {
        ownership: Some(ownership),
        ..Default::default()
    };
    let grants = GrantHeaders {
        full_control: i.grant_full_control.as_deref(),
        read: i.grant_read.as_deref(),
        read_acp: i.grant_read_acp.as_deref(),
        write: i.grant_write.as_deref(),
        write_acp: i.grant_write_acp.as_deref(),
    };
    if let Some(acl) = s3.requested_acl(i.acl.as_ref().map(BucketCannedACL::as_str), &grants)? {
        check_bucket_takes(&config, &acl)?;
        config.acl = Some(acl);
    }
    s3.objects.create_bucket(&bucket, config).await?;
    Ok(S3Response::new(CreateBucketOutput {
        location: Some(format!("/{bucket}")),
    }))
}

pub(super) fn head_bucket(
    s3: &GureumS3,
    req: S3Request<HeadBucketInput>,
) -> S3Result<S3Response<HeadBucketOutput>> {
    s3.objects.head_bucket(&req.input.bucket)?;
    Ok(S3Response::new(HeadBucketOutput {
        bucket_region: Some(s3.region.clone()),
        ..Default::default()
    }))
}

pub(super) async fn delete_bucket(
    s3: &GureumS3,
    req: S3Request<DeleteBucketInput>,
) -> S3Result<S3Response<DeleteBucketOutput>> {
    s3.objects.delete_bucket(&req.input.bucket).await?;
    Ok(S3Response::new(DeleteBucketOutput::default()))
}

pub(super) fn list_buckets(
    s3: &GureumS3,
    _req: S3Request<ListBucketsInput>,
) -> S3Result<S3Response<ListBucketsOutput>> {
    let buckets = s3
        .objects
        .list_buckets()?
        .into_iter()
        .map(|b| Bucket {
            name: Some(b.name),
            creation_date: Some(timestamp(b.created_ms)),
            bucket_region: Some(s3.region.clone()),
        })
        .collect();
    Ok(S3Response::new(ListBucketsOutput {
        buckets: Some(buckets),
        owner: Some(s3.owner()),
        ..Default::default()
    }))
}

pub(super) fn get_bucket_location(
    s3: &GureumS3,
    req: S3Request<GetBucketLocationInput>,
) -> S3Result<S3Response<GetBucketLocationOutput>> {
    s3.objects.head_bucket(&req.input.bucket)?;
    // S3 reports us-east-1 as an empty LocationConstraint.
    let location_constraint =
        (s3.region != "us-east-1").then(|| BucketLocationConstraint::from(s3.region.clone()));
    Ok(S3Response::new(GetBucketLocationOutput {
        location_constraint,
    }))
}
