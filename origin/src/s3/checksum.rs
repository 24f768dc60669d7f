//! The S3 side of additional checksums: reading what a request asks for
//! (an `x-amz-checksum-*` value up front, an algorithm announced in
//! `x-amz-trailer` whose value arrives after an aws-chunked body, or just
//! `x-amz-sdk-checksum-algorithm`), and writing stored checksums into
//! responses. Computing and comparing happen in the store, while the body
//! streams.

use http::HeaderMap;
use s3s::{S3Error, S3ErrorCode, S3Result, TrailingHeaders};

use crate::objects::{
    ALL_ALGORITHMS, ChecksumAlgorithm, ChecksumPlan, StoredChecksum, decode_checksum,
};

/// The request/response header carrying `alg` (`x-amz-checksum-crc32`).
pub(super) fn header_name(alg: ChecksumAlgorithm) -> &'static str {
    match alg {
        ChecksumAlgorithm::Crc32 => "x-amz-checksum-crc32",
        ChecksumAlgorithm::Crc32c => "x-amz-checksum-crc32c",
        ChecksumAlgorithm::Crc64Nvme => "x-amz-checksum-crc64nvme",
        ChecksumAlgorithm::Sha1 => "x-amz-checksum-sha1",
        ChecksumAlgorithm::Sha256 => "x-amz-checksum-sha256",
    }
}

fn invalid(msg: impl Into<String>) -> S3Error {
    S3Error::with_message(S3ErrorCode::InvalidRequest, msg.into())
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The checksum plan of an upload request (PutObject, UploadPart).
/// `default` is computed when the request names no algorithm at all.
pub(super) fn plan(
    headers: &HeaderMap,
    trailers: Option<TrailingHeaders>,
    default: Option<ChecksumAlgorithm>,
) -> S3Result<ChecksumPlan> {
    let mut sent = ALL_ALGORITHMS
        .into_iter()
        .filter_map(|a| header(headers, header_name(a)).map(|v| (a, v)));
    let first = sent.next();
    if sent.next().is_some() {
        return Err(invalid(
            "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.",
        ));
    }
    if let Some((alg, value)) = first {
        if decode_checksum(alg, value).is_none() {
            return Err(invalid(format!(
                "Value for {} header is invalid.",
                header_name(alg)
            )));
        }
        return Ok(ChecksumPlan {
            algorithm: Some(alg),
            expected: Some(value.trim().to_string()),
            trailer: None,
        });
    }
    if let Some(trailer) = header(headers, "x-amz-trailer") {
        let name = trailer.trim().to_ascii_lowercase();
        let alg = ALL_ALGORITHMS
            .into_iter()
            .find(|a| header_name(*a) == name)
            .ok_or_else(|| {
                invalid(format!(
                    "The value specified in the x-amz-trailer header is not supported: {trailer}"
                ))
            })?;
        let read = move || {
            trailers.and_then(|t| t.take()).and_then(|h| {
                h.get(header_name(alg))
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string)
            })
        };
        return Ok(ChecksumPlan {
            algorithm: Some(alg),
            expected: None,
            trailer: Some(Box::new(read)),
        });
    }
    let named = header(headers, "x-amz-sdk-checksum-algorithm")
        .or_else(|| header(headers, "x-amz-checksum-algorithm"));
    if let Some(name) = named {
        let alg = ChecksumAlgorithm::parse(name)
            .ok_or_else(|| invalid(format!("Checksum algorithm {name} is not supported.")))?;
        return Ok(ChecksumPlan::compute(alg));
    }
    Ok(ChecksumPlan {
        algorithm: default,
        ..Default::default()
    })
}

/// The plan of a form upload, from its `x-amz-checksum-*` fields (else
/// S3's default, CRC64NVME, computed).
pub(super) fn plan_from_fields(
    sent: &[(ChecksumAlgorithm, &Option<String>)],
) -> S3Result<ChecksumPlan> {
    let mut given = sent
        .iter()
        .filter_map(|(a, v)| v.as_deref().map(|v| (*a, v)));
    let first = given.next();
    if given.next().is_some() {
        return Err(invalid(
            "Expecting a single x-amz-checksum- field. Multiple checksum Types are not allowed.",
        ));
    }
    Ok(match first {
        Some((alg, value)) => {
            if decode_checksum(alg, value).is_none() {
                return Err(invalid(format!(
                    "Value for {} is invalid.",
                    header_name(alg)
                )));
            }
            ChecksumPlan {
                algorithm: Some(alg),
                expected: Some(value.trim().to_string()),
                trailer: None,
            }
        }
        None => ChecksumPlan::compute(ChecksumAlgorithm::Crc64Nvme),
    })
}

/// A stored checksum spread over S3's per-algorithm response fields.
#[derive(Debug, Default)]
pub(super) struct Sums {
    pub crc32: Option<String>,
    pub crc32c: Option<String>,
    pub crc64nvme: Option<String>,
    pub sha1: Option<String>,
    pub sha256: Option<String>,
    pub kind: Option<s3s::dto::ChecksumType>,
}

impl Sums {
    /// The fields for `c` (all empty for None).
    pub(super) fn of(c: Option<&StoredChecksum>) -> Self {
        let mut s = Sums::default();
        let Some(c) = c else { return s };
        let v = Some(c.value.clone());
        match ChecksumAlgorithm::parse(&c.algorithm) {
            Some(ChecksumAlgorithm::Crc32) => s.crc32 = v,
            Some(ChecksumAlgorithm::Crc32c) => s.crc32c = v,
            Some(ChecksumAlgorithm::Crc64Nvme) => s.crc64nvme = v,
            Some(ChecksumAlgorithm::Sha1) => s.sha1 = v,
            Some(ChecksumAlgorithm::Sha256) => s.sha256 = v,
            None => return Sums::default(),
        }
        s.kind = Some(s3s::dto::ChecksumType::from(c.kind.clone()));
        s
    }

    /// The fields for a part's checksum value of algorithm `alg`.
    pub(super) fn of_part(alg: Option<&str>, value: Option<&String>) -> Self {
        let (Some(alg), Some(value)) = (alg, value) else {
            return Sums::default();
        };
        let mut s = Sums::of(Some(&StoredChecksum {
            algorithm: alg.to_string(),
            value: value.clone(),
            kind: String::new(),
        }));
        s.kind = None;
        s
    }
}

/// Copies a [`Sums`] into any s3s output with the usual checksum fields.
macro_rules! set_checksums {
    ($out:expr, $sums:expr) => {{
        let s = $sums;
        $out.checksum_crc32 = s.crc32;
        $out.checksum_crc32c = s.crc32c;
        $out.checksum_crc64nvme = s.crc64nvme;
        $out.checksum_sha1 = s.sha1;
        $out.checksum_sha256 = s.sha256;
        $out.checksum_type = s.kind;
    }};
}
pub(super) use set_checksums;

/// Like `set_checksums!`, for outputs without a checksum type (parts).
macro_rules! set_part_checksums {
    ($out:expr, $sums:expr) => {{
        let s = $sums;
        $out.checksum_crc32 = s.crc32;
        $out.checksum_crc32c = s.crc32c;
        $out.checksum_crc64nvme = s.crc64nvme;
        $out.checksum_sha1 = s.sha1;
        $out.checksum_sha256 = s.sha256;
    }};
}
pub(super) use set_part_checksums;
