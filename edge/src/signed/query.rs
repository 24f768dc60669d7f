//! Pulling CloudFront credentials out of a URL's query or a cookie list, and
//! rebuilding the URL a signature covers.
//!
//! Owns: the names of the signing parameters and cookies, the URL split at
//! `?`, `strip_signing_params` (also the cache key: a cache must not key on
//! per-viewer signatures), and percent-decoding of credential values.
//! Must never: index into client strings by byte offset (only `split_once`
//! and friends, which cut at ASCII delimiters), reorder or re-encode the
//! parameters it keeps (canned signatures cover their exact text), or pick
//! one of two conflicting URL credentials (that is how parser-differential
//! attacks start; it is `Malformed` instead).

use percent_encoding::percent_decode_str;

use super::Denied;

/// Query parameter names CloudFront reserves for signing. The application's
/// own parameters may not use them (Developer Guide), which is what makes
/// removing them safe.
const URL_EXPIRES: &str = "Expires";
const URL_POLICY: &str = "Policy";
const URL_SIGNATURE: &str = "Signature";
const URL_KEY_PAIR_ID: &str = "Key-Pair-Id";
const URL_HASH: &str = "Hash-Algorithm";
const URL_PARAMS: [&str; 5] = [
    URL_EXPIRES,
    URL_POLICY,
    URL_SIGNATURE,
    URL_KEY_PAIR_ID,
    URL_HASH,
];

pub(super) const COOKIE_EXPIRES: &str = "CloudFront-Expires";
pub(super) const COOKIE_POLICY: &str = "CloudFront-Policy";
pub(super) const COOKIE_SIGNATURE: &str = "CloudFront-Signature";
pub(super) const COOKIE_KEY_PAIR_ID: &str = "CloudFront-Key-Pair-Id";
pub(super) const COOKIE_HASH: &str = "CloudFront-Hash-Algorithm";

/// Splits `scheme://host/path?query` at the first `?`.
pub(super) fn split_url(url: &str) -> (&str, Option<&str>) {
    match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    }
}

/// Rejoins a base URL and a (possibly empty) query; an empty query means no
/// `?`, as in the policy CloudFront documents ("if you have no query string
/// parameters, omit the question mark").
pub(super) fn join_url(base: &str, query: &str) -> String {
    if query.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{query}")
    }
}

fn param_name(part: &str) -> &str {
    part.split_once('=').map_or(part, |(name, _)| name)
}

/// True if the query names any of the signing parameters.
pub(super) fn has_signing_params(query: &str) -> bool {
    query
        .split('&')
        .any(|part| URL_PARAMS.contains(&param_name(part)))
}

/// Removes `Expires`, `Policy`, `Signature`, `Key-Pair-Id` and
/// `Hash-Algorithm` from a query string (without its `?`), keeping every
/// other parameter byte for byte and in order. This is both the query a
/// canned policy was signed over and the one to put in a cache key.
pub fn strip_signing_params(query: &str) -> String {
    let kept: Vec<&str> = query
        .split('&')
        .filter(|part| !URL_PARAMS.contains(&param_name(part)))
        .collect();
    // A query that held only signing parameters leaves one empty piece; it
    // must turn into "no query", not a dangling `?`.
    if kept.iter().all(|part| part.is_empty()) {
        String::new()
    } else {
        kept.join("&")
    }
}

/// The credential fields of one request, percent-decoded.
#[derive(Debug, Default)]
pub(super) struct Credentials {
    pub expires: Option<String>,
    pub policy: Option<String>,
    pub signature: Option<String>,
    pub key_pair_id: Option<String>,
    pub hash: Option<String>,
}

impl Credentials {
    /// True if any field that makes a grant was supplied. `Hash-Algorithm`
    /// alone does not count: it only qualifies a signature.
    pub fn any_present(&self) -> bool {
        self.expires.is_some()
            || self.policy.is_some()
            || self.signature.is_some()
            || self.key_pair_id.is_some()
    }

    /// Reads the signing parameters of a query string. A parameter given
    /// twice is `Malformed`: which copy CloudFront would use is unknown.
    pub fn from_query(query: Option<&str>) -> Result<Self, Denied> {
        let mut creds = Self::default();
        for part in query.unwrap_or("").split('&') {
            let (name, value) = part.split_once('=').unwrap_or((part, ""));
            let slot = match name {
                URL_EXPIRES => &mut creds.expires,
                URL_POLICY => &mut creds.policy,
                URL_SIGNATURE => &mut creds.signature,
                URL_KEY_PAIR_ID => &mut creds.key_pair_id,
                URL_HASH => &mut creds.hash,
                _ => continue,
            };
            if slot.is_some() {
                return Err(Denied::Malformed);
            }
            *slot = Some(decode_value(value)?);
        }
        Ok(creds)
    }

    /// Reads the CloudFront cookies. Unlike the query, a repeated cookie is
    /// normal: a browser holding grants for `/a/` and `/a/b/` sends both,
    /// longest path first (RFC 6265 section 5.4), so the first one wins.
    pub fn from_cookies(cookies: &[(&str, &str)]) -> Result<Self, Denied> {
        let mut creds = Self::default();
        for &(name, value) in cookies {
            let slot = match name {
                COOKIE_EXPIRES => &mut creds.expires,
                COOKIE_POLICY => &mut creds.policy,
                COOKIE_SIGNATURE => &mut creds.signature,
                COOKIE_KEY_PAIR_ID => &mut creds.key_pair_id,
                COOKIE_HASH => &mut creds.hash,
                _ => continue,
            };
            if slot.is_none() {
                // RFC 6265 allows a cookie value wrapped in double quotes.
                let unquoted = value
                    .strip_prefix('"')
                    .and_then(|v| v.strip_suffix('"'))
                    .unwrap_or(value);
                *slot = Some(decode_value(unquoted)?);
            }
        }
        Ok(creds)
    }
}

/// Percent-decodes a credential value. CloudFront's own values need no
/// escaping, but some clients escape `~` as `%7E`; anything that does not
/// decode to UTF-8 cannot be a CloudFront value.
fn decode_value(raw: &str) -> Result<String, Denied> {
    percent_decode_str(raw)
        .decode_utf8()
        .map(|v| v.into_owned())
        .map_err(|_| Denied::Malformed)
}
