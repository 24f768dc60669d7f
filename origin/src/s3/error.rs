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
            ObjectError::BucketAlreadyOwnedByYou => C::BucketAlreadyOwnedByYou,
            ObjectError::BucketNotEmpty => C::BucketNotEmpty,
            ObjectError::ReservedName => C::InvalidBucketName,
            ObjectError::BadContinuationToken | ObjectError::InvalidArgument(_) => {
                C::InvalidArgument
            }
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

fn store_error(err: StoreError) -> S3Error {
    use S3ErrorCode as C;
    match err {
        StoreError::BadDigest => S3Error::with_message(
            C::BadDigest,
            "The Content-MD5 you specified did not match what we received.",
        ),
        StoreError::IncompleteBody { got, expected } => S3Error::with_message(
            C::IncompleteBody,
            format!(
                "You did not provide the number of bytes specified by the Content-Length HTTP header ({got} of {expected})"
            ),
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
