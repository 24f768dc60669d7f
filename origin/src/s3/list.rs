//! Listing operations: ListObjectsV2 (continuation tokens) and ListObjects
//! v1 (markers), with `encoding-type=url`. Tokens are opaque base64 of the
//! last entry returned; the object layer does the seeking.

use base64::Engine;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use s3s::dto::*;
use s3s::{S3Request, S3Response, S3Result};

use super::GureumS3;
use super::bucket::timestamp;
use crate::objects::{ListPage, ListParams, ObjectError};

/// S3's URL encoding keeps unreserved characters and `/` as they are.
const KEY_ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'/');

const MAX_KEYS: i32 = 1000;

pub(super) fn page_size(max_keys: Option<i32>) -> usize {
    max_keys.unwrap_or(MAX_KEYS).clamp(0, MAX_KEYS) as usize
}

/// Applies `encoding-type=url` when asked for.
pub(super) struct Enc(bool);

impl Enc {
    pub(super) fn new(t: Option<&EncodingType>) -> Self {
        Self(t.is_some_and(|t| t.as_str() == EncodingType::URL))
    }
    pub(super) fn s(&self, v: String) -> String {
        if self.0 {
            utf8_percent_encode(&v, KEY_ENCODE).to_string()
        } else {
            v
        }
    }
    pub(super) fn o(&self, v: Option<String>) -> Option<String> {
        v.map(|v| self.s(v))
    }
}

fn contents(
    page: &mut ListPage,
    enc: &Enc,
    owner: Option<Owner>,
) -> (Vec<Object>, Vec<CommonPrefix>) {
    let objects = std::mem::take(&mut page.objects)
        .into_iter()
        .map(|i| Object {
            e_tag: Some(ETag::Strong(i.etag)),
            last_modified: Some(timestamp(i.mtime_ms)),
            size: Some(i.size as i64),
            storage_class: Some(ObjectStorageClass::from_static(
                ObjectStorageClass::STANDARD,
            )),
            key: Some(enc.s(i.key)),
            owner: owner.clone(),
            ..Default::default()
        })
        .collect();
    let prefixes = std::mem::take(&mut page.prefixes)
        .into_iter()
        .map(|p| CommonPrefix {
            prefix: Some(enc.s(p)),
        })
        .collect();
    (objects, prefixes)
}

pub(super) fn list_objects_v2(
    s3: &GureumS3,
    req: S3Request<ListObjectsV2Input>,
) -> S3Result<S3Response<ListObjectsV2Output>> {
    let input = req.input;
    let token_after = input
        .continuation_token
        .as_deref()
        .map(|t| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(t)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or(ObjectError::BadContinuationToken)
        })
        .transpose()?;
    let after = token_after.or_else(|| input.start_after.clone());
    let params = ListParams {
        prefix: input.prefix.clone().unwrap_or_default(),
        delimiter: input.delimiter.clone(),
        after,
        max_keys: page_size(input.max_keys),
    };
    let mut page = s3.objects.list(&input.bucket, &params)?;
    let enc = Enc::new(input.encoding_type.as_ref());
    let owner = (input.fetch_owner == Some(true)).then(|| s3.owner());
    let (objects, prefixes) = contents(&mut page, &enc, owner);
    let next = page
        .truncated
        .then(|| {
            page.last
                .as_deref()
                .map(|l| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(l))
        })
        .flatten();
    Ok(S3Response::new(ListObjectsV2Output {
        name: Some(input.bucket),
        key_count: Some((objects.len() + prefixes.len()) as i32),
        contents: Some(objects),
        common_prefixes: Some(prefixes),
        is_truncated: Some(page.truncated),
        next_continuation_token: next,
        continuation_token: input.continuation_token,
        max_keys: Some(params.max_keys as i32),
        prefix: Some(enc.s(params.prefix)),
        delimiter: enc.o(input.delimiter),
        start_after: enc.o(input.start_after),
        encoding_type: input.encoding_type,
        ..Default::default()
    }))
}

pub(super) fn list_objects(
    s3: &GureumS3,
    req: S3Request<ListObjectsInput>,
) -> S3Result<S3Response<ListObjectsOutput>> {
    let input = req.input;
    let params = ListParams {
        prefix: input.prefix.clone().unwrap_or_default(),
        delimiter: input.delimiter.clone(),
        after: input.marker.clone().filter(|m| !m.is_empty()),
        max_keys: page_size(input.max_keys),
    };
    let mut page = s3.objects.list(&input.bucket, &params)?;
    let enc = Enc::new(input.encoding_type.as_ref());
    let (objects, prefixes) = contents(&mut page, &enc, Some(s3.owner()));
    // v1 returns NextMarker only with a delimiter; without one clients use the last key.
    let next_marker = (page.truncated && input.delimiter.is_some())
        .then(|| enc.o(page.last.clone()))
        .flatten();
    Ok(S3Response::new(ListObjectsOutput {
        name: Some(input.bucket),
        contents: Some(objects),
        common_prefixes: Some(prefixes),
        is_truncated: Some(page.truncated),
        next_marker,
        marker: Some(enc.s(input.marker.unwrap_or_default())),
        max_keys: Some(params.max_keys as i32),
        prefix: Some(enc.s(params.prefix)),
        delimiter: enc.o(input.delimiter),
        encoding_type: input.encoding_type,
        ..Default::default()
    }))
}
