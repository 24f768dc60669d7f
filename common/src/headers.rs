//! Header names both binaries (and their tests) agree on. Gureum's own
//! headers are part of the contract between origin and edge; the S3 ones
//! used by more than one crate live here so they are spelled once.

/// The exact version an origin GET/HEAD served, so edges can pin cached
/// slices to it even before S3 versioning is enabled on a bucket.
pub const VERSION_ID: &str = "x-gureum-version-id";

/// The edge's verdict on every response: HIT, MISS, STALE or BYPASS.
pub const X_CACHE: &str = "x-cache";

/// S3's version id of the object served or written.
pub const AMZ_VERSION_ID: &str = "x-amz-version-id";

/// S3's marker that the version is (or the delete created) a delete marker.
pub const AMZ_DELETE_MARKER: &str = "x-amz-delete-marker";

/// SigV4's payload hash header.
pub const AMZ_CONTENT_SHA256: &str = "x-amz-content-sha256";

/// S3's request id, echoed in error bodies.
pub const AMZ_REQUEST_ID: &str = "x-amz-request-id";

/// Whether a query parameter name is one of SigV4's presigning parameters
/// (`X-Amz-Signature`, `X-Amz-Date`, ...): any `x-amz-` name, case
/// ignored. Compared as bytes: the name is client-chosen and
/// percent-decoded, so byte 6 need not be a character boundary (slicing
/// the `str` there once panicked the edge's connection task).
pub fn is_amz_query_param(name: &str) -> bool {
    let b = name.as_bytes();
    b.len() > 6 && b[..6].eq_ignore_ascii_case(b"x-amz-")
}
