//! S3's additional checksums (CRC32, CRC32C, CRC64NVME, SHA1, SHA256):
//! computing one while a body streams through, and deriving a multipart
//! object's checksum from its parts, either COMPOSITE (checksum of the part
//! checksums, `-N`) or FULL_OBJECT (CRCs combined arithmetically, so
//! completing an upload never re-reads a byte). CRCs come from crc-fast,
//! the hashes from the RustCrypto crates; this module owns only the rules
//! around them. No IO, and nothing of HTTP: header names live in `s3/`.

use base64::Engine;
use sha1::Digest as _;

/// One of S3's checksum algorithms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChecksumAlgorithm {
    /// CRC-32 (ISO-HDLC, as zlib).
    Crc32,
    /// CRC-32C (Castagnoli).
    Crc32c,
    /// CRC-64/NVME, S3's default full-object checksum.
    Crc64Nvme,
    /// SHA-1.
    Sha1,
    /// SHA-256.
    Sha256,
}

/// Every algorithm, in the order headers are looked at.
pub const ALL_ALGORITHMS: [ChecksumAlgorithm; 5] = [
    ChecksumAlgorithm::Crc32,
    ChecksumAlgorithm::Crc32c,
    ChecksumAlgorithm::Crc64Nvme,
    ChecksumAlgorithm::Sha1,
    ChecksumAlgorithm::Sha256,
];

/// Checksum type of a full object.
pub const FULL_OBJECT: &str = "FULL_OBJECT";
/// Checksum type of a checksum of part checksums.
pub const COMPOSITE: &str = "COMPOSITE";

impl ChecksumAlgorithm {
    /// Parses S3's name (`CRC32`, `crc64nvme`, ...), any case.
    pub fn parse(name: &str) -> Option<Self> {
        ALL_ALGORITHMS
            .into_iter()
            .find(|a| a.as_str().eq_ignore_ascii_case(name))
    }

    /// S3's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Crc32 => "CRC32",
            Self::Crc32c => "CRC32C",
            Self::Crc64Nvme => "CRC64NVME",
            Self::Sha1 => "SHA1",
            Self::Sha256 => "SHA256",
        }
    }

    /// Digest length in bytes.
    pub fn digest_len(self) -> usize {
        match self {
            Self::Crc32 | Self::Crc32c => 4,
            Self::Crc64Nvme => 8,
            Self::Sha1 => 20,
            Self::Sha256 => 32,
        }
    }

    /// CRCs can be combined into a full-object value; hashes cannot.
    pub fn supports_full_object(self) -> bool {
        matches!(self, Self::Crc32 | Self::Crc32c | Self::Crc64Nvme)
    }

    /// The multipart checksum type S3 uses when the client names none.
    pub fn default_multipart_type(self) -> &'static str {
        if self == Self::Crc64Nvme {
            FULL_OBJECT
        } else {
            COMPOSITE
        }
    }
}

/// A running checksum of one algorithm.
pub enum Hasher {
    /// A CRC (32, 32C or 64/NVME) and its digest length in bytes.
    Crc(crc_fast::Digest, usize),
    /// SHA-1.
    Sha1(sha1::Sha1),
    /// SHA-256.
    Sha256(sha2::Sha256),
}

/// The crc-fast catalogue entry of a CRC algorithm (None for hashes).
fn crc_algorithm(alg: ChecksumAlgorithm) -> Option<crc_fast::CrcAlgorithm> {
    match alg {
        ChecksumAlgorithm::Crc32 => Some(crc_fast::CrcAlgorithm::Crc32IsoHdlc),
        ChecksumAlgorithm::Crc32c => Some(crc_fast::CrcAlgorithm::Crc32Iscsi),
        ChecksumAlgorithm::Crc64Nvme => Some(crc_fast::CrcAlgorithm::Crc64Nvme),
        ChecksumAlgorithm::Sha1 | ChecksumAlgorithm::Sha256 => None,
    }
}

impl Hasher {
    /// A fresh hasher for `alg`.
    pub fn new(alg: ChecksumAlgorithm) -> Self {
        match (alg, crc_algorithm(alg)) {
            (_, Some(crc)) => Self::Crc(crc_fast::Digest::new(crc), alg.digest_len()),
            (ChecksumAlgorithm::Sha1, None) => Self::Sha1(sha1::Sha1::new()),
            (_, None) => Self::Sha256(sha2::Sha256::new()),
        }
    }

    /// Feeds bytes.
    pub fn update(&mut self, data: &[u8]) {
        match self {
            Self::Crc(h, _) => h.update(data),
            Self::Sha1(h) => h.update(data),
            Self::Sha256(h) => h.update(data),
        }
    }

    /// The digest, base64 as S3 headers carry it (CRCs big-endian).
    pub fn finish_base64(self) -> String {
        match self {
            Self::Crc(h, len) => {
                let be = h.finalize().to_be_bytes();
                b64(be.get(8 - len..).unwrap_or(&be))
            }
            Self::Sha1(h) => b64(&h.finalize()),
            Self::Sha256(h) => b64(&h.finalize()),
        }
    }
}

fn b64(raw: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(raw)
}

/// Decodes a base64 checksum of `alg`, checking its length.
pub fn decode(alg: ChecksumAlgorithm, value: &str) -> Option<Vec<u8>> {
    let raw = base64::engine::general_purpose::STANDARD
        .decode(value.trim())
        .ok()?;
    (raw.len() == alg.digest_len()).then_some(raw)
}

/// COMPOSITE checksum of a multipart object: the checksum of the
/// concatenated binary part checksums, then `-N`. None when a part value
/// does not decode.
pub fn composite(alg: ChecksumAlgorithm, parts: &[&str]) -> Option<String> {
    let mut h = Hasher::new(alg);
    for p in parts {
        h.update(&decode(alg, p)?);
    }
    Some(format!("{}-{}", h.finish_base64(), parts.len()))
}

/// FULL_OBJECT checksum of a multipart object from `(part checksum, part
/// length)` pairs, by CRC combination (the object is never re-read). None
/// for hash algorithms or a part value that does not decode.
pub fn full_object(alg: ChecksumAlgorithm, parts: &[(&str, u64)]) -> Option<String> {
    let crc_alg = crc_algorithm(alg)?;
    let mut acc: Option<u64> = None;
    for (value, len) in parts {
        let raw = decode(alg, value)?;
        let mut be = [0u8; 8];
        be[8 - raw.len()..].copy_from_slice(&raw);
        let crc = u64::from_be_bytes(be);
        acc = Some(match acc {
            None => crc,
            Some(a) => crc_fast::checksum_combine(crc_alg, a, crc, *len),
        });
    }
    let v = acc?;
    let bytes = v.to_be_bytes();
    Some(b64(&bytes[8 - alg.digest_len()..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(alg: ChecksumAlgorithm, data: &[u8]) -> String {
        let mut h = Hasher::new(alg);
        h.update(data);
        h.finish_base64()
    }

    #[test]
    fn known_vectors() {
        // "123456789" check values of each CRC's catalogue entry.
        let d = b"123456789";
        assert_eq!(
            of(ChecksumAlgorithm::Crc32, d),
            b64(&0xCBF4_3926u32.to_be_bytes())
        );
        assert_eq!(
            of(ChecksumAlgorithm::Crc32c, d),
            b64(&0xE306_9283u32.to_be_bytes())
        );
        assert_eq!(
            of(ChecksumAlgorithm::Crc64Nvme, d),
            b64(&0xAE8B_1486_0A79_9888u64.to_be_bytes())
        );
        assert_eq!(
            ChecksumAlgorithm::parse("crc64nvme"),
            Some(ChecksumAlgorithm::Crc64Nvme)
        );
        assert_eq!(ChecksumAlgorithm::parse("md5"), None);
    }

    #[test]
    fn full_object_combines_like_one_pass() {
        let data: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let (a, b) = data.split_at(37_123);
        for alg in [
            ChecksumAlgorithm::Crc32,
            ChecksumAlgorithm::Crc32c,
            ChecksumAlgorithm::Crc64Nvme,
        ] {
            let pa = of(alg, a);
            let pb = of(alg, b);
            let combined = full_object(alg, &[(&pa, a.len() as u64), (&pb, b.len() as u64)]);
            assert_eq!(combined, Some(of(alg, &data)), "{alg:?}");
        }
        assert_eq!(full_object(ChecksumAlgorithm::Sha256, &[("x", 1)]), None);
    }

    #[test]
    fn composite_is_checksum_of_checksums() {
        let pa = of(ChecksumAlgorithm::Sha256, b"a");
        let pb = of(ChecksumAlgorithm::Sha256, b"b");
        let mut raw = decode(ChecksumAlgorithm::Sha256, &pa).expect("a");
        raw.extend(decode(ChecksumAlgorithm::Sha256, &pb).expect("b"));
        let want = format!("{}-2", of(ChecksumAlgorithm::Sha256, &raw));
        assert_eq!(
            composite(ChecksumAlgorithm::Sha256, &[&pa, &pb]),
            Some(want)
        );
        assert_eq!(composite(ChecksumAlgorithm::Sha256, &["bad"]), None);
    }
}
