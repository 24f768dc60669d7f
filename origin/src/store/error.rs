//! Errors of the storage engine. Mapped to S3 codes in one place
//! (`s3::error`); this module never knows about HTTP.

use std::io;

/// What can go wrong inside the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Fewer drives than the write quorum accepted the write.
    #[error("write quorum not reached: {ok} of {needed} drives")]
    WriteQuorum {
        /// Drives that succeeded.
        ok: usize,
        /// Drives needed.
        needed: usize,
    },
    /// Fewer than `data` intact shards are left for a block.
    #[error("not enough intact shards to read the object")]
    NotEnoughShards,
    /// The version is on no drive at all (deleted underneath the index).
    #[error("object version not found on any drive")]
    VersionGone,
    /// The body ended before the declared length, or the client went away.
    #[error("request body: {0}")]
    Body(String),
    /// Content-MD5 did not match the body.
    #[error("Content-MD5 does not match the body")]
    BadDigest,
    /// An `x-amz-checksum-*` value did not match the body.
    #[error("the {0} you specified did not match the calculated checksum")]
    BadChecksum(&'static str),
    /// A trailer announced in `x-amz-trailer` never arrived.
    #[error("the {0} trailer announced by x-amz-trailer is missing")]
    MissingTrailer(&'static str),
    /// Body shorter or longer than Content-Length.
    #[error("body length {got} does not match Content-Length {expected}")]
    IncompleteBody {
        /// Bytes received.
        got: u64,
        /// Bytes announced.
        expected: u64,
    },
    /// A drive record (`meta.json`, `.bucket.json`, `.gureum/format`) that
    /// does not decode.
    #[error("{path}: unreadable record: {reason}")]
    CorruptRecord {
        /// The file.
        path: std::path::PathBuf,
        /// What was wrong.
        reason: String,
    },
    /// A drive record written by a newer Gureum.
    #[error(
        "{path}: record format {found} is newer than this build understands (up to {supported})"
    )]
    UnknownFormat {
        /// The file.
        path: std::path::PathBuf,
        /// Its format version.
        found: u32,
        /// The newest this build reads.
        supported: u32,
    },
    /// Bad configuration or drive set (refused at start).
    #[error("{0}")]
    Config(String),
    /// Disk IO failure.
    #[error("io: {0}")]
    Io(#[from] io::Error),
    /// Broken invariant; reaches clients as InternalError.
    #[error("internal: {0}")]
    Internal(String),
}
