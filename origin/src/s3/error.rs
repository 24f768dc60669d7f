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
        match err {
            ObjectError::NoSuchBucket => S3Error::new(C::NoSuchBucket),
            ObjectError::NoSuchKey => S3Error::new(C::NoSuchKey),
            ObjectError::BucketAlreadyOwnedByYou => S3Error::new(C::BucketAlreadyOwnedByYou),
            ObjectError::BucketNotEmpty => S3Error::new(C::BucketNotEmpty),
            ObjectError::ReservedName => {
                S3Error::with_message(C::InvalidBucketName, "The specified bucket is not valid.")
            }
            ObjectError::BadContinuationToken => S3Error::with_message(
                C::InvalidArgument,
                "The continuation token provided is incorrect",
            ),
            ObjectError::NoSuchUpload => S3Error::new(C::NoSuchUpload),
            ObjectError::InvalidPart(msg) => S3Error::with_message(
                C::InvalidPart,
                format!("One or more of the specified parts could not be found. {msg}"),
            ),
            ObjectError::InvalidPartOrder => S3Error::with_message(
                C::InvalidPartOrder,
                "The list of parts was not in ascending order. Parts must be ordered by part number.",
            ),
            ObjectError::EntityTooSmall => S3Error::with_message(
                C::EntityTooSmall,
                "Your proposed upload is smaller than the minimum allowed object size.",
            ),
            ObjectError::InvalidArgument(msg) => S3Error::with_message(C::InvalidArgument, msg),
            ObjectError::MalformedXml(msg) => S3Error::with_message(C::MalformedXML, msg),
            ObjectError::PreconditionFailed => S3Error::new(C::PreconditionFailed),
            ObjectError::Store(e) => store_error(e),
            ObjectError::Index(e) => index_error(e),
        }
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
