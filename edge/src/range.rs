//! `Range: bytes=...` resolution against an object size: single, open-ended
//! and suffix ranges. Multiple ranges and malformed values are ignored
//! (the whole object is sent), as RFC 9110 allows and S3 does. Pure.

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
}

/// Resolves a Range header value for an object of `size` bytes.
pub fn resolve(header: Option<&str>, size: u64) -> Span {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return Span::Whole;
    };
    if spec.contains(',') {
        return Span::Whole;
    }
    let Some((a, b)) = spec.trim().split_once('-') else {
        return Span::Whole;
    };
    let (a, b) = (a.trim(), b.trim());
    let num = |s: &str| s.parse::<u64>().ok();
    match (a.is_empty(), b.is_empty()) {
        // bytes=-N: the last N bytes.
        (true, false) => match num(b) {
            Some(0) => Span::Unsatisfiable,
            Some(_) if size == 0 => Span::Unsatisfiable,
            Some(n) => Span::Part {
                start: size.saturating_sub(n),
                end: size - 1,
            },
            None => Span::Whole,
        },
        // bytes=A-: from A to the end.
        (false, true) => match num(a) {
            Some(start) if start >= size => Span::Unsatisfiable,
            Some(start) => Span::Part {
                start,
                end: size - 1,
            },
            None => Span::Whole,
        },
        (false, false) => match (num(a), num(b)) {
            (Some(start), Some(end)) if start <= end => {
                if start >= size {
                    Span::Unsatisfiable
                } else {
                    Span::Part {
                        start,
                        end: end.min(size - 1),
                    }
                }
            }
            _ => Span::Whole,
        },
        (true, true) => Span::Whole,
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
        assert_eq!(resolve(Some("bytes=5-2"), 10), Span::Whole);
        assert_eq!(resolve(Some("bytes=0-1,4-5"), 10), Span::Whole);
        assert_eq!(resolve(Some("items=0-1"), 10), Span::Whole);
        assert_eq!(resolve(Some("bytes=x-1"), 10), Span::Whole);
    }
}
