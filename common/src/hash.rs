//! Hash helpers shared by origin and edge: blake3 block digests (the internal
//! integrity hash) and the hex forms used in ETags and metadata records.

/// Length in bytes of a blake3 digest.
pub const BLAKE3_LEN: usize = 32;

/// blake3 digest of `data`.
pub fn blake3(data: &[u8]) -> [u8; BLAKE3_LEN] {
    *blake3::hash(data).as_bytes()
}

/// Lower-case hex of any digest.
pub fn to_hex(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

/// Compares two secrets (tokens, signatures) without an early exit, so
/// the time taken does not reveal how much of a guess was right.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Quoted S3 ETag from an MD5 hex digest (`"<hex>"`).
pub fn quoted_etag(md5_hex: &str) -> String {
    format!("\"{md5_hex}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blake3_known_vector() {
        // blake3("") from the reference test vectors.
        assert_eq!(
            to_hex(&blake3(b"")),
            "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"
        );
    }

    #[test]
    fn constant_time_compare() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert!(constant_time_eq(b"", b""));
    }

    #[test]
    fn etag_is_quoted() {
        assert_eq!(quoted_etag("abc"), "\"abc\"");
    }
}
