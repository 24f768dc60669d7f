//! Object tags (Get/Put/DeleteObjectTagging) and GetObjectAttributes:
//! reads and in-place changes of a version's facts, never of its body.

use s3s::dto::*;
use s3s::{S3Error, S3ErrorCode, S3Request, S3Response, S3Result};

use super::GureumS3;
use super::bucket::timestamp;
use super::checksum::{Sums, set_checksums, set_part_checksums};
use crate::objects::validate_tags;

pub(super) fn get_object_tagging(
    s3: &GureumS3,
    req: S3Request<GetObjectTaggingInput>,
) -> S3Result<S3Response<GetObjectTaggingOutput>> {
    let i = req.input;
    let info = s3
        .objects
        .head_object(&i.bucket, &i.key, i.version_id.as_deref())?;
    let tag_set = info
        .tags
        .iter()
        .map(|(k, v)| Tag {
            key: Some(k.clone()),
            value: Some(v.clone()),
        })
        .collect();
    Ok(S3Response::new(GetObjectTaggingOutput {
        tag_set,
        version_id: s3.version_id(&info),
    }))
}

pub(super) async fn put_object_tagging(
    s3: &GureumS3,
    req: S3Request<PutObjectTaggingInput>,
) -> S3Result<S3Response<PutObjectTaggingOutput>> {
    let i = req.input;
    let pairs = i
        .tagging
        .tag_set
        .into_iter()
        .map(|t| match (t.key, t.value) {
            (Some(k), v) => Ok((k, v.unwrap_or_default())),
            (None, _) => Err(S3Error::with_message(
                S3ErrorCode::InvalidTag,
                "The TagKey you have provided is invalid",
            )),
        })
        .collect::<S3Result<Vec<_>>>()?;
    let tags = validate_tags(pairs)?;
    let info = s3
        .objects
        .set_tags(&i.bucket, &i.key, i.version_id.as_deref(), tags)
        .await?;
    Ok(S3Response::new(PutObjectTaggingOutput {
        version_id: s3.version_id(&info),
    }))
}

pub(super) async fn delete_object_tagging(
    s3: &GureumS3,
    req: S3Request<DeleteObjectTaggingInput>,
) -> S3Result<S3Response<DeleteObjectTaggingOutput>> {
    let i = req.input;
    let info = s3
        .objects
        .set_tags(
            &i.bucket,
            &i.key,
            i.version_id.as_deref(),
            Default::default(),
        )
        .await?;
    Ok(S3Response::new(DeleteObjectTaggingOutput {
        version_id: s3.version_id(&info),
    }))
}

pub(super) fn get_object_attributes(
    s3: &GureumS3,
    req: S3Request<GetObjectAttributesInput>,
) -> S3Result<S3Response<GetObjectAttributesOutput>> {
    let i = req.input;
    let info = s3
        .objects
        .head_object(&i.bucket, &i.key, i.version_id.as_deref())?;
    let want = |name: &str| i.object_attributes.iter().any(|a| a.as_str() == name);
    let mut out = GetObjectAttributesOutput {
        last_modified: Some(timestamp(info.mtime_ms)),
        version_id: s3.version_id(&info),
        ..Default::default()
    };
    if want(ObjectAttributes::ETAG) {
        // GetObjectAttributes returns the ETag without quotes.
        out.e_tag = Some(ETag::Strong(info.etag.clone()));
    }
    if want(ObjectAttributes::OBJECT_SIZE) {
        out.object_size = Some(info.size as i64);
    }
    if want(ObjectAttributes::STORAGE_CLASS) {
        out.storage_class = Some(StorageClass::from_static(StorageClass::STANDARD));
    }
    if want(ObjectAttributes::CHECKSUM) && info.checksum.is_some() {
        let mut c = Checksum::default();
        set_checksums!(c, Sums::of(info.checksum.as_ref()));
        out.checksum = Some(c);
    }
    if want(ObjectAttributes::OBJECT_PARTS) && !info.parts.is_empty() {
        let after = i
            .part_number_marker
            .and_then(|m| u32::try_from(m).ok())
            .unwrap_or(0);
        let max = i.max_parts.unwrap_or(1000).clamp(0, 1000) as usize;
        let alg = info.checksum.as_ref().map(|c| c.algorithm.as_str());
        let rest: Vec<_> = info.parts.iter().filter(|p| p.number > after).collect();
        let truncated = rest.len() > max;
        let parts: Vec<ObjectPart> = rest
            .iter()
            .take(max)
            .map(|p| {
                let mut op = ObjectPart {
                    part_number: Some(p.number as i32),
                    size: Some(p.size as i64),
                    ..Default::default()
                };
                set_part_checksums!(op, Sums::of_part(alg, p.checksum.as_ref()));
                op
            })
            .collect();
        out.object_parts = Some(GetObjectAttributesParts {
            total_parts_count: Some(info.parts.len() as i32),
            part_number_marker: i.part_number_marker,
            next_part_number_marker: parts.last().and_then(|p| p.part_number),
            max_parts: Some(max as i32),
            is_truncated: Some(truncated),
            parts: Some(parts),
        });
    }
    Ok(S3Response::new(out))
}
