//! aws-sdk-s3 helpers: create a bucket, put and get bodies (single and
//! multipart), list everything, and assert the S3 error a call failed with.

use std::fmt::Debug;

use aws_sdk_s3::Client;
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;

/// Creates a bucket; panics with the error on failure.
pub async fn create_bucket(client: &Client, bucket: &str) {
    client
        .create_bucket()
        .bucket(bucket)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateBucket {bucket}: {}", DisplayErrorContext(&e)));
}

/// PutObject of an in-memory body; returns the ETag.
pub async fn put_bytes(client: &Client, bucket: &str, key: &str, data: &[u8]) -> String {
    let out = client
        .put_object()
        .bucket(bucket)
        .key(key)
        .body(ByteStream::from(data.to_vec()))
        .send()
        .await
        .unwrap_or_else(|e| {
            panic!(
                "PutObject {bucket}/{key:?} ({} B): {}",
                data.len(),
                DisplayErrorContext(&e)
            )
        });
    out.e_tag().unwrap_or_default().to_string()
}

/// A whole multipart upload of `parts` (in order, SDK defaults); returns
/// the object's ETag.
pub async fn put_multipart(client: &Client, bucket: &str, key: &str, parts: &[&[u8]]) -> String {
    use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
    let id = client
        .create_multipart_upload()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateMultipartUpload {key}: {}", DisplayErrorContext(&e)))
        .upload_id
        .unwrap_or_else(|| panic!("CreateMultipartUpload {key}: no upload id"));
    let mut done = Vec::new();
    for (i, data) in parts.iter().enumerate() {
        let n = i as i32 + 1;
        let etag = client
            .upload_part()
            .bucket(bucket)
            .key(key)
            .upload_id(&id)
            .part_number(n)
            .body(ByteStream::from(data.to_vec()))
            .send()
            .await
            .unwrap_or_else(|e| panic!("UploadPart {key} #{n}: {}", DisplayErrorContext(&e)))
            .e_tag
            .unwrap_or_default();
        done.push(CompletedPart::builder().part_number(n).e_tag(etag).build());
    }
    client
        .complete_multipart_upload()
        .bucket(bucket)
        .key(key)
        .upload_id(&id)
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .set_parts(Some(done))
                .build(),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("CompleteMultipartUpload {key}: {}", DisplayErrorContext(&e)))
        .e_tag
        .unwrap_or_default()
}

/// GetObject of the whole body.
pub async fn get_bytes(client: &Client, bucket: &str, key: &str) -> Vec<u8> {
    let out = client
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GetObject {bucket}/{key:?}: {}", DisplayErrorContext(&e)));
    out.body
        .collect()
        .await
        .unwrap_or_else(|e| panic!("GetObject {bucket}/{key:?} body: {e}"))
        .into_bytes()
        .to_vec()
}

/// One entry of a full listing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listed {
    pub key: String,
    pub etag: String,
    pub size: i64,
}

/// Every object under `prefix` (ListObjectsV2, default page size).
pub async fn list_all(client: &Client, bucket: &str, prefix: &str) -> Vec<Listed> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = client
            .list_objects_v2()
            .bucket(bucket)
            .prefix(prefix)
            .set_continuation_token(token.clone())
            .send()
            .await
            .unwrap_or_else(|e| panic!("ListObjectsV2 {bucket}: {}", DisplayErrorContext(&e)));
        for o in page.contents() {
            out.push(Listed {
                key: o.key().unwrap_or_default().to_string(),
                etag: o.e_tag().unwrap_or_default().to_string(),
                size: o.size().unwrap_or(-1),
            });
        }
        match page.next_continuation_token() {
            Some(t) if page.is_truncated() == Some(true) => token = Some(t.to_string()),
            _ => break,
        }
    }
    out
}

/// HTTP status of a failed SDK call, if a response was received.
pub fn err_status<E>(err: &SdkError<E, HttpResponse>) -> Option<u16> {
    err.raw_response().map(|r| r.status().as_u16())
}

/// S3 error code of a failed SDK call (`None` e.g. for HEAD, which has no body).
pub fn err_code<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> Option<String> {
    err.code().map(str::to_string)
}

/// Asserts that `res` failed with the given HTTP status and (when `code` is
/// `Some`) S3 error code.
pub fn assert_s3_err<T: Debug, E>(
    what: &str,
    res: Result<T, SdkError<E, HttpResponse>>,
    status: u16,
    code: Option<&str>,
) where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match res {
        Ok(v) => panic!("{what}: expected {status} {code:?}, got success: {v:?}"),
        Err(e) => {
            let got_status = err_status(&e);
            let got_code = err_code(&e);
            assert_eq!(
                got_status,
                Some(status),
                "{what}: HTTP status (code {got_code:?}): {}",
                DisplayErrorContext(&e)
            );
            if let Some(code) = code {
                assert_eq!(
                    got_code.as_deref(),
                    Some(code),
                    "{what}: S3 error code: {}",
                    DisplayErrorContext(&e)
                );
            }
        }
    }
}
