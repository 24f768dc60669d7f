//! Errors of the object layer; `s3::error` maps each to its S3 code.

use crate::index::IndexError;
use crate::store::StoreError;

/// What an object or bucket operation can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ObjectError {
    /// The bucket does not exist.
    #[error("The specified bucket does not exist")]
    NoSuchBucket,
    /// The key does not exist.
    #[error("The specified key does not exist.")]
    NoSuchKey,
    /// A version id that names no version of the key.
    #[error("The specified version does not exist.")]
    NoSuchVersion,
    /// The version asked for (or the current one) is a delete marker.
    #[error("The specified method is not allowed against this resource.")]
    DeleteMarker {
        /// S3 version id of the marker.
        version_id: String,
        /// The client named this version (405) rather than the key (404).
        requested: bool,
    },
    /// CreateBucket on a bucket we already have.
    #[error("Your previous request to create the named bucket succeeded and you already own it.")]
    BucketAlreadyOwnedByYou,
    /// DeleteBucket on a bucket with objects.
    #[error("The bucket you tried to delete is not empty")]
    BucketNotEmpty,
    /// A name Gureum keeps for its own APIs.
    #[error("The specified bucket is not valid.")]
    ReservedName,
    /// A list continuation token we did not issue.
    #[error("The continuation token provided is incorrect")]
    BadContinuationToken,
    /// The multipart upload does not exist (or was completed/aborted).
    #[error(
        "The specified multipart upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed."
    )]
    NoSuchUpload,
    /// A listed part was not uploaded or its ETag differs.
    #[error(
        "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag. ({0})"
    )]
    InvalidPart(String),
    /// Parts not in ascending order.
    #[error("The list of parts was not in ascending order. Parts must be ordered by part number.")]
    InvalidPartOrder,
    /// A part other than the last is under 5 MiB.
    #[error("Your proposed upload is smaller than the minimum allowed object size.")]
    EntityTooSmall,
    /// A request S3 refuses as InvalidRequest (inconsistent headers).
    #[error("{0}")]
    InvalidRequest(String),
    /// A tag set S3 would refuse.
    #[error("{0}")]
    InvalidTag(String),
    /// A malformed or out-of-range argument.
    #[error("{0}")]
    InvalidArgument(String),
    /// A request body that is valid XML but not a valid request.
    #[error("{0}")]
    MalformedXml(String),
    /// A condition header (If-Match / If-None-Match ...) did not hold.
    #[error("At least one of the pre-conditions you specified did not hold")]
    PreconditionFailed,
    /// Storage engine failure.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Index failure.
    #[error(transparent)]
    Index(#[from] IndexError),
}
