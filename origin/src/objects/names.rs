//! Names the object layer accepts: AWS's bucket-name rules, and the path
//! segment Gureum keeps for its own APIs (`/_gureum/...`), which can never
//! be a bucket. Pure; the S3 router and CreateBucket both ask here.

use std::net::IpAddr;

/// The reserved path segment of Gureum's own APIs.
pub const RESERVED: &str = "_gureum";

/// AWS's general-purpose bucket naming rules: 3-63 characters of lower-case
/// letters, digits, `.` and `-`, starting and ending with a letter or
/// digit, no `..`, not an IP address, none of AWS's reserved prefixes and
/// suffixes.
pub fn valid_bucket_name(name: &str) -> bool {
    let b = name.as_bytes();
    let edge_ok = |c: Option<&u8>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    (3..=63).contains(&b.len())
        && b.iter()
            .all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'.' || c == b'-')
        && edge_ok(b.first())
        && edge_ok(b.last())
        && !name.contains("..")
        && name.parse::<IpAddr>().is_err()
        && !["xn--", "sthree-", "amzn-s3-demo-"]
            .iter()
            .any(|p| name.starts_with(p))
        && !["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"]
            .iter()
            .any(|s| name.ends_with(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_rules() {
        for ok in [
            "abc",
            "media",
            "my.example.bucket",
            "a-b-1",
            &"a".repeat(63),
        ] {
            assert!(valid_bucket_name(ok), "{ok}");
        }
        for bad in [
            "ab",
            &"a".repeat(64),
            "Media",
            "a_b",
            "-ab",
            "ab-",
            ".ab",
            "a..b",
            "192.168.1.1",
            "xn--abc",
            "sthree-x",
            "x-s3alias",
            "x--ol-s3",
            "_gureum",
            "caf\u{e9}",
            "",
        ] {
            assert!(!valid_bucket_name(bad), "{bad}");
        }
    }
}
