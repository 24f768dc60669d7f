//! `Range: bytes=...` resolution against an object size: single,
//! open-ended and suffix ranges, read exactly as the origin (s3s) reads
//! them, so a request gets the same answer through the edge as from the
//! origin: a header that is not one well-formed range (another unit,
//! several ranges, spaces, `5-2`, non-digits) is refused with 400
//! InvalidArgument, a range outside the object with 416. Pure.

/// What part of the object to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Span {
    /// All of it (200).
    Whole,
    /// Bytes `start..=end` (206).
    Part {
        /// First byte.
        start: u64,
        /// Last byte (inclusive).
        end: u64,
    },
    /// 416.
    Unsatisfiable,
    /// Not a range the origin accepts (400 InvalidArgument).
    Malformed,
}

/// Digits only, no sign or space, at most i64::MAX (what the origin takes).
fn number(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<u64>().ok().filter(|n| *n <= i64::MAX as u64)
}

/// Resolves a Range header value for an object of `size` bytes.
pub fn resolve(header: Option<&str>, size: u64) -> Span {
    let Some(header) = header else {
        return Span::Whole;
    };
    let Some(spec) = header.strip_prefix("bytes=") else {
        return Span::Malformed;
    };
    if let Some(suffix) = spec.strip_prefix('-') {
        // bytes=-N: the last N bytes.
        return match number(suffix) {
            None => Span::Malformed,
            Some(0) => Span::Unsatisfiable,
            Some(_) if size == 0 => Span::Unsatisfiable,
            Some(n) => Span::Part {
                start: size.saturating_sub(n),
                end: size - 1,
            },
        };
    }
    let Some((a, b)) = spec.split_once('-') else {
        return Span::Malformed;
    };
    let Some(start) = number(a) else {
        return Span::Malformed;
    };
    let end = if b.is_empty() {
        None
    } else {
        match number(b) {
            Some(end) if end >= start => Some(end),
            _ => return Span::Malformed,
        }
    };
    if start >= size {
        return Span::Unsatisfiable;
    }
    Span::Part {
        start,
        end: end.map_or(size - 1, |e| e.min(size - 1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(start: u64, end: u64) -> Span {
        Span::Part { start, end }
    }

    #[test]
    fn range_cases() {
        assert_eq!(resolve(None, 10), Span::Whole);
        assert_eq!(resolve(Some("bytes=0-0"), 10), part(0, 0));
        assert_eq!(resolve(Some("bytes=2-100"), 10), part(2, 9));
        assert_eq!(resolve(Some("bytes=7-"), 10), part(7, 9));
        assert_eq!(resolve(Some("bytes=-3"), 10), part(7, 9));
        assert_eq!(resolve(Some("bytes=-30"), 10), part(0, 9));
        assert_eq!(resolve(Some("bytes=10-"), 10), Span::Unsatisfiable);
        assert_eq!(resolve(Some("bytes=10-12"), 10), Span::Unsatisfiable);
        assert_eq!(resolve(Some("bytes=-0"), 10), Span::Unsatisfiable);
        assert_eq!(resolve(Some("bytes=0-0"), 0), Span::Unsatisfiable);
        // What the origin refuses with 400, the edge refuses too.
        for bad in [
            "bytes=5-2",
            "bytes=0-1,4-5",
            "items=0-1",
            "bytes=x-1",
            "bytes=1-x",
            "bytes= 1-2",
            "bytes=1-2-3",
            "bytes=--1",
            "bytes=-",
            "bytes=",
            "bytes=+1-2",
            "bytes=9223372036854775808-",
        ] {
            assert_eq!(resolve(Some(bad), 10), Span::Malformed, "{bad}");
        }
    }
}
