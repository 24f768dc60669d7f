//! The date reader and the glob matcher on their own.
//!
//! Owns: tables for `datetime::parse_instant` (W3C ISO 8601 profiles and
//! epoch seconds) and `Pattern::glob` (wildcards, multi-byte text, case
//! folding, pathological patterns).
//! Must never: go through policy documents.

use super::super::datetime::parse_instant;
use super::super::pattern::{NoVariables, Pattern};
use super::assert_clean;

const S: i128 = 1_000_000_000;
const Y2020: i128 = 1_577_836_800 * S;

/// (text, nanoseconds since the epoch, or `None` when refused)
#[rustfmt::skip]
pub(super) const DATES: &[(&str, Option<i128>)] = &[
    ("2020-01-01T00:00:00Z", Some(Y2020)),
    ("2020-01-01", Some(Y2020)),
    ("2020-01", Some(Y2020)),
    ("2020-01-01T00:00Z", Some(Y2020)),
    ("2020-01-01T05:30:00+05:30", Some(Y2020)),
    ("2019-12-31T19:00:00-05:00", Some(Y2020)),
    ("2020-01-01T01:00:00+0100", Some(Y2020)),
    ("2020-01-01t00:00:00z", Some(Y2020)),
    ("2020-01-01T00:00:00.123456789Z", Some(Y2020 + 123_456_789)),
    ("2020-01-01T00:00:00.5Z", Some(Y2020 + S / 2)),
    ("1577836800", Some(Y2020)),
    ("1577836800.25", Some(Y2020 + S / 4)),
    ("-1", Some(-S)),
    ("2020-02-30", None),
    ("2020-13-01", None),
    ("2020-01-01T25:00:00Z", None),
    ("2020-01-01T00:00:00.Z", None),
    ("2020-1-1", None),
    ("", None),
    ("yesterday", None),
    ("２０２０-01-01", None),
];

/// (pattern, input, fold case?, matches?)
#[rustfmt::skip]
pub(super) const GLOBS: &[(&str, &str, bool, bool)] = &[
    ("a*c", "abc", false, true),
    ("a*c", "ac", false, true),
    ("a*c", "ab", false, false),
    ("*", "", false, true),
    ("?", "", false, false),
    ("a?", "aé", false, true),
    ("**", "x", false, true),
    ("a*b*c", "axxbyyc", false, true),
    ("a*b*c", "axxbyy", false, false),
    ("*a*a*a*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false, false),
    ("S3:GET*", "s3:getobject", true, true),
    ("S3:GET*", "s3:getobject", false, false),
    ("日*語", "日本語", false, true),
    ("", "", false, true),
    ("", "x", false, false),
];

#[test]
fn date_table() {
    let failures: Vec<String> = DATES
        .iter()
        .filter(|(text, want)| parse_instant(text) != *want)
        .map(|(text, want)| format!("{text}: got {:?}, want {want:?}", parse_instant(text)))
        .collect();
    assert_clean("dates", &failures);
}

#[test]
fn glob_table() {
    let failures: Vec<String> = GLOBS
        .iter()
        .filter(|(pattern, input, fold, want)| {
            Pattern::parse(pattern, true, false).glob(input, *fold, &NoVariables) != *want
        })
        .map(|(pattern, input, ..)| format!("{pattern} ~ {input}"))
        .collect();
    assert_clean("globs", &failures);
}
