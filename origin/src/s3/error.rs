//! The one place where internal errors become S3 error codes. Quorum and
//! shard shortages are 503 (retryable); anything unexpected is InternalError
//! and logged here, once. Sees only the object layer's error type.

use s3s::{S3Error, S3ErrorCode};

use crate::objects::ObjectError;

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
            ObjectError::BadDigest | ObjectError::BadChecksum(_) => C::BadDigest,
            ObjectError::MissingTrailer(alg) => {
                return S3Error::with_message(
                    C::InvalidRequest,
                    format!(
                        "The x-amz-checksum-{} trailer was announced but not sent.",
                        alg.to_ascii_lowercase()
                    ),
                );
            }
            ObjectError::IncompleteBody { .. } => C::IncompleteBody,
            // s3s reports a bad aws-chunked chunk signature as a body stream
            // error whose type it keeps private; its text is all we get.
            ObjectError::Body(msg) if msg.contains("SignatureMismatch") => {
                return S3Error::with_message(
                    C::SignatureDoesNotMatch,
                    "The request signature we calculated does not match the signature you provided (aws-chunked chunk signature).",
                );
            }
            ObjectError::Body(msg) => {
                return S3Error::with_message(C::IncompleteBody, msg.clone());
            }
            ObjectError::WriteQuorum { ok, needed } => {
                tracing::error!(ok, needed, "write quorum lost");
                C::SlowDown
            }
            ObjectError::NotEnoughShards => {
                tracing::error!("read failed: not enough intact shards");
                C::ServiceUnavailable
            }
            ObjectError::Storage(_) | ObjectError::Index(_) | ObjectError::Internal(_) => {
                tracing::error!(%err, "internal error");
                return S3Error::with_message(
                    C::InternalError,
                    "We encountered an internal error. Please try again.",
                );
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
        gureum_common::headers::AMZ_DELETE_MARKER,
        http::HeaderValue::from_static("true"),
    );
    if let Ok(v) = http::HeaderValue::from_str(version_id) {
        headers.insert(gureum_common::headers::AMZ_VERSION_ID, v);
    }
    err.set_headers(headers);
    err
}
