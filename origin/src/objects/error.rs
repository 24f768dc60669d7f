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
    /// Storage engine failure.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Index failure.
    #[error(transparent)]
    Index(#[from] IndexError),
}
