//! The one place where internal errors become S3 error codes. Quorum and
//! shard shortages are 503 (retryable); anything unexpected is InternalError
//! and logged here, once.

use s3s::{S3Error, S3ErrorCode};

use crate::index::IndexError;
use crate::objects::ObjectError;
use crate::store::StoreError;

impl From<ObjectError> for S3Error {
    fn from(err: ObjectError) -> Self {
        use S3ErrorCode as C;
        let code = match &err {
            ObjectError::NoSuchBucket => C::NoSuchBucket,
            ObjectError::NoSuchKey => C::NoSuchKey,
            ObjectError::NoSuchVersion => C::NoSuchVersion,
            ObjectError::DeleteMarker {
                version_id,
                requested,
            } => return delete_marker_error(version_id, *requested),
            ObjectError::BucketAlreadyOwnedByYou => C::BucketAlreadyOwnedByYou,
            ObjectError::BucketNotEmpty => C::BucketNotEmpty,
            ObjectError::ReservedName => C::InvalidBucketName,
            ObjectError::BadContinuationToken | ObjectError::InvalidArgument(_) => {
                C::InvalidArgument
            }
            ObjectError::InvalidTag(_) => C::InvalidTag,
            ObjectError::InvalidRequest(_) => C::InvalidRequest,
            ObjectError::NoSuchUpload => C::NoSuchUpload,
            ObjectError::InvalidPart(_) => C::InvalidPart,
            ObjectError::InvalidPartOrder => C::InvalidPartOrder,
            ObjectError::EntityTooSmall => C::EntityTooSmall,
            ObjectError::MalformedXml(_) => C::MalformedXML,
            ObjectError::PreconditionFailed => C::PreconditionFailed,
            ObjectError::Store(_) | ObjectError::Index(_) => {
                return match err {
                    ObjectError::Store(e) => store_error(e),
                    ObjectError::Index(e) => index_error(e),
                    _ => S3Error::new(C::InternalError),
                };
            }
        };
        // The messages are S3's own wording (see ObjectError's Display).
        S3Error::with_message(code, err.to_string())
    }
}

/// S3's answer for a delete marker: 405 MethodNotAllowed when the client
/// named it, else 404 NoSuchKey; both say so in headers.
fn delete_marker_error(version_id: &str, requested: bool) -> S3Error {
    let mut err = if requested {
        let mut e = S3Error::with_message(
            S3ErrorCode::MethodNotAllowed,
            "The specified method is not allowed against this resource.",
        );
        e.set_status_code(http::StatusCode::METHOD_NOT_ALLOWED);
        e
    } else {
        S3Error::with_message(S3ErrorCode::NoSuchKey, "The specified key does not exist.")
    };
    let mut headers = http::HeaderMap::new();
    headers.insert(
        "x-amz-delete-marker",
        http::HeaderValue::from_static("true"),
    );
    if let Ok(v) = http::HeaderValue::from_str(version_id) {
        headers.insert("x-amz-version-id", v);
    }
    err.set_headers(headers);
    err
}

fn store_error(err: StoreError) -> S3Error {
    use S3ErrorCode as C;
    match err {
        StoreError::BadDigest => S3Error::with_message(
            C::BadDigest,
            "The Content-MD5 you specified did not match what we received.",
        ),
        StoreError::BadChecksum(alg) => S3Error::with_message(
            C::BadDigest,
            format!("The {alg} you specified did not match the calculated checksum."),
        ),
        StoreError::MissingTrailer(alg) => S3Error::with_message(
            C::InvalidRequest,
            format!(
                "The x-amz-checksum-{} trailer was announced but not sent.",
                alg.to_ascii_lowercase()
            ),
        ),
        StoreError::IncompleteBody { got, expected } => S3Error::with_message(
            C::IncompleteBody,
            format!(
                "You did not provide the number of bytes specified by the Content-Length HTTP header ({got} of {expected})"
            ),
        ),
        // s3s reports a bad aws-chunked chunk signature as a body stream
        // error whose type it keeps private; its text is all we get.
        StoreError::Body(msg) if msg.contains("SignatureMismatch") => S3Error::with_message(
            C::SignatureDoesNotMatch,
            "The request signature we calculated does not match the signature you provided (aws-chunked chunk signature).",
        ),
        StoreError::Body(msg) => S3Error::with_message(C::IncompleteBody, msg),
        StoreError::WriteQuorum { ok, needed } => {
            tracing::error!(ok, needed, "write quorum lost");
            S3Error::with_message(
                C::SlowDown,
                format!("Not enough drives online to write ({ok} of {needed} needed)"),
            )
        }
        StoreError::NotEnoughShards => {
            tracing::error!("read failed: not enough intact shards");
            S3Error::with_message(
                C::ServiceUnavailable,
                "Not enough intact drives to read this object",
            )
        }
        StoreError::VersionGone => S3Error::new(C::NoSuchKey),
        other => {
            tracing::error!(err = %other, "internal store error");
            S3Error::with_message(
                C::InternalError,
                "We encountered an internal error. Please try again.",
            )
        }
    }
}

fn index_error(err: IndexError) -> S3Error {
    tracing::error!(%err, "index error");
    S3Error::with_message(
        S3ErrorCode::InternalError,
        "We encountered an internal error. Please try again.",
    )
}
