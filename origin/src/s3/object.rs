//! Object operations: PutObject, GetObject (ranges, conditionals),
//! HeadObject, DeleteObject, DeleteObjects.

use std::collections::BTreeMap;

use base64::Engine;
use s3s::dto::*;
use s3s::{S3Error, S3ErrorCode, S3Request, S3Response, S3Result};

use super::GureumS3;
use super::bucket::timestamp;
use crate::store::{ObjectInfo, PutRequest, StoredHeaders};

pub(super) async fn put_object(
    s3: &GureumS3,
    req: S3Request<PutObjectInput>,
) -> S3Result<S3Response<PutObjectOutput>> {
    let expected_size = declared_length(&req.headers);
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
    let put = PutRequest {
        bucket: input.bucket,
        key: input.key,
        headers,
        user_meta,
        expected_md5,
        expected_size,
    };
    let info = match input.body {
        Some(body) => s3.objects.put_object(put, body).await?,
        None => {
            let empty = futures::stream::empty::<Result<bytes::Bytes, std::io::Error>>();
            s3.objects.put_object(put, empty).await?
        }
    };
    Ok(S3Response::new(PutObjectOutput {
        e_tag: Some(etag(&info)),
        size: Some(info.size as i64),
        ..Default::default()
    }))
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
    let current = match s3.objects.head_object(bucket, key) {
        Ok(info) => Some(info),
        Err(crate::objects::ObjectError::NoSuchKey) => None,
        Err(e) => return Err(e.into()),
    };
    let matches = |cond: &ETagCondition, info: &ObjectInfo| match cond {
        ETagCondition::Any => true,
        ETagCondition::ETag(e) => e.value() == info.etag,
    };
    if let Some(cond) = if_none_match
        && let Some(info) = &current
        && matches(cond, info)
    {
        return Err(S3Error::new(S3ErrorCode::PreconditionFailed));
    }
    if let Some(cond) = if_match {
        match &current {
            None => return Err(S3Error::new(S3ErrorCode::NoSuchKey)),
            Some(info) if !matches(cond, info) => {
                return Err(S3Error::new(S3ErrorCode::PreconditionFailed));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// Byte span of part `n` (1-based) of a multipart object (GET ?partNumber=).
fn part_span(info: &ObjectInfo, n: i32) -> S3Result<std::ops::Range<u64>> {
    let segs = info.segments();
    usize::try_from(n)
        .ok()
        .and_then(|n| n.checked_sub(1))
        .and_then(|i| segs.get(i))
        .map(|s| s.start..s.start + s.size)
        .ok_or_else(|| {
            let mut err = S3Error::with_message(
                S3ErrorCode::Custom("InvalidPartNumber".into()),
                "The requested partnumber is not satisfiable",
            );
            err.set_status_code(http::StatusCode::RANGE_NOT_SATISFIABLE);
            err
        })
}

fn parts_count(info: &ObjectInfo) -> Option<i32> {
    (!info.parts.is_empty()).then_some(info.parts.len() as i32)
}

pub(super) fn etag(info: &ObjectInfo) -> ETag {
    ETag::Strong(info.etag.clone())
}

fn format_http_date(t: &Timestamp) -> Option<String> {
    let mut buf = Vec::new();
    t.format(TimestampFormat::HttpDate, &mut buf).ok()?;
    String::from_utf8(buf).ok()
}

fn parse_http_date(s: &str) -> Option<Timestamp> {
    Timestamp::parse(TimestampFormat::HttpDate, s).ok()
}

/// Conditional request headers of GET and HEAD.
struct Conditions<'a> {
    if_match: Option<&'a ETagCondition>,
    if_none_match: Option<&'a ETagCondition>,
    if_modified_since: Option<&'a Timestamp>,
    if_unmodified_since: Option<&'a Timestamp>,
}

/// Evaluates preconditions in RFC 9110 order: If-Match, else
/// If-Unmodified-Since (412); then If-None-Match, else If-Modified-Since (304).
fn check_conditions(info: &ObjectInfo, c: &Conditions<'_>) -> S3Result<()> {
    let matches = |cond: &ETagCondition| match cond {
        ETagCondition::Any => true,
        ETagCondition::ETag(e) => e.value() == info.etag,
    };
    // HTTP dates have whole seconds; compare at that resolution.
    let mtime = info.mtime_ms.div_euclid(1000);
    let secs = |t: &Timestamp| time::OffsetDateTime::from(t.clone()).unix_timestamp();
    if let Some(cond) = c.if_match {
        if !matches(cond) {
            return Err(S3Error::new(S3ErrorCode::PreconditionFailed));
        }
    } else if let Some(t) = c.if_unmodified_since
        && mtime > secs(t)
    {
        return Err(S3Error::new(S3ErrorCode::PreconditionFailed));
    }
    if let Some(cond) = c.if_none_match {
        if matches(cond) {
            return Err(not_modified(info));
        }
    } else if let Some(t) = c.if_modified_since
        && mtime <= secs(t)
    {
        return Err(not_modified(info));
    }
    Ok(())
}

fn not_modified(info: &ObjectInfo) -> S3Error {
    let mut err = S3Error::new(S3ErrorCode::NotModified);
    let mut headers = http::HeaderMap::new();
    if let Ok(v) = http::HeaderValue::from_str(&format!("\"{}\"", info.etag)) {
        headers.insert(http::header::ETAG, v);
    }
    err.set_headers(headers);
    err
}

fn resolve_range(range: Option<&Range>, size: u64) -> S3Result<Option<std::ops::Range<u64>>> {
    let Some(r) = range else { return Ok(None) };
    match r.check(size) {
        Ok(r) => Ok(Some(r)),
        Err(_) => {
            let mut err = S3Error::with_message(
                S3ErrorCode::InvalidRange,
                "The requested range is not satisfiable",
            );
            err.set_status_code(http::StatusCode::RANGE_NOT_SATISFIABLE);
            Err(err)
        }
    }
}

/// Response-* query overrides (presigned downloads use them).
struct Overrides {
    content_type: Option<String>,
    cache_control: Option<String>,
    content_disposition: Option<String>,
    content_encoding: Option<String>,
    content_language: Option<String>,
    expires: Option<Timestamp>,
}

pub(super) fn metadata(info: &ObjectInfo) -> Option<Metadata> {
    (!info.user_meta.is_empty()).then(|| {
        info.user_meta
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    })
}

pub(super) async fn get_object(
    s3: &GureumS3,
    req: S3Request<GetObjectInput>,
) -> S3Result<S3Response<GetObjectOutput>> {
    let input = req.input;
    let (info, open) = s3.objects.open_object(&input.bucket, &input.key).await?;
    check_conditions(
        &info,
        &Conditions {
            if_match: input.if_match.as_ref(),
            if_none_match: input.if_none_match.as_ref(),
            if_modified_since: input.if_modified_since.as_ref(),
            if_unmodified_since: input.if_unmodified_since.as_ref(),
        },
    )?;
    let range = match input.part_number {
        Some(1) if info.parts.is_empty() => None,
        Some(n) => Some(part_span(&info, n)?),
        None => resolve_range(input.range.as_ref(), info.size)?,
    };
    let (span, content_range) = match range {
        Some(r) if !r.is_empty() => {
            let cr = format!("bytes {}-{}/{}", r.start, r.end - 1, info.size);
            (r, Some(cr))
        }
        Some(r) => (r, None),
        None => (0..info.size, None),
    };
    let len = span.end - span.start;
    let stream = s3.objects.read(open, span);
    let o = Overrides {
        content_type: input.response_content_type,
        cache_control: input.response_cache_control,
        content_disposition: input.response_content_disposition,
        content_encoding: input.response_content_encoding,
        content_language: input.response_content_language,
        expires: input.response_expires,
    };
    let h = &info.headers;
    Ok(with_version_header(
        &info,
        GetObjectOutput {
            body: Some(StreamingBlob::wrap(stream)),
            content_length: Some(len as i64),
            content_range,
            accept_ranges: Some("bytes".into()),
            e_tag: Some(etag(&info)),
            last_modified: Some(timestamp(info.mtime_ms)),
            content_type: o.content_type.or_else(|| h.content_type.clone()),
            cache_control: o.cache_control.or_else(|| h.cache_control.clone()),
            content_disposition: o
                .content_disposition
                .or_else(|| h.content_disposition.clone()),
            content_encoding: o.content_encoding.or_else(|| h.content_encoding.clone()),
            content_language: o.content_language.or_else(|| h.content_language.clone()),
            expires: o
                .expires
                .or_else(|| h.expires.as_deref().and_then(parse_http_date)),
            metadata: metadata(&info),
            parts_count: parts_count(&info),
            ..Default::default()
        },
    ))
}

pub(super) fn head_object(
    s3: &GureumS3,
    req: S3Request<HeadObjectInput>,
) -> S3Result<S3Response<HeadObjectOutput>> {
    let input = req.input;
    let info = s3.objects.head_object(&input.bucket, &input.key)?;
    check_conditions(
        &info,
        &Conditions {
            if_match: input.if_match.as_ref(),
            if_none_match: input.if_none_match.as_ref(),
            if_modified_since: input.if_modified_since.as_ref(),
            if_unmodified_since: input.if_unmodified_since.as_ref(),
        },
    )?;
    let range = match input.part_number {
        Some(1) if info.parts.is_empty() => None,
        Some(n) => Some(part_span(&info, n)?),
        None => resolve_range(input.range.as_ref(), info.size)?,
    };
    let (len, content_range) = match range {
        Some(r) if !r.is_empty() => (
            r.end - r.start,
            Some(format!("bytes {}-{}/{}", r.start, r.end - 1, info.size)),
        ),
        Some(r) => (r.end - r.start, None),
        None => (info.size, None),
    };
    let h = &info.headers;
    Ok(with_version_header(
        &info,
        HeadObjectOutput {
            content_length: Some(len as i64),
            content_range,
            accept_ranges: Some("bytes".into()),
            e_tag: Some(etag(&info)),
            last_modified: Some(timestamp(info.mtime_ms)),
            content_type: input
                .response_content_type
                .or_else(|| h.content_type.clone()),
            cache_control: input
                .response_cache_control
                .or_else(|| h.cache_control.clone()),
            content_disposition: input
                .response_content_disposition
                .or_else(|| h.content_disposition.clone()),
            content_encoding: input
                .response_content_encoding
                .or_else(|| h.content_encoding.clone()),
            content_language: input
                .response_content_language
                .or_else(|| h.content_language.clone()),
            expires: input
                .response_expires
                .or_else(|| h.expires.as_deref().and_then(parse_http_date)),
            metadata: metadata(&info),
            parts_count: parts_count(&info),
            ..Default::default()
        },
    ))
}

/// Header naming the exact version served, so edges can pin cached slices
/// to it even before S3 versioning is enabled on a bucket.
pub const VERSION_HEADER: &str = "x-gureum-version-id";

fn with_version_header<T>(info: &ObjectInfo, output: T) -> S3Response<T> {
    let mut resp = S3Response::new(output);
    if let Ok(v) = http::HeaderValue::from_str(&info.version_id) {
        resp.headers.insert(VERSION_HEADER, v);
    }
    resp
}

pub(super) async fn delete_object(
    s3: &GureumS3,
    req: S3Request<DeleteObjectInput>,
) -> S3Result<S3Response<DeleteObjectOutput>> {
    s3.objects
        .delete_object(&req.input.bucket, &req.input.key)
        .await?;
    Ok(S3Response::new(DeleteObjectOutput::default()))
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
    let mut deleted = Vec::new();
    let mut errors = Vec::new();
    for obj in input.delete.objects {
        match s3.objects.delete_object(&input.bucket, &obj.key).await {
            Ok(()) => {
                if !quiet {
                    deleted.push(DeletedObject {
                        key: Some(obj.key),
                        ..Default::default()
                    });
                }
            }
            Err(err) => {
                let e = S3Error::from(err);
                errors.push(Error {
                    code: Some(e.code().as_str().to_string()),
                    key: Some(obj.key),
                    message: e.message().map(str::to_string),
                    version_id: None,
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
