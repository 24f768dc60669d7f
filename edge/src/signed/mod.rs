//! CloudFront-compatible signed URLs and signed cookies: the edge's check of
//! a viewer's grant, and a signer for the application that hands grants out.
//!
//! Owns: the public API (`KeySet`, `SignedRequest`, `verify`, `Grant`,
//! `Denied`, `strip_signing_params`, `Signer`, `sign_url`, `sign_cookies`,
//! `SignPolicy`) and the choice between a signed URL and signed cookies.
//! The formats are CloudFront's, byte for byte, so URLs made by botocore's
//! `CloudFrontSigner`, the AWS SDKs or `aws cloudfront sign` verify here
//! (all but ECDSA over SHA-1, see below), and what `Signer` makes is what
//! CloudFront accepts.
//!
//! Must never: do IO (keys arrive as PEM text, time and client address as
//! arguments; the only syscall is the signer's random source), use `crate::`
//! paths (this folder is mounted as `crate::signed` in the edge and as a
//! scratch crate's module in tests), or trust any field of a policy before
//! its signature has been checked.
//!
//! CloudFront behaviour this follows (Developer Guide, "Use signed URLs",
//! "Use signed cookies", and the SHA-256 / ECDSA additions):
//! - A signed URL takes precedence: when the request carries any of the
//!   URL signing parameters, only the URL decides and cookies are ignored.
//! - With no `Hash-Algorithm` parameter the signature hashes with SHA-1;
//!   `Hash-Algorithm=SHA256` (cookie: `CloudFront-Hash-Algorithm`) selects
//!   SHA-256. Keys are RSA-2048 (PKCS#1 v1.5) or ECDSA P-256 (DER
//!   signature). `ring` cannot verify ECDSA over SHA-1, so such requests are
//!   refused with [`Denied::UnsupportedAlgorithm`], and it cannot *sign*
//!   RSA over SHA-1, so the signer always uses SHA-256 and says so in the
//!   URL or cookies.

mod b64;
mod keys;
mod policy;
mod query;
mod sign;
mod verify;

#[cfg(test)]
mod tests;

use std::net::IpAddr;

pub use self::keys::{KeyError, KeyProblem, KeySet, PrivateKeyProblem};
pub use self::query::strip_signing_params;
pub use self::sign::{SignError, SignPolicy, Signer, sign_cookies, sign_url};

/// What the edge knows about one viewer request, gathered by the caller.
#[derive(Debug, Clone, Copy)]
pub struct SignedRequest<'a> {
    /// The full URL the viewer asked for, as the viewer wrote it:
    /// `scheme://host/path?query`, path and query still percent-encoded,
    /// host as sent in `Host` (browsers send it lowercased). Canned policies
    /// are signed over exactly this text (minus the signing parameters), so
    /// it must not be normalised.
    pub url: &'a str,
    /// The request's cookies as (name, value) pairs, in header order.
    pub cookies: &'a [(&'a str, &'a str)],
    /// The viewer's address (the TCP peer, or a trusted proxy's report).
    pub client_ip: IpAddr,
    /// Current time, seconds since the Unix epoch.
    pub now_epoch: i64,
}

/// Where the accepted credentials came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// Query parameters `Expires`/`Policy`, `Signature`, `Key-Pair-Id`.
    Url,
    /// Cookies `CloudFront-Expires`/`CloudFront-Policy`, `-Signature`,
    /// `-Key-Pair-Id`.
    Cookie,
}

/// Which of CloudFront's two policy shapes was used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyKind {
    /// Only an expiry; the signature is over a policy rebuilt from the URL.
    Canned,
    /// A signed JSON policy carried with the request.
    Custom,
}

/// The digest the signature was made over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashAlgorithm {
    /// CloudFront's default when no `Hash-Algorithm` is given.
    Sha1,
    /// Selected by `Hash-Algorithm=SHA256`.
    Sha256,
}

impl HashAlgorithm {
    /// The spelling CloudFront uses in `Hash-Algorithm`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sha1 => "SHA1",
            Self::Sha256 => "SHA256",
        }
    }
}

/// A verified grant: the request may be served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// The key pair id whose signature was accepted.
    pub key_id: String,
    pub via: Via,
    pub policy: PolicyKind,
    pub hash: HashAlgorithm,
    /// `DateLessThan`: the grant is void from this second on. Callers can
    /// cap how long a private response is reused on its strength.
    pub expires_epoch: i64,
    /// What the grant covers: the exact URL for a canned policy, the
    /// (possibly wildcard) `Resource` for a custom one; `*` when a custom
    /// policy omits `Resource`, which CloudFront reads as "everything".
    pub resource: String,
}

/// Why a request was refused. Kept coarse on purpose: the viewer gets a 403
/// either way, and `detail()` is what goes into logs and `Cache-Status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    /// Neither signed-URL parameters nor signed cookies were present.
    #[error("no signed URL parameters or signed cookies")]
    Missing,
    /// Credentials were present but incomplete, duplicated or undecodable,
    /// or the signed policy is not a policy CloudFront would accept.
    #[error("malformed signed URL or cookie")]
    Malformed,
    /// `Key-Pair-Id` names no key in the key set.
    #[error("unknown key pair id")]
    UnknownKey,
    /// The key / hash pair is one CloudFront allows but this verifier cannot
    /// check (ECDSA over SHA-1: `ring` has no such algorithm).
    #[error("signature algorithm not supported by this verifier")]
    UnsupportedAlgorithm,
    /// The signature does not match the (rebuilt or given) policy.
    #[error("signature does not match")]
    BadSignature,
    /// `DateLessThan` has passed.
    #[error("grant has expired")]
    Expired,
    /// `DateGreaterThan` has not passed yet.
    #[error("grant is not valid yet")]
    NotYetValid,
    /// The custom policy's `Resource` does not cover this URL.
    #[error("grant does not cover this URL")]
    WrongResource,
    /// The viewer's address is outside the policy's `AWS:SourceIp`.
    #[error("client address not allowed by the grant")]
    WrongIp,
}

impl Denied {
    /// A short token for logs and RFC 9211 `Cache-Status: ...; detail=`.
    pub fn detail(self) -> &'static str {
        match self {
            Self::Missing => "signature-missing",
            Self::Malformed => "signature-malformed",
            Self::UnknownKey => "signature-unknown-key",
            Self::UnsupportedAlgorithm => "signature-unsupported",
            Self::BadSignature => "signature-bad",
            Self::Expired => "signature-expired",
            Self::NotYetValid => "signature-not-yet-valid",
            Self::WrongResource => "signature-wrong-resource",
            Self::WrongIp => "signature-wrong-ip",
        }
    }
}

/// Checks a viewer request's signed URL or, failing that, its signed
/// cookies. Which credentials count follows CloudFront: any URL signing
/// parameter makes the URL the sole judge, even if valid cookies are also
/// present.
pub fn verify(keys: &KeySet, req: &SignedRequest<'_>) -> Result<Grant, Denied> {
    let (base, query) = query::split_url(req.url);
    let url_creds = query::Credentials::from_query(query)?;
    if url_creds.any_present() {
        // The resource a URL signs is the URL without its signing
        // parameters; other parameters stay, in their original order.
        let unsigned = query::join_url(base, &query::strip_signing_params(query.unwrap_or("")));
        return verify::check(keys, &url_creds, &unsigned, Via::Url, req);
    }
    let cookie_creds = query::Credentials::from_cookies(req.cookies)?;
    if cookie_creds.any_present() {
        // A canned cookie's resource is the request URL itself.
        return verify::check(keys, &cookie_creds, req.url, Via::Cookie, req);
    }
    Err(Denied::Missing)
}
