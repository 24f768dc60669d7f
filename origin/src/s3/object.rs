//! Writing and deleting objects: PutObject (Content-MD5, additional
//! checksums, tags, conditional writes), DeleteObject and DeleteObjects
//! (by key or by version), and the request helpers the other write paths
//! (copy, multipart) share.

use std::collections::BTreeMap;

use base64::Engine;
use s3s::dto::*;
use s3s::{S3Error, S3ErrorCode, S3Request, S3Response, S3Result};

use super::GureumS3;
use super::access::{may, may_delete, opens_canned};
use super::acl::GrantHeaders;
use super::checksum::{self, Sums, set_checksums};
use crate::iam::authorize::Caller;
use crate::iam::s3_actions::AclNeed;
use crate::objects::validate_tags;
use crate::objects::{ChecksumAlgorithm, ObjectInfo, PutRequest, StoredHeaders};

pub(super) async fn put_object(
    s3: &GureumS3,
    req: S3Request<PutObjectInput>,
) -> S3Result<S3Response<PutObjectOutput>> {
    // A browser form upload (POST object, policy checked by s3s) arrives
    // here too: its headers describe the form, its fields the object.
    let form = req.method == http::Method::POST;
    let (expected_size, plan) = if form {
        let i = &req.input;
        let size = i.content_length.map_or(0, |l| l.max(0) as u64);
        let sent = [
            (ChecksumAlgorithm::Crc32, &i.checksum_crc32),
            (ChecksumAlgorithm::Crc32c, &i.checksum_crc32c),
            (ChecksumAlgorithm::Crc64Nvme, &i.checksum_crc64nvme),
            (ChecksumAlgorithm::Sha1, &i.checksum_sha1),
            (ChecksumAlgorithm::Sha256, &i.checksum_sha256),
        ];
        // The access hook saw only the form's headers: the ACL and tags
        // it asks for need their own grants, as they do in headers.
        let caller = req.extensions.get::<Caller>();
        let also = [
            (
                opens_canned(i.acl.as_ref().map(ObjectCannedACL::as_str)),
                "s3:PutObjectAcl",
                AclNeed::Object("WRITE_ACP"),
            ),
            (i.tagging.is_some(), "s3:PutObjectTagging", AclNeed::None),
        ];
        for (wanted, action, acl) in also {
            if wanted && !may(&s3.authz, caller, action, &i.bucket, &i.key, acl) {
                return Err(s3s::s3_error!(AccessDenied, "Access Denied"));
            }
        }
        (Some(size), checksum::plan_from_fields(&sent)?)
    } else {
        // Objects named with no algorithm still get S3's default checksum.
        let plan = checksum::plan(
            &req.headers,
            req.trailing_headers,
            Some(ChecksumAlgorithm::Crc64Nvme),
        )?;
        (declared_length(&req.headers), plan)
    };
    let input = req.input;
    let expected_md5 = input
        .content_md5
        .as_deref()
        .map(parse_content_md5)
        .transpose()?;
    check_write_conditions(
        s3,
        &input.bucket,
        &input.key,
        input.if_match.as_ref(),
        input.if_none_match.as_ref(),
    )?;
    let headers = stored_headers(
        input.content_type,
        input.cache_control,
        input.content_disposition,
        input.content_encoding,
        input.content_language,
        input.expires.as_ref(),
    );
    let user_meta = new_object_meta(&input.key, input.metadata)?;
    let tags = parse_tagging(input.tagging.as_deref())?;
    let acl = s3.write_acl(
        &input.bucket,
        input.acl.as_ref().map(ObjectCannedACL::as_str),
        &GrantHeaders {
            full_control: input.grant_full_control.as_deref(),
            read: input.grant_read.as_deref(),
            read_acp: input.grant_read_acp.as_deref(),
            write: None,
            write_acp: input.grant_write_acp.as_deref(),
        },
    )?;
    let put = PutRequest {
        bucket: input.bucket,
        key: input.key,
        headers,
        user_meta,
        expected_md5,
        expected_size,
        delete_marker: false,
        null_version: false,
        tags,
        acl,
    };
    let info = match input.body {
        Some(body) => s3.objects.put_object(put, body, plan).await?,
        None => {
            let empty = futures::stream::empty::<Result<bytes::Bytes, std::io::Error>>();
            s3.objects.put_object(put, empty, plan).await?
        }
    };
    let mut out = PutObjectOutput {
        e_tag: Some(etag(&info)),
        size: Some(info.size as i64),
        version_id: s3.version_id(&info),
        ..Default::default()
    };
    set_checksums!(out, Sums::of(info.checksum.as_ref()));
    Ok(S3Response::new(out))
}

/// Parses `x-amz-tagging` (`k1=v1&k2=v2`, URL-encoded) into a checked tag set.
pub(super) fn parse_tagging(v: Option<&str>) -> S3Result<BTreeMap<String, String>> {
    let Some(v) = v.filter(|v| !v.is_empty()) else {
        return Ok(BTreeMap::new());
    };
    let pairs = form_urlencoded::parse(v.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    Ok(validate_tags(pairs)?)
}

/// S3's limit on user metadata: the UTF-8 bytes of every name and value.
const MAX_USER_META_BYTES: usize = 2 * 1024;

/// Checks what a write names before any byte is stored: the key must be
/// representable in S3's XML listings (no NUL), and user metadata within
/// S3's 2 KiB. Returns the metadata in stored (sorted) form.
pub(super) fn new_object_meta(
    key: &str,
    metadata: Option<Metadata>,
) -> S3Result<BTreeMap<String, String>> {
    if key.contains('\0') {
        return Err(S3Error::with_message(
            S3ErrorCode::InvalidArgument,
            "Object key contains a NUL character, which S3 listings cannot carry.",
        ));
    }
    let meta: BTreeMap<String, String> = metadata.unwrap_or_default().into_iter().collect();
    let bytes: usize = meta.iter().map(|(k, v)| k.len() + v.len()).sum();
    if bytes > MAX_USER_META_BYTES {
        return Err(S3Error::with_message(
            S3ErrorCode::MetadataTooLarge,
            "Your metadata headers exceed the maximum allowed metadata size.",
        ));
    }
    Ok(meta)
}

/// Object length the client announced: the decoded length for aws-chunked
/// bodies (Content-Length then counts the framing), else Content-Length.
pub(super) fn declared_length(headers: &http::HeaderMap) -> Option<u64> {
    let get = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok())
    };
    get("x-amz-decoded-content-length").or_else(|| {
        let chunked = headers
            .get("content-encoding")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("aws-chunked"))
            || headers
                .get("x-amz-content-sha256")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("STREAMING-"));
        if chunked { None } else { get("content-length") }
    })
}

pub(super) fn parse_content_md5(v: &str) -> S3Result<[u8; 16]> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(v.trim())
        .map_err(|_| {
            S3Error::with_message(
                S3ErrorCode::InvalidDigest,
                "The Content-MD5 you specified was invalid.",
            )
        })?;
    bytes.try_into().map_err(|_| {
        S3Error::with_message(
            S3ErrorCode::InvalidDigest,
            "The Content-MD5 you specified was invalid.",
        )
    })
}

/// Standard headers to store with a new object.
pub(super) fn stored_headers(
    content_type: Option<String>,
    cache_control: Option<String>,
    content_disposition: Option<String>,
    content_encoding: Option<String>,
    content_language: Option<String>,
    expires: Option<&Timestamp>,
) -> StoredHeaders {
    StoredHeaders {
        content_type,
        cache_control,
        content_disposition,
        // aws-chunked is transfer framing, not a property of the object.
        content_encoding: content_encoding
            .map(|e| {
                e.split(',')
                    .map(str::trim)
                    .filter(|p| !p.eq_ignore_ascii_case("aws-chunked"))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .filter(|e| !e.is_empty()),
        content_language,
        expires: expires.and_then(format_http_date),
    }
}

/// Conditional writes: `If-None-Match: *` fails when the key exists,
/// `If-Match` when its current ETag differs (or it is absent). Checked
/// before the body is taken; a racing writer can still win the commit.
pub(super) fn check_write_conditions(
    s3: &GureumS3,
    bucket: &str,
    key: &str,
    if_match: Option<&ETagCondition>,
    if_none_match: Option<&ETagCondition>,
) -> S3Result<()> {
    if if_match.is_none() && if_none_match.is_none() {
        return Ok(());
    }
    let current = match s3.objects.head_object(bucket, key, None) {
        Ok(info) => Some(info),
        Err(
            crate::objects::ObjectError::NoSuchKey
            | crate::objects::ObjectError::DeleteMarker { .. },
        ) => None,
        Err(e) => return Err(e.into()),
    };
    let cond = super::get::conditions(if_match, if_none_match, None, None);
    match &current {
        None if if_match.is_some() => Err(S3Error::new(S3ErrorCode::NoSuchKey)),
        None => Ok(()),
        // A write has no 304: every failed condition is 412, as for copies.
        Some(info) => match cond.evaluate_copy_source(&super::get::validators(info)) {
            gureum_common::conditions::Outcome::Proceed => Ok(()),
            _ => Err(S3Error::new(S3ErrorCode::PreconditionFailed)),
        },
    }
}

pub(super) fn etag(info: &ObjectInfo) -> ETag {
    ETag::Strong(info.etag.clone())
}

pub(super) fn metadata(info: &ObjectInfo) -> Option<Metadata> {
    (!info.user_meta.is_empty()).then(|| {
        info.user_meta
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    })
}

pub(super) fn format_http_date(t: &Timestamp) -> Option<String> {
    let mut buf = Vec::new();
    t.format(TimestampFormat::HttpDate, &mut buf).ok()?;
    String::from_utf8(buf).ok()
}

pub(super) async fn delete_object(
    s3: &GureumS3,
    req: S3Request<DeleteObjectInput>,
) -> S3Result<S3Response<DeleteObjectOutput>> {
    let i = req.input;
    let done = s3
        .objects
        .delete_object(&i.bucket, &i.key, i.version_id.as_deref())
        .await?;
    Ok(S3Response::new(DeleteObjectOutput {
        delete_marker: done.delete_marker.then_some(true),
        version_id: done.version_id,
        ..Default::default()
    }))
}

pub(super) async fn delete_objects(
    s3: &GureumS3,
    req: S3Request<DeleteObjectsInput>,
) -> S3Result<S3Response<DeleteObjectsOutput>> {
    let input = req.input;
    s3.objects.head_bucket(&input.bucket)?;
    if input.delete.objects.len() > 1000 {
        return Err(S3Error::with_message(
            S3ErrorCode::MalformedXML,
            "The request may not contain more than 1000 keys",
        ));
    }
    let quiet = input.delete.quiet.unwrap_or(false);
    let caller = req.extensions.get::<Caller>();
    let mut deleted = Vec::new();
    let mut errors = Vec::new();
    for obj in input.delete.objects {
        let version = obj.version_id.as_deref().filter(|v| !v.is_empty());
        if !may_delete(&s3.authz, caller, &input.bucket, &obj.key, version) {
            errors.push(Error {
                code: Some("AccessDenied".into()),
                key: Some(obj.key),
                message: Some("Access Denied".into()),
                version_id: obj.version_id,
            });
            continue;
        }
        match s3
            .objects
            .delete_object(&input.bucket, &obj.key, version)
            .await
        {
            Ok(done) => {
                if !quiet {
                    let marker_id = done
                        .delete_marker
                        .then(|| done.version_id.clone())
                        .flatten();
                    deleted.push(DeletedObject {
                        key: Some(obj.key),
                        version_id: version.map(str::to_string),
                        delete_marker: done.delete_marker.then_some(true),
                        // A marker created (not removed) names itself here.
                        delete_marker_version_id: if version.is_none() { marker_id } else { None },
                    });
                }
            }
            Err(err) => {
                let e = S3Error::from(err);
                errors.push(Error {
                    code: Some(e.code().as_str().to_string()),
                    key: Some(obj.key),
                    message: e.message().map(str::to_string),
                    version_id: obj.version_id,
                });
            }
        }
    }
    Ok(S3Response::new(DeleteObjectsOutput {
        deleted: Some(deleted),
        errors: (!errors.is_empty()).then_some(errors),
        ..Default::default()
    }))
}
