//! Errors of the object layer; `s3::error` maps each to its S3 code. Store
//! failures a client can act on become variants of their own here, so the
//! S3 layer never needs to know the store's or the index's error types;
//! everything else stays `Storage`/`Index` with its source kept.

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
    /// Content-MD5 did not match the body.
    #[error("The Content-MD5 you specified did not match what we received.")]
    BadDigest,
    /// An `x-amz-checksum-*` value did not match the body.
    #[error("The {0} you specified did not match the calculated checksum.")]
    BadChecksum(&'static str),
    /// A trailer announced in `x-amz-trailer` never arrived.
    #[error("The x-amz-checksum-{0} trailer was announced but not sent.")]
    MissingTrailer(&'static str),
    /// Body shorter or longer than announced.
    #[error(
        "You did not provide the number of bytes specified by the Content-Length HTTP header ({got} of {expected})"
    )]
    IncompleteBody {
        /// Bytes received.
        got: u64,
        /// Bytes announced.
        expected: u64,
    },
    /// The request body broke off or failed to decode (text from s3s).
    #[error("request body: {0}")]
    Body(String),
    /// Fewer drives than the write quorum took the write.
    #[error("Not enough drives online to write ({ok} of {needed} needed)")]
    WriteQuorum {
        /// Drives that succeeded.
        ok: usize,
        /// Drives needed.
        needed: usize,
    },
    /// Too few intact shards to read.
    #[error("Not enough intact drives to read this object")]
    NotEnoughShards,
    /// Any other storage engine failure (a bug or a disk problem).
    #[error(transparent)]
    Storage(StoreError),
    /// Index failure.
    #[error(transparent)]
    Index(#[from] IndexError),
    /// A broken invariant of this layer.
    #[error("internal: {0}")]
    Internal(String),
}

impl ObjectError {
    /// An internal error from anything displayable.
    pub fn internal(e: impl std::fmt::Display) -> Self {
        ObjectError::Internal(e.to_string())
    }
}

impl From<StoreError> for ObjectError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::BadDigest => ObjectError::BadDigest,
            StoreError::BadChecksum(alg) => ObjectError::BadChecksum(alg),
            StoreError::MissingTrailer(alg) => ObjectError::MissingTrailer(alg),
            StoreError::IncompleteBody { got, expected } => {
                ObjectError::IncompleteBody { got, expected }
            }
            StoreError::Body(msg) => ObjectError::Body(msg),
            StoreError::WriteQuorum { ok, needed } => ObjectError::WriteQuorum { ok, needed },
            StoreError::NotEnoughShards => ObjectError::NotEnoughShards,
            StoreError::VersionGone => ObjectError::NoSuchKey,
            other => ObjectError::Storage(other),
        }
    }
}
