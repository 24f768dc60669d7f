//! The signer: turns a URL and a policy into a CloudFront signed URL or the
//! set of CloudFront cookies, for the application that hands out grants
//! (and for tests of the verifier).
//!
//! Owns: input checks that catch mistakes before a grant is handed out (a
//! URL the policy does not cover, an IPv6 `AWS:SourceIp` CloudFront would
//! reject, reversed dates), the parameter and cookie order, and the hash
//! choice. `ring` can sign RSA and ECDSA only over SHA-256, so every grant
//! made here says `Hash-Algorithm=SHA256` (CloudFront accepts that since
//! April 2026; for ECDSA there is no other way with `ring` anyway).
//! Must never: put key material in errors, or emit a grant the verifier in
//! this module would not accept for the same URL.

use ring::rand::SystemRandom;

use super::HashAlgorithm;
use super::b64;
use super::keys::{self, PrivateKeyProblem, SigningKey};
use super::policy;
use super::query::{
    self, COOKIE_EXPIRES, COOKIE_HASH, COOKIE_KEY_PAIR_ID, COOKIE_POLICY, COOKIE_SIGNATURE,
};

/// What a grant allows, in CloudFront's two shapes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignPolicy {
    /// Only this exact URL, until `expires` (seconds since the epoch,
    /// exclusive).
    Canned { expires: i64 },
    /// A `Resource` pattern (`*` any run, `?` one character, e.g.
    /// `https://cdn.example.com/media/hls/course1/*` for a playlist and all
    /// its segments), a validity window and optionally an IPv4 address or
    /// CIDR (`203.0.113.7` means `/32`, as in botocore).
    Custom {
        resource: String,
        date_less_than: i64,
        date_greater_than: Option<i64>,
        ip: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    #[error(
        "key id {0:?} must be non-empty ASCII letters, digits, '-' or '_' (it is sent unescaped)"
    )]
    BadKeyId(String),
    #[error("private key: {0}")]
    Key(#[from] PrivateKeyProblem),
    #[error(
        "{0:?} is not an absolute http:// or https:// URL of printable ASCII without a fragment (percent-encode first)"
    )]
    BadUrl(String),
    #[error(
        "URL already carries a CloudFront signing parameter (Expires, Policy, Signature, Key-Pair-Id, Hash-Algorithm)"
    )]
    AlreadySigned,
    #[error(
        "resource {0:?} must start with http://, https:// or * and be printable ASCII (CloudFront's rule)"
    )]
    BadResource(String),
    #[error("URL {url:?} is not covered by the policy resource {resource:?}")]
    NotCovered { url: String, resource: String },
    #[error("AWS:SourceIp {0:?} is not an IPv4 address or CIDR (CloudFront supports IPv4 only)")]
    BadIp(String),
    #[error("times must be non-negative and date_greater_than earlier than date_less_than")]
    BadTimes,
    #[error("the signing primitive failed")]
    Crypto,
}

/// A loaded private key with its CloudFront key pair id. Build once and
/// reuse: parsing PEM per URL would dominate signing time.
#[derive(Debug)]
pub struct Signer {
    key_id: String,
    key: SigningKey,
    rng: SystemRandom,
}

/// The grant's policy, ready to be sent: either a canned expiry or an
/// encoded custom policy, plus the signature.
struct Signed {
    canned_expires: Option<i64>,
    encoded_policy: Option<String>,
    signature: String,
}

impl Signer {
    /// Loads a PKCS#8, PKCS#1 (RSA) or SEC1 (EC P-256) PEM private key.
    pub fn from_pem(key_id: &str, private_key_pem: &str) -> Result<Self, SignError> {
        if !keys::valid_key_id(key_id) {
            return Err(SignError::BadKeyId(key_id.to_owned()));
        }
        let key = keys::parse_private_pem(private_key_pem)?;
        Ok(Self {
            key_id: key_id.to_owned(),
            key,
            rng: SystemRandom::new(),
        })
    }

    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// Appends `Expires` or `Policy`, then `Signature`, `Key-Pair-Id` and
    /// `Hash-Algorithm` to `url`, in the order the Developer Guide shows.
    /// `url` may carry its own query; it is signed (canned) or checked
    /// against the resource (custom) exactly as given.
    pub fn sign_url(&self, url: &str, policy: &SignPolicy) -> Result<String, SignError> {
        check_url(url)?;
        let signed = self.sign_policy(url, policy)?;
        let mut params = Vec::with_capacity(4);
        if let Some(expires) = signed.canned_expires {
            params.push(format!("Expires={expires}"));
        }
        if let Some(encoded) = &signed.encoded_policy {
            params.push(format!("Policy={encoded}"));
        }
        params.push(format!("Signature={}", signed.signature));
        params.push(format!("Key-Pair-Id={}", self.key_id));
        params.push(format!("Hash-Algorithm={}", HashAlgorithm::Sha256.as_str()));
        let separator = if url.contains('?') { '&' } else { '?' };
        Ok(format!("{url}{separator}{}", params.join("&")))
    }

    /// The cookie (name, value) pairs for a grant; the caller adds
    /// `Domain`, `Path`, `Secure`, `HttpOnly` when writing `Set-Cookie`.
    /// For a canned policy `url_or_resource` is the one URL granted; for a
    /// custom policy it is a URL (or the resource itself) that must be
    /// covered by the policy's `resource`, as a guard against typos.
    pub fn sign_cookies(
        &self,
        url_or_resource: &str,
        policy: &SignPolicy,
    ) -> Result<Vec<(String, String)>, SignError> {
        if matches!(policy, SignPolicy::Canned { .. }) {
            check_url(url_or_resource)?;
        }
        let signed = self.sign_policy(url_or_resource, policy)?;
        let mut cookies = Vec::with_capacity(4);
        if let Some(expires) = signed.canned_expires {
            cookies.push((COOKIE_EXPIRES.to_owned(), expires.to_string()));
        }
        if let Some(encoded) = signed.encoded_policy {
            cookies.push((COOKIE_POLICY.to_owned(), encoded));
        }
        cookies.push((COOKIE_SIGNATURE.to_owned(), signed.signature));
        cookies.push((COOKIE_KEY_PAIR_ID.to_owned(), self.key_id.clone()));
        cookies.push((
            COOKIE_HASH.to_owned(),
            HashAlgorithm::Sha256.as_str().to_owned(),
        ));
        Ok(cookies)
    }

    fn sign_policy(&self, url: &str, policy: &SignPolicy) -> Result<Signed, SignError> {
        match policy {
            SignPolicy::Canned { expires } => {
                if *expires < 0 {
                    return Err(SignError::BadTimes);
                }
                let text = policy::canned(url, *expires);
                Ok(Signed {
                    canned_expires: Some(*expires),
                    encoded_policy: None,
                    signature: b64::encode(&self.sign(text.as_bytes())?),
                })
            }
            SignPolicy::Custom {
                resource,
                date_less_than,
                date_greater_than,
                ip,
            } => {
                check_resource(resource)?;
                if !policy::wildcard_match(resource, url) {
                    return Err(SignError::NotCovered {
                        url: url.to_owned(),
                        resource: resource.clone(),
                    });
                }
                let times_ok = *date_less_than >= 0
                    && date_greater_than.is_none_or(|start| start >= 0 && start < *date_less_than);
                if !times_ok {
                    return Err(SignError::BadTimes);
                }
                let net = match ip {
                    Some(text) => Some(
                        policy::parse_source_ip(text)
                            .ok_or_else(|| SignError::BadIp(text.clone()))?,
                    ),
                    None => None,
                };
                let text =
                    policy::custom(resource, *date_less_than, *date_greater_than, net.as_ref());
                Ok(Signed {
                    canned_expires: None,
                    encoded_policy: Some(b64::encode(text.as_bytes())),
                    signature: b64::encode(&self.sign(text.as_bytes())?),
                })
            }
        }
    }

    /// SHA-256 signature: PKCS#1 v1.5 for RSA, ASN.1 DER ECDSA for P-256.
    pub(super) fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        match &self.key {
            SigningKey::Rsa(pair) => {
                let mut out = vec![0u8; pair.public().modulus_len()];
                pair.sign(
                    &ring::signature::RSA_PKCS1_SHA256,
                    &self.rng,
                    message,
                    &mut out,
                )
                .map_err(|_| SignError::Crypto)?;
                Ok(out)
            }
            SigningKey::EcP256(pair) => pair
                .sign(&self.rng, message)
                .map(|sig| sig.as_ref().to_vec())
                .map_err(|_| SignError::Crypto),
        }
    }
}

/// Signs `url` with a one-off [`Signer`]; see [`Signer::sign_url`].
pub fn sign_url(
    url: &str,
    key_id: &str,
    private_key_pem: &str,
    policy: &SignPolicy,
) -> Result<String, SignError> {
    Signer::from_pem(key_id, private_key_pem)?.sign_url(url, policy)
}

/// Signed cookies with a one-off [`Signer`]; see [`Signer::sign_cookies`].
pub fn sign_cookies(
    url_or_resource: &str,
    key_id: &str,
    private_key_pem: &str,
    policy: &SignPolicy,
) -> Result<Vec<(String, String)>, SignError> {
    Signer::from_pem(key_id, private_key_pem)?.sign_cookies(url_or_resource, policy)
}

/// A URL CloudFront can sign: absolute http(s), printable ASCII (the AWS
/// CLI's rule: non-ASCII and spaces percent-encoded), no fragment, and no
/// signing parameters already present.
fn check_url(url: &str) -> Result<(), SignError> {
    let absolute = url.starts_with("https://") || url.starts_with("http://");
    if !absolute || url.contains('#') || !url.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(SignError::BadUrl(url.to_owned()));
    }
    let (_, query) = query::split_url(url);
    if query.is_some_and(query::has_signing_params) {
        return Err(SignError::AlreadySigned);
    }
    Ok(())
}

fn check_resource(resource: &str) -> Result<(), SignError> {
    let scheme_ok = resource.starts_with("https://")
        || resource.starts_with("http://")
        || resource.starts_with('*');
    if !scheme_ok || !resource.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(SignError::BadResource(resource.to_owned()));
    }
    Ok(())
}
