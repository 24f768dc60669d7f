//! Errors of the object layer; `s3::error` maps each to its S3 code.

use crate::index::IndexError;
use crate::store::StoreError;

/// What an object or bucket operation can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ObjectError {
    /// The bucket does not exist.
    #[error("the specified bucket does not exist")]
    NoSuchBucket,
    /// The key does not exist.
    #[error("the specified key does not exist")]
    NoSuchKey,
    /// CreateBucket on a bucket we already have.
    #[error("bucket already exists and is owned by you")]
    BucketAlreadyOwnedByYou,
    /// DeleteBucket on a bucket with objects.
    #[error("the bucket you tried to delete is not empty")]
    BucketNotEmpty,
    /// A name Gureum keeps for its own APIs.
    #[error("the bucket name is reserved")]
    ReservedName,
    /// A list continuation token we did not issue.
    #[error("the continuation token provided is incorrect")]
    BadContinuationToken,
    /// The multipart upload does not exist (or was completed/aborted).
    #[error("the specified multipart upload does not exist")]
    NoSuchUpload,
    /// A listed part was not uploaded or its ETag differs.
    #[error("one or more of the specified parts could not be found: {0}")]
    InvalidPart(String),
    /// Parts not in ascending order.
    #[error("the list of parts was not in ascending order")]
    InvalidPartOrder,
    /// A part other than the last is under 5 MiB.
    #[error("your proposed upload is smaller than the minimum allowed size")]
    EntityTooSmall,
    /// A malformed or out-of-range argument.
    #[error("{0}")]
    InvalidArgument(String),
    /// A request body that is valid XML but not a valid request.
    #[error("{0}")]
    MalformedXml(String),
    /// A condition header (If-Match / If-None-Match ...) did not hold.
    #[error("at least one of the preconditions you specified did not hold")]
    PreconditionFailed,
    /// Storage engine failure.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Index failure.
    #[error(transparent)]
    Index(#[from] IndexError),
}
