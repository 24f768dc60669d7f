//! Reading objects: GetObject (ranges, `partNumber`, conditionals,
//! response-* overrides) and HeadObject, of the current version or of the
//! one `versionId` names; stored checksums with `x-amz-checksum-mode`.

use gureum_common::conditions::{Conditions, EtagCond, Outcome, Validators};
use s3s::dto::*;
use s3s::{S3Error, S3ErrorCode, S3Request, S3Response, S3Result};

use super::GureumS3;
use super::bucket::timestamp;
use super::checksum::{Sums, set_checksums};
use super::object::{etag, metadata};
use crate::objects::ObjectInfo;

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

fn parse_http_date(s: &str) -> Option<Timestamp> {
    Timestamp::parse(TimestampFormat::HttpDate, s).ok()
}

/// The `If-*` headers of a request as the common evaluator takes them.
pub(super) fn conditions<'a>(
    if_match: Option<&'a ETagCondition>,
    if_none_match: Option<&'a ETagCondition>,
    if_modified_since: Option<&Timestamp>,
    if_unmodified_since: Option<&Timestamp>,
) -> Conditions<'a> {
    let tag = |c: &'a ETagCondition| match c {
        ETagCondition::Any => EtagCond::Any,
        ETagCondition::ETag(e) => EtagCond::Exact(e.value()),
    };
    let secs = |t: &Timestamp| time::OffsetDateTime::from(t.clone()).unix_timestamp();
    Conditions {
        if_match: if_match.map(tag),
        if_none_match: if_none_match.map(tag),
        if_modified_since: if_modified_since.map(secs),
        if_unmodified_since: if_unmodified_since.map(secs),
    }
}

/// What `info` is judged by (HTTP dates have whole seconds).
pub(super) fn validators(info: &ObjectInfo) -> Validators<'_> {
    Validators {
        etag: &info.etag,
        last_modified: Some(info.mtime_ms.div_euclid(1000)),
    }
}

/// GET/HEAD preconditions: 412 or 304 as S3 answers them.
fn check_conditions(info: &ObjectInfo, c: &Conditions<'_>) -> S3Result<()> {
    match c.evaluate(&validators(info)) {
        Outcome::Proceed => Ok(()),
        Outcome::NotModified => Err(not_modified(info)),
        Outcome::PreconditionFailed => Err(S3Error::new(S3ErrorCode::PreconditionFailed)),
    }
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

/// The span a GET or HEAD serves: a part, a range, or everything (None).
fn requested_span(
    info: &ObjectInfo,
    part_number: Option<i32>,
    range: Option<&Range>,
) -> S3Result<Option<std::ops::Range<u64>>> {
    match part_number {
        Some(1) if info.parts.is_empty() => Ok(None),
        Some(n) => Ok(Some(part_span(info, n)?)),
        None => resolve_range(range, info.size),
    }
}

/// Stored checksum fields, for a whole-object read with checksum mode on:
/// a checksum describes the whole body, never a range of it.
fn sums_for(info: &ObjectInfo, mode: Option<&ChecksumMode>, whole: bool) -> Sums {
    if whole && mode.is_some_and(|m| m.as_str() == ChecksumMode::ENABLED) {
        Sums::of(info.checksum.as_ref())
    } else {
        Sums::default()
    }
}

pub(super) async fn get_object(
    s3: &GureumS3,
    req: S3Request<GetObjectInput>,
) -> S3Result<S3Response<GetObjectOutput>> {
    let input = req.input;
    let (info, open) = s3
        .objects
        .open_object(&input.bucket, &input.key, input.version_id.as_deref())
        .await?;
    check_conditions(
        &info,
        &conditions(
            input.if_match.as_ref(),
            input.if_none_match.as_ref(),
            input.if_modified_since.as_ref(),
            input.if_unmodified_since.as_ref(),
        ),
    )?;
    let range = requested_span(&info, input.part_number, input.range.as_ref())?;
    let whole = range.is_none();
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
    let mut out = GetObjectOutput {
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
        tag_count: (!info.tags.is_empty()).then_some(info.tags.len() as i32),
        version_id: s3.version_id(&info),
        ..Default::default()
    };
    set_checksums!(out, sums_for(&info, input.checksum_mode.as_ref(), whole));
    Ok(with_version_header(&info, out))
}

pub(super) fn head_object(
    s3: &GureumS3,
    req: S3Request<HeadObjectInput>,
) -> S3Result<S3Response<HeadObjectOutput>> {
    let input = req.input;
    let info = s3
        .objects
        .head_object(&input.bucket, &input.key, input.version_id.as_deref())?;
    check_conditions(
        &info,
        &conditions(
            input.if_match.as_ref(),
            input.if_none_match.as_ref(),
            input.if_modified_since.as_ref(),
            input.if_unmodified_since.as_ref(),
        ),
    )?;
    let range = requested_span(&info, input.part_number, input.range.as_ref())?;
    let whole = range.is_none();
    let (len, content_range) = match range {
        Some(r) if !r.is_empty() => (
            r.end - r.start,
            Some(format!("bytes {}-{}/{}", r.start, r.end - 1, info.size)),
        ),
        Some(r) => (r.end - r.start, None),
        None => (info.size, None),
    };
    let h = &info.headers;
    let mut out = HeadObjectOutput {
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
        version_id: s3.version_id(&info),
        ..Default::default()
    };
    set_checksums!(out, sums_for(&info, input.checksum_mode.as_ref(), whole));
    Ok(with_version_header(&info, out))
}

fn with_version_header<T>(info: &ObjectInfo, output: T) -> S3Response<T> {
    let mut resp = S3Response::new(output);
    if let Ok(v) = http::HeaderValue::from_str(&info.version_id) {
        resp.headers.insert(gureum_common::headers::VERSION_ID, v);
    }
    resp
}
