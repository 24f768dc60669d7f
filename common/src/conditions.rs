//! Conditional-request evaluation, once for every reader of an object:
//! the origin's GetObject/HeadObject, the `x-amz-copy-source-if-*` of
//! CopyObject and UploadPartCopy, and the edge answering from its cache.
//! RFC 9110 section 13.2.2 order, with S3's copy-source variant. Pure: the
//! caller parses headers and dates; no IO, no clock.

/// An entity-tag condition (If-Match / If-None-Match and copy forms).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EtagCond<'a> {
    /// `*`: any current representation.
    Any,
    /// One entity tag, unquoted.
    Exact(&'a str),
    /// A raw header value: a comma-separated list of quoted (or `W/`) tags,
    /// possibly containing `*`.
    List(&'a str),
}

impl EtagCond<'_> {
    /// Whether the condition names `etag` (unquoted). Weak tags compare by
    /// their opaque part, as S3 and our cache both have only strong ETags.
    pub fn matches(&self, etag: &str) -> bool {
        match self {
            EtagCond::Any => true,
            EtagCond::Exact(e) => e.trim_matches('"') == etag,
            EtagCond::List(list) => list.split(',').any(|t| {
                let t = t.trim();
                let t = t.strip_prefix("W/").unwrap_or(t);
                t == "*" || t.trim_matches('"') == etag
            }),
        }
    }
}

/// The four conditional headers of a read; dates in unix seconds.
#[derive(Debug, Clone, Copy, Default)]
pub struct Conditions<'a> {
    /// If-Match.
    pub if_match: Option<EtagCond<'a>>,
    /// If-None-Match.
    pub if_none_match: Option<EtagCond<'a>>,
    /// If-Modified-Since.
    pub if_modified_since: Option<i64>,
    /// If-Unmodified-Since.
    pub if_unmodified_since: Option<i64>,
}

/// What the object is judged by: its ETag (unquoted) and Last-Modified
/// (unix seconds; HTTP dates have no finer resolution).
#[derive(Debug, Clone, Copy)]
pub struct Validators<'a> {
    /// ETag without quotes.
    pub etag: &'a str,
    /// Last-Modified, when known.
    pub last_modified: Option<i64>,
}

/// The verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Serve (or copy) the object.
    Proceed,
    /// 304 Not Modified.
    NotModified,
    /// 412 Precondition Failed.
    PreconditionFailed,
}

impl Conditions<'_> {
    /// Whether no condition was given.
    pub fn is_empty(&self) -> bool {
        self.if_match.is_none()
            && self.if_none_match.is_none()
            && self.if_modified_since.is_none()
            && self.if_unmodified_since.is_none()
    }

    /// GET/HEAD: If-Match, else If-Unmodified-Since (412); then
    /// If-None-Match, else If-Modified-Since (304). A date condition on an
    /// object without a Last-Modified is ignored, as RFC 9110 says.
    pub fn evaluate(&self, v: &Validators<'_>) -> Outcome {
        if let Some(c) = self.if_match {
            if !c.matches(v.etag) {
                return Outcome::PreconditionFailed;
            }
        } else if let (Some(t), Some(lm)) = (self.if_unmodified_since, v.last_modified)
            && lm > t
        {
            return Outcome::PreconditionFailed;
        }
        if let Some(c) = self.if_none_match {
            if c.matches(v.etag) {
                return Outcome::NotModified;
            }
        } else if let (Some(t), Some(lm)) = (self.if_modified_since, v.last_modified)
            && lm <= t
        {
            return Outcome::NotModified;
        }
        Outcome::Proceed
    }

    /// `x-amz-copy-source-if-*`: the same precedence (a matching
    /// if-match overrides a failing if-unmodified-since; a failing
    /// if-none-match is not rescued by if-modified-since), but every
    /// failure is 412, as S3 documents for CopyObject and UploadPartCopy.
    pub fn evaluate_copy_source(&self, v: &Validators<'_>) -> Outcome {
        match self.evaluate(v) {
            Outcome::Proceed => Outcome::Proceed,
            Outcome::NotModified | Outcome::PreconditionFailed => Outcome::PreconditionFailed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const V: Validators<'static> = Validators {
        etag: "abc",
        last_modified: Some(1_000),
    };

    #[test]
    fn rfc_9110_order_table() {
        use EtagCond::*;
        use Outcome::*;
        let c = |m, n, ims, ius| Conditions {
            if_match: m,
            if_none_match: n,
            if_modified_since: ims,
            if_unmodified_since: ius,
        };
        let table: &[(Conditions<'static>, Outcome, Outcome)] = &[
            // (conditions, GET/HEAD, copy source)
            (c(None, None, None, None), Proceed, Proceed),
            (c(Some(Exact("abc")), None, None, None), Proceed, Proceed),
            (
                c(Some(Exact("\"abc\"")), None, None, None),
                Proceed,
                Proceed,
            ),
            (
                c(Some(Exact("x")), None, None, None),
                PreconditionFailed,
                PreconditionFailed,
            ),
            (c(Some(Any), None, None, None), Proceed, Proceed),
            (
                c(Some(List("\"x\", \"abc\"")), None, None, None),
                Proceed,
                Proceed,
            ),
            (
                c(Some(List("W/\"abc\"")), None, None, None),
                Proceed,
                Proceed,
            ),
            (
                c(Some(List("\"x\",\"y\"")), None, None, None),
                PreconditionFailed,
                PreconditionFailed,
            ),
            (
                c(None, Some(Exact("abc")), None, None),
                NotModified,
                PreconditionFailed,
            ),
            (
                c(None, Some(Any), None, None),
                NotModified,
                PreconditionFailed,
            ),
            (c(None, Some(Exact("x")), None, None), Proceed, Proceed),
            (
                c(None, None, Some(1_000), None),
                NotModified,
                PreconditionFailed,
            ),
            (c(None, None, Some(999), None), Proceed, Proceed),
            (
                c(None, None, None, Some(999)),
                PreconditionFailed,
                PreconditionFailed,
            ),
            (c(None, None, None, Some(1_000)), Proceed, Proceed),
            // If-Match wins over a failing If-Unmodified-Since (S3's documented copy case too).
            (c(Some(Exact("abc")), None, None, Some(1)), Proceed, Proceed),
            // If-None-Match decides alone: If-Modified-Since is then ignored.
            (
                c(None, Some(Exact("x")), Some(5_000), None),
                Proceed,
                Proceed,
            ),
            (
                c(None, Some(Exact("abc")), Some(1), None),
                NotModified,
                PreconditionFailed,
            ),
            // 412 comes before 304.
            (
                c(Some(Exact("x")), Some(Exact("abc")), None, None),
                PreconditionFailed,
                PreconditionFailed,
            ),
        ];
        for (i, (cond, get, copy)) in table.iter().enumerate() {
            assert_eq!(cond.evaluate(&V), *get, "case {i} GET");
            assert_eq!(cond.evaluate_copy_source(&V), *copy, "case {i} copy");
        }
    }

    #[test]
    fn dates_ignored_without_last_modified() {
        let v = Validators {
            etag: "e",
            last_modified: None,
        };
        let c = Conditions {
            if_modified_since: Some(0),
            if_unmodified_since: Some(0),
            ..Default::default()
        };
        assert_eq!(c.evaluate(&v), Outcome::Proceed);
        assert!(!c.is_empty());
        assert!(Conditions::default().is_empty());
    }
}
