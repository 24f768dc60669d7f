//! Versioning: Put/GetBucketVersioning and ListObjectVersions. What a
//! version id means for each operation lives in the object layer; this
//! module only speaks the wire format.

use s3s::dto::*;
use s3s::{S3Error, S3ErrorCode, S3Request, S3Response, S3Result};

use super::GureumS3;
use super::bucket::timestamp;
use super::list::{Enc, page_size};
use crate::objects::VersionListParams;
use crate::objects::Versioning;

pub(super) async fn put_bucket_versioning(
    s3: &GureumS3,
    req: S3Request<PutBucketVersioningInput>,
) -> S3Result<S3Response<PutBucketVersioningOutput>> {
    let i = req.input;
    let state = match i
        .versioning_configuration
        .status
        .as_ref()
        .map(|s| s.as_str())
    {
        Some(BucketVersioningStatus::ENABLED) => Versioning::Enabled,
        Some(BucketVersioningStatus::SUSPENDED) => Versioning::Suspended,
        _ => {
            return Err(S3Error::with_message(
                S3ErrorCode::MalformedXML,
                "The XML you provided was not well-formed or did not validate against our published schema",
            ));
        }
    };
    if i.versioning_configuration
        .mfa_delete
        .as_ref()
        .is_some_and(|m| m.as_str() == MFADelete::ENABLED)
    {
        return Err(S3Error::with_message(
            S3ErrorCode::NotImplemented,
            "MFA Delete is not supported",
        ));
    }
    s3.objects
        .update_bucket_config(&i.bucket, |c| {
            // Once versioned, a bucket never goes back to unversioned.
            c.versioning = state;
        })
        .await?;
    Ok(S3Response::new(PutBucketVersioningOutput::default()))
}

pub(super) fn get_bucket_versioning(
    s3: &GureumS3,
    req: S3Request<GetBucketVersioningInput>,
) -> S3Result<S3Response<GetBucketVersioningOutput>> {
    let rec = s3.objects.head_bucket(&req.input.bucket)?;
    let status = match rec.config.versioning {
        Versioning::Unversioned => None,
        Versioning::Enabled => Some(BucketVersioningStatus::from_static(
            BucketVersioningStatus::ENABLED,
        )),
        Versioning::Suspended => Some(BucketVersioningStatus::from_static(
            BucketVersioningStatus::SUSPENDED,
        )),
    };
    Ok(S3Response::new(GetBucketVersioningOutput {
        status,
        mfa_delete: None,
    }))
}

pub(super) fn list_object_versions(
    s3: &GureumS3,
    req: S3Request<ListObjectVersionsInput>,
) -> S3Result<S3Response<ListObjectVersionsOutput>> {
    let i = req.input;
    if i.version_id_marker
        .as_deref()
        .is_some_and(|v| !v.is_empty())
        && i.key_marker.as_deref().is_none_or(str::is_empty)
    {
        return Err(S3Error::with_message(
            S3ErrorCode::InvalidArgument,
            "A version-id marker cannot be specified without a key marker.",
        ));
    }
    let params = VersionListParams {
        prefix: i.prefix.clone().unwrap_or_default(),
        delimiter: i.delimiter.clone(),
        key_marker: i.key_marker.clone(),
        version_id_marker: i.version_id_marker.clone(),
        max_keys: page_size(i.max_keys),
    };
    let page = s3.objects.list_versions(&i.bucket, &params)?;
    let enc = Enc::new(i.encoding_type.as_ref());
    let mut versions = Vec::new();
    let mut markers = Vec::new();
    for e in page.entries {
        let info = e.info;
        if info.delete_marker {
            markers.push(DeleteMarkerEntry {
                is_latest: Some(e.is_latest),
                key: Some(enc.s(info.key.clone())),
                last_modified: Some(timestamp(info.mtime_ms)),
                owner: Some(s3.owner()),
                version_id: Some(info.s3_version_id().to_string()),
            });
        } else {
            versions.push(ObjectVersion {
                e_tag: Some(ETag::Strong(info.etag.clone())),
                is_latest: Some(e.is_latest),
                key: Some(enc.s(info.key.clone())),
                last_modified: Some(timestamp(info.mtime_ms)),
                owner: Some(s3.owner()),
                size: Some(info.size as i64),
                storage_class: Some(ObjectVersionStorageClass::from_static(
                    ObjectVersionStorageClass::STANDARD,
                )),
                version_id: Some(info.s3_version_id().to_string()),
                checksum_algorithm: info
                    .checksum
                    .as_ref()
                    .map(|c| vec![s3s::dto::ChecksumAlgorithm::from(c.algorithm.clone())]),
                checksum_type: info
                    .checksum
                    .as_ref()
                    .map(|c| ChecksumType::from(c.kind.clone())),
                ..Default::default()
            });
        }
    }
    let prefixes = page
        .prefixes
        .into_iter()
        .map(|p| CommonPrefix {
            prefix: Some(enc.s(p)),
        })
        .collect();
    Ok(S3Response::new(ListObjectVersionsOutput {
        name: Some(i.bucket),
        prefix: Some(enc.s(params.prefix)),
        delimiter: enc.o(i.delimiter),
        key_marker: Some(enc.s(i.key_marker.unwrap_or_default())),
        version_id_marker: Some(i.version_id_marker.unwrap_or_default()),
        max_keys: Some(params.max_keys as i32),
        is_truncated: Some(page.truncated),
        next_key_marker: enc.o(page.next_key_marker),
        next_version_id_marker: page.next_version_id_marker,
        versions: Some(versions),
        delete_markers: Some(markers),
        common_prefixes: Some(prefixes),
        encoding_type: i.encoding_type,
        ..Default::default()
    }))
}
