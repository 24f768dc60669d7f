//! Checking one set of credentials (from the URL or from cookies) against
//! the key set, the clock, the URL and the client address.
//!
//! Owns: the order of checks, which is also what a refused viewer learns:
//! syntax first (`Malformed`), then the key (`UnknownKey`), then the
//! signature (`BadSignature`), and only then the signed conditions, so
//! nothing about a policy is acted on, or reported, before it is proven.
//! Must never: parse or act on a custom policy before its signature
//! verified, or accept credentials that mix a canned and a custom policy.

use super::keys::KeySet;
use super::policy::{self, CustomPolicy};
use super::query::Credentials;
use super::{Denied, Grant, HashAlgorithm, PolicyKind, SignedRequest, Via, b64};

/// Bounds on encoded credential sizes, so a hostile request cannot make
/// the edge decode or hash megabytes. A P-256 DER signature is at most 72
/// bytes and an RSA-8192 one 1024; real policies are a few hundred bytes.
const MAX_SIGNATURE_CHARS: usize = 2048;
const MAX_POLICY_CHARS: usize = 16 * 1024;

enum Shape {
    Canned { expires: i64 },
    Custom { policy_bytes: Vec<u8> },
}

/// Verifies `creds`. `url` is what the grant must cover: for a signed URL
/// the request URL without signing parameters, for cookies the request URL.
pub(super) fn check(
    keys: &KeySet,
    creds: &Credentials,
    url: &str,
    via: Via,
    req: &SignedRequest<'_>,
) -> Result<Grant, Denied> {
    let (Some(signature_text), Some(key_id)) =
        (creds.signature.as_deref(), creds.key_pair_id.as_deref())
    else {
        return Err(Denied::Malformed);
    };
    let hash = parse_hash(creds.hash.as_deref())?;
    if signature_text.len() > MAX_SIGNATURE_CHARS {
        return Err(Denied::Malformed);
    }
    let signature = b64::decode(signature_text)
        .filter(|s| !s.is_empty())
        .ok_or(Denied::Malformed)?;
    // Exactly one of the two policy forms: both at once would let a canned
    // expiry be read next to a custom policy's conditions.
    let shape = match (creds.expires.as_deref(), creds.policy.as_deref()) {
        (Some(expires), None) => Shape::Canned {
            expires: parse_epoch(expires)?,
        },
        (None, Some(encoded)) => {
            if encoded.len() > MAX_POLICY_CHARS {
                return Err(Denied::Malformed);
            }
            let policy_bytes = b64::decode(encoded).ok_or(Denied::Malformed)?;
            Shape::Custom { policy_bytes }
        }
        _ => return Err(Denied::Malformed),
    };
    let key = keys.get(key_id).ok_or(Denied::UnknownKey)?;
    let grant = |policy, expires_epoch, resource: &str| Grant {
        key_id: key_id.to_owned(),
        via,
        policy,
        hash,
        expires_epoch,
        resource: resource.to_owned(),
    };
    match shape {
        Shape::Canned { expires } => {
            // The signature covers a policy naming this exact URL, so a
            // changed path or query fails here, as BadSignature.
            let message = policy::canned(url, expires);
            check_signature(key.verify(hash, message.as_bytes(), &signature))?;
            if req.now_epoch >= expires {
                return Err(Denied::Expired);
            }
            Ok(grant(PolicyKind::Canned, expires, url))
        }
        Shape::Custom { policy_bytes } => {
            // Verified over the bytes exactly as sent; only then parsed.
            check_signature(key.verify(hash, &policy_bytes, &signature))?;
            let policy = CustomPolicy::parse(&policy_bytes)?;
            check_custom(&policy, url, req)?;
            Ok(grant(
                PolicyKind::Custom,
                policy.date_less_than,
                policy.resource.as_deref().unwrap_or("*"),
            ))
        }
    }
}

fn check_signature(outcome: Option<bool>) -> Result<(), Denied> {
    match outcome {
        Some(true) => Ok(()),
        Some(false) => Err(Denied::BadSignature),
        None => Err(Denied::UnsupportedAlgorithm),
    }
}

/// The signed conditions of a custom policy. `DateLessThan` is exclusive
/// and `DateGreaterThan` strict, as the names say.
fn check_custom(policy: &CustomPolicy, url: &str, req: &SignedRequest<'_>) -> Result<(), Denied> {
    if req.now_epoch >= policy.date_less_than {
        return Err(Denied::Expired);
    }
    if policy
        .date_greater_than
        .is_some_and(|start| req.now_epoch <= start)
    {
        return Err(Denied::NotYetValid);
    }
    if !policy.covers(url) {
        return Err(Denied::WrongResource);
    }
    if policy
        .source_ip
        .is_some_and(|net| !policy::ip_allowed(&net, req.client_ip))
    {
        return Err(Denied::WrongIp);
    }
    Ok(())
}

/// `Hash-Algorithm`: absent means SHA-1 (CloudFront's backward-compatible
/// default); `SHA1` and `SHA256` are the documented values. Case is
/// ignored because nothing is gained by refusing `sha256`.
fn parse_hash(value: Option<&str>) -> Result<HashAlgorithm, Denied> {
    match value {
        None => Ok(HashAlgorithm::Sha1),
        Some(v) if v.eq_ignore_ascii_case("SHA1") => Ok(HashAlgorithm::Sha1),
        Some(v) if v.eq_ignore_ascii_case("SHA256") => Ok(HashAlgorithm::Sha256),
        Some(_) => Err(Denied::Malformed),
    }
}

/// `Expires`: decimal seconds, in canonical form only. The canned policy is
/// rebuilt from the parsed number, so `0123` or `+123` would otherwise be
/// accepted as aliases of a signature made over `123`.
fn parse_epoch(text: &str) -> Result<i64, Denied> {
    let value: i64 = text.parse().map_err(|_| Denied::Malformed)?;
    if value < 0 || value.to_string() != text {
        return Err(Denied::Malformed);
    }
    Ok(value)
}
