//! Server-side copies: CopyObject (metadata COPY or REPLACE, copy onto
//! itself to change metadata, `x-amz-copy-source-if-*`) and UploadPartCopy
//! (with `x-amz-copy-source-range`). The source streams through the same
//! read and write pipelines as GET and PUT; nothing is buffered whole.

use gureum_common::conditions::Outcome;
use s3s::dto::*;
use s3s::{S3Error, S3ErrorCode, S3Request, S3Response, S3Result};

use super::GureumS3;
use super::acl::GrantHeaders;
use super::bucket::timestamp;
use super::checksum::{Sums, set_checksums, set_part_checksums};
use super::get::{conditions, validators};
use super::object::{etag, new_object_meta, parse_tagging, stored_headers};
use crate::objects::{
    ChecksumAlgorithm, ChecksumPlan, ObjectInfo, OpenVersion, PutRequest, now_ms,
};

fn source(cs: &CopySource) -> S3Result<(String, String, Option<String>)> {
    match cs {
        CopySource::Bucket {
            bucket,
            key,
            version_id,
        } => Ok((
            bucket.to_string(),
            key.to_string(),
            version_id.as_ref().map(|v| v.to_string()),
        )),
        _ => Err(S3Error::with_message(
            S3ErrorCode::NotImplemented,
            "Access point and outpost copy sources are not supported",
        )),
    }
}

/// `x-amz-copy-source-if-*`: the common evaluator's copy-source rules
/// (every failure is 412).
fn check_source(
    info: &ObjectInfo,
    if_match: Option<&ETagCondition>,
    if_none_match: Option<&ETagCondition>,
    if_modified_since: Option<&Timestamp>,
    if_unmodified_since: Option<&Timestamp>,
) -> S3Result<()> {
    let c = conditions(
        if_match,
        if_none_match,
        if_modified_since,
        if_unmodified_since,
    );
    match c.evaluate_copy_source(&validators(info)) {
        Outcome::Proceed => Ok(()),
        _ => Err(S3Error::new(S3ErrorCode::PreconditionFailed)),
    }
}

async fn open_source(s3: &GureumS3, cs: &CopySource) -> S3Result<(ObjectInfo, OpenVersion)> {
    let (bucket, key, version) = source(cs)?;
    Ok(s3
        .objects
        .open_object(&bucket, &key, version.as_deref())
        .await?)
}

pub(super) async fn copy_object(
    s3: &GureumS3,
    req: S3Request<CopyObjectInput>,
) -> S3Result<S3Response<CopyObjectOutput>> {
    let i = req.input;
    new_object_meta(&i.key, None)?;
    let (src, open) = open_source(s3, &i.copy_source).await?;
    check_source(
        &src,
        i.copy_source_if_match.as_ref(),
        i.copy_source_if_none_match.as_ref(),
        i.copy_source_if_modified_since.as_ref(),
        i.copy_source_if_unmodified_since.as_ref(),
    )?;
    let replace = i
        .metadata_directive
        .as_ref()
        .is_some_and(|d| d.as_str() == MetadataDirective::REPLACE);
    if !replace && src.bucket == i.bucket && src.key == i.key {
        return Err(S3Error::with_message(
            S3ErrorCode::InvalidRequest,
            "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
        ));
    }
    let (headers, user_meta) = if replace {
        (
            stored_headers(
                i.content_type,
                i.cache_control,
                i.content_disposition,
                i.content_encoding,
                i.content_language,
                i.expires.as_ref(),
            ),
            new_object_meta(&i.key, i.metadata)?,
        )
    } else {
        (src.headers.clone(), src.user_meta.clone())
    };
    let tags = match i.tagging_directive.as_ref().map(|d| d.as_str()) {
        Some(TaggingDirective::REPLACE) => parse_tagging(i.tagging.as_deref())?,
        _ => src.tags.clone(),
    };
    // The copy gets a checksum computed as its bytes stream by: the one
    // asked for, else the source's algorithm, else S3's default.
    let alg = match &i.checksum_algorithm {
        Some(a) => ChecksumAlgorithm::parse(a.as_str()).ok_or_else(|| {
            S3Error::with_message(
                S3ErrorCode::InvalidRequest,
                format!("Checksum algorithm {} is not supported.", a.as_str()),
            )
        })?,
        None => src
            .checksum
            .as_ref()
            .and_then(|c| ChecksumAlgorithm::parse(&c.algorithm))
            .unwrap_or(ChecksumAlgorithm::Crc64Nvme),
    };
    let acl = s3.write_acl(
        &i.bucket,
        i.acl.as_ref().map(ObjectCannedACL::as_str),
        &GrantHeaders {
            full_control: i.grant_full_control.as_deref(),
            read: i.grant_read.as_deref(),
            read_acp: i.grant_read_acp.as_deref(),
            write: None,
            write_acp: i.grant_write_acp.as_deref(),
        },
    )?;
    let source_version = s3.version_id(&src);
    let body = s3.objects.read(open, 0..src.size);
    let info = s3
        .objects
        .put_object(
            PutRequest {
                bucket: i.bucket,
                key: i.key,
                headers,
                user_meta,
                expected_md5: None,
                expected_size: Some(src.size),
                delete_marker: false,
                null_version: false,
                tags,
                acl,
            },
            body,
            ChecksumPlan::compute(alg),
        )
        .await?;
    let mut result = CopyObjectResult {
        e_tag: Some(etag(&info)),
        last_modified: Some(timestamp(info.mtime_ms)),
        ..Default::default()
    };
    set_checksums!(result, Sums::of(info.checksum.as_ref()));
    Ok(S3Response::new(CopyObjectOutput {
        copy_object_result: Some(result),
        version_id: s3.version_id(&info),
        copy_source_version_id: source_version,
        ..Default::default()
    }))
}

pub(super) async fn upload_part_copy(
    s3: &GureumS3,
    req: S3Request<UploadPartCopyInput>,
) -> S3Result<S3Response<UploadPartCopyOutput>> {
    let i = req.input;
    let upload = s3.objects.get_upload(&i.bucket, &i.key, &i.upload_id)?;
    let (src, open) = open_source(s3, &i.copy_source).await?;
    check_source(
        &src,
        i.copy_source_if_match.as_ref(),
        i.copy_source_if_none_match.as_ref(),
        i.copy_source_if_modified_since.as_ref(),
        i.copy_source_if_unmodified_since.as_ref(),
    )?;
    let span = match i.copy_source_range.as_deref() {
        None => 0..src.size,
        Some(r) => {
            let invalid = || {
                S3Error::with_message(
                    S3ErrorCode::InvalidArgument,
                    "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy",
                )
            };
            let parsed = Range::parse(r).map_err(|_| invalid())?;
            // Copy ranges must be explicit and inside the source.
            match parsed {
                Range::Int {
                    first,
                    last: Some(last),
                } if last >= first && last < src.size => first..last + 1,
                _ => return Err(invalid()),
            }
        }
    };
    let len = span.end - span.start;
    let number = u32::try_from(i.part_number).map_err(|_| {
        S3Error::with_message(
            S3ErrorCode::InvalidArgument,
            "Part number must be an integer between 1 and 10000, inclusive",
        )
    })?;
    let source_version = s3.version_id(&src);
    let body = s3.objects.read(open, span);
    let data = s3
        .objects
        .upload_part(
            &upload,
            number,
            body,
            None,
            Some(len),
            ChecksumPlan::default(),
        )
        .await?;
    let mut result = CopyPartResult {
        e_tag: Some(ETag::Strong(data.etag)),
        last_modified: Some(timestamp(now_ms())),
        ..Default::default()
    };
    if upload.checksum_algorithm.is_some() {
        set_part_checksums!(
            result,
            Sums::of_part(data.checksum_algorithm.as_deref(), data.checksum.as_ref())
        );
    }
    Ok(S3Response::new(UploadPartCopyOutput {
        copy_part_result: Some(result),
        copy_source_version_id: source_version,
        ..Default::default()
    }))
}
