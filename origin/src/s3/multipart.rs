//! Multipart operations: CreateMultipartUpload, UploadPart,
//! CompleteMultipartUpload, AbortMultipartUpload, ListParts,
//! ListMultipartUploads. (UploadPartCopy lives in `copy`.)

use s3s::dto::*;
use s3s::{S3Request, S3Response, S3Result};

use super::GureumS3;
use super::acl::GrantHeaders;
use super::bucket::timestamp;
use super::checksum::{self, Sums, set_checksums, set_part_checksums};
use super::object::{
    declared_length, new_object_meta, parse_content_md5, parse_tagging, stored_headers,
};
use crate::objects::ChecksumAlgorithm;
use crate::objects::{ObjectError, RequestedPart, UploadSpec};

pub(super) async fn create_multipart_upload(
    s3: &GureumS3,
    req: S3Request<CreateMultipartUploadInput>,
) -> S3Result<S3Response<CreateMultipartUploadOutput>> {
    let i = req.input;
    let meta = new_object_meta(&i.key, i.metadata)?;
    let headers = stored_headers(
        i.content_type,
        i.cache_control,
        i.content_disposition,
        i.content_encoding,
        i.content_language,
        i.expires.as_ref(),
    );
    let checksum_algorithm = i
        .checksum_algorithm
        .as_ref()
        .map(|a| {
            ChecksumAlgorithm::parse(a.as_str()).ok_or_else(|| {
                ObjectError::InvalidRequest(format!(
                    "Checksum algorithm {} is not supported.",
                    a.as_str()
                ))
            })
        })
        .transpose()?;
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
    let spec = UploadSpec {
        headers,
        user_meta: meta,
        tags: parse_tagging(i.tagging.as_deref())?,
        checksum_algorithm,
        checksum_type: i.checksum_type.as_ref().map(|t| t.as_str().to_string()),
        acl,
    };
    let up = s3.objects.create_upload(&i.bucket, &i.key, spec).await?;
    Ok(S3Response::new(CreateMultipartUploadOutput {
        bucket: Some(up.bucket),
        key: Some(up.key),
        upload_id: Some(up.upload_id),
        checksum_algorithm: up.checksum_algorithm.map(s3s::dto::ChecksumAlgorithm::from),
        checksum_type: up.checksum_type.map(ChecksumType::from),
        ..Default::default()
    }))
}

fn part_number(n: i32) -> Result<u32, ObjectError> {
    u32::try_from(n).map_err(|_| {
        ObjectError::InvalidArgument(
            "Part number must be an integer between 1 and 10000, inclusive".into(),
        )
    })
}

pub(super) async fn upload_part(
    s3: &GureumS3,
    req: S3Request<UploadPartInput>,
) -> S3Result<S3Response<UploadPartOutput>> {
    let expected_size = declared_length(&req.headers);
    // No algorithm named: the object layer picks the upload's own.
    let plan = checksum::plan(&req.headers, req.trailing_headers, None)?;
    let i = req.input;
    let upload = s3.objects.get_upload(&i.bucket, &i.key, &i.upload_id)?;
    let md5 = i
        .content_md5
        .as_deref()
        .map(parse_content_md5)
        .transpose()?;
    let number = part_number(i.part_number)?;
    let data = match i.body {
        Some(body) => {
            s3.objects
                .upload_part(&upload, number, body, md5, expected_size, plan)
                .await?
        }
        None => {
            let empty = futures::stream::empty::<Result<bytes::Bytes, std::io::Error>>();
            s3.objects
                .upload_part(&upload, number, empty, md5, expected_size, plan)
                .await?
        }
    };
    let mut out = UploadPartOutput {
        e_tag: Some(ETag::Strong(data.etag)),
        ..Default::default()
    };
    // Echo the part checksum the client asked for (not our default one).
    if upload.checksum_algorithm.is_some()
        || data.checksum_algorithm.as_deref() != Some("CRC64NVME")
    {
        set_part_checksums!(
            out,
            Sums::of_part(data.checksum_algorithm.as_deref(), data.checksum.as_ref())
        );
    }
    Ok(S3Response::new(out))
}

pub(super) async fn complete_multipart_upload(
    s3: &GureumS3,
    req: S3Request<CompleteMultipartUploadInput>,
) -> S3Result<S3Response<CompleteMultipartUploadOutput>> {
    let i = req.input;
    let upload = s3.objects.get_upload(&i.bucket, &i.key, &i.upload_id)?;
    let mut parts = Vec::new();
    for p in i.multipart_upload.and_then(|m| m.parts).unwrap_or_default() {
        let n = p
            .part_number
            .ok_or_else(|| ObjectError::MalformedXml("PartNumber is required".into()))?;
        let etag = p
            .e_tag
            .map(|e| e.value().to_string())
            .ok_or_else(|| ObjectError::MalformedXml("ETag is required".into()))?;
        let checksum = p
            .checksum_crc32
            .or(p.checksum_crc32c)
            .or(p.checksum_crc64nvme)
            .or(p.checksum_sha1)
            .or(p.checksum_sha256);
        parts.push(RequestedPart {
            number: part_number(n)?,
            etag,
            checksum,
        });
    }
    super::object::check_write_conditions(
        s3,
        &i.bucket,
        &i.key,
        i.if_match.as_ref(),
        i.if_none_match.as_ref(),
    )?;
    let info = s3.objects.complete_upload(&upload, &parts).await?;
    let mut out = CompleteMultipartUploadOutput {
        bucket: Some(info.bucket.clone()),
        key: Some(info.key.clone()),
        e_tag: Some(ETag::Strong(info.etag.clone())),
        location: Some(format!("/{}/{}", info.bucket, info.key)),
        version_id: s3.version_id(&info),
        ..Default::default()
    };
    set_checksums!(out, Sums::of(info.checksum.as_ref()));
    Ok(S3Response::new(out))
}

pub(super) async fn abort_multipart_upload(
    s3: &GureumS3,
    req: S3Request<AbortMultipartUploadInput>,
) -> S3Result<S3Response<AbortMultipartUploadOutput>> {
    let i = req.input;
    let upload = s3.objects.get_upload(&i.bucket, &i.key, &i.upload_id)?;
    s3.objects.abort_upload(&upload).await?;
    Ok(S3Response::new(AbortMultipartUploadOutput::default()))
}

pub(super) fn list_parts(
    s3: &GureumS3,
    req: S3Request<ListPartsInput>,
) -> S3Result<S3Response<ListPartsOutput>> {
    let i = req.input;
    let upload = s3.objects.get_upload(&i.bucket, &i.key, &i.upload_id)?;
    let max = i.max_parts.unwrap_or(1000).clamp(0, 1000) as usize;
    let after = match i.part_number_marker {
        Some(m) => u32::try_from(m).map_err(|_| {
            ObjectError::InvalidArgument("part-number-marker must not be negative".into())
        })?,
        None => 0,
    };
    let (parts, more) = s3.objects.list_parts(&upload, after, max)?;
    let upload_alg = upload.checksum_algorithm.clone();
    let next = parts.last().map(|p| p.number as i32);
    Ok(S3Response::new(ListPartsOutput {
        bucket: Some(upload.bucket),
        key: Some(upload.key),
        upload_id: Some(upload.upload_id),
        max_parts: Some(max as i32),
        is_truncated: Some(more),
        part_number_marker: i.part_number_marker,
        next_part_number_marker: if more { next } else { None },
        owner: Some(s3.owner()),
        initiator: Some(Initiator {
            display_name: Some("gureum".into()),
            id: Some("gureum-root".into()),
        }),
        storage_class: Some(StorageClass::from_static(StorageClass::STANDARD)),
        checksum_algorithm: upload_alg.clone().map(s3s::dto::ChecksumAlgorithm::from),
        checksum_type: upload.checksum_type.clone().map(ChecksumType::from),
        parts: Some(
            parts
                .into_iter()
                .map(|p| {
                    let mut part = Part {
                        part_number: Some(p.number as i32),
                        e_tag: Some(ETag::Strong(p.data.etag)),
                        size: Some(p.data.size as i64),
                        last_modified: Some(timestamp(p.mtime_ms)),
                        ..Default::default()
                    };
                    if upload_alg.is_some() {
                        set_part_checksums!(
                            part,
                            Sums::of_part(
                                p.data.checksum_algorithm.as_deref(),
                                p.data.checksum.as_ref()
                            )
                        );
                    }
                    part
                })
                .collect(),
        ),
        ..Default::default()
    }))
}

pub(super) fn list_multipart_uploads(
    s3: &GureumS3,
    req: S3Request<ListMultipartUploadsInput>,
) -> S3Result<S3Response<ListMultipartUploadsOutput>> {
    let i = req.input;
    let max = i.max_uploads.unwrap_or(1000).clamp(0, 1000) as usize;
    let prefix = i.prefix.clone().unwrap_or_default();
    let after = i
        .key_marker
        .as_deref()
        .filter(|k| !k.is_empty())
        .map(|k| (k, i.upload_id_marker.as_deref().unwrap_or("")));
    let (uploads, more) = s3.objects.list_uploads(&i.bucket, &prefix, after, max)?;
    let last = uploads.last().map(|u| (u.key.clone(), u.upload_id.clone()));
    Ok(S3Response::new(ListMultipartUploadsOutput {
        bucket: Some(i.bucket),
        prefix: Some(prefix),
        key_marker: i.key_marker,
        upload_id_marker: i.upload_id_marker,
        max_uploads: Some(max as i32),
        is_truncated: Some(more),
        next_key_marker: more.then(|| last.clone().map(|l| l.0)).flatten(),
        next_upload_id_marker: more.then(|| last.map(|l| l.1)).flatten(),
        uploads: Some(
            uploads
                .into_iter()
                .map(|u| MultipartUpload {
                    key: Some(u.key),
                    upload_id: Some(u.upload_id),
                    initiated: Some(timestamp(u.initiated_ms)),
                    owner: Some(s3.owner()),
                    storage_class: Some(StorageClass::from_static(StorageClass::STANDARD)),
                    ..Default::default()
                })
                .collect(),
        ),
        ..Default::default()
    }))
}
