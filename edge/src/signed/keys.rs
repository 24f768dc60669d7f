//! Key material: CloudFront public keys for the verifier, private keys for
//! the signer, both loaded from PEM text handed in by the caller.
//!
//! Owns: the PEM labels and DER shapes accepted, the key id rules, the
//! RSA-2048+/P-256 restriction, and the map from (key kind, hash) to `ring`
//! algorithm. Public keys: SubjectPublicKeyInfo ("PUBLIC KEY", what
//! `openssl rsa -pubout` / `openssl ec -pubout` write and CloudFront
//! stores). Private keys: PKCS#8 "PRIVATE KEY", PKCS#1 "RSA PRIVATE KEY"
//! (`openssl genrsa -traditional`) and SEC1 "EC PRIVATE KEY" (`openssl
//! ecparam -genkey`).
//! Must never: read files, log or echo key bytes in errors, or accept a key
//! CloudFront would refuse (RSA under 2048 bits, curves other than P-256).
//!
//! DER parsing uses RustCrypto's `der`/`spki`/`sec1` (already in the
//! workspace lockfile via other dependencies, so no new crates): `ring`
//! wants the RSAPublicKey inside an SPKI and the bare EC point, and does
//! not unwrap SPKI or SEC1 itself.

use std::collections::HashMap;

use der::{Decode, Reader, SliceReader, asn1::UintRef};
use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, RsaKeyPair, UnparsedPublicKey};
use spki::{ObjectIdentifier, SubjectPublicKeyInfoRef};

use super::HashAlgorithm;

const OID_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const OID_EC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const OID_P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");

/// The converting command every private-key error points to.
const TO_PKCS8: &str =
    "convert it with `openssl pkcs8 -topk8 -nocrypt -in KEY.pem -out KEY.pkcs8.pem`";

/// What was wrong with one key; wrapped in [`KeyError`] with the key's id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyProblem {
    #[error(
        "key id must be non-empty ASCII letters, digits, '-' or '_' (it is sent unescaped in URLs)"
    )]
    BadId,
    #[error("the key id is listed twice")]
    Duplicate,
    #[error("not PEM text ({0})")]
    NotPem(String),
    #[error(
        "PEM label is {0:?}; expected \"PUBLIC KEY\" (SubjectPublicKeyInfo, as written by `openssl rsa -pubout` or `openssl ec -pubout`)"
    )]
    NotPublicKey(String),
    #[error("malformed SubjectPublicKeyInfo ({0})")]
    BadSpki(String),
    #[error("unsupported key algorithm {0}; CloudFront keys are RSA-2048 or ECDSA P-256")]
    UnsupportedAlgorithm(String),
    #[error("unsupported elliptic curve {0}; CloudFront ECDSA keys are P-256 (prime256v1)")]
    UnsupportedCurve(String),
    #[error("RSA modulus is {0} bits; CloudFront needs 2048 (this verifier accepts 2048 to 8192)")]
    RsaSize(usize),
    #[error("EC public key is not an uncompressed P-256 point")]
    BadEcPoint,
}

/// A public key that could not be loaded, naming the key id so operators
/// can tell which entry of their configuration is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("CloudFront key {key_id:?}: {problem}")]
pub struct KeyError {
    pub key_id: String,
    pub problem: KeyProblem,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum KeyKind {
    Rsa,
    EcP256,
}

/// A loaded public key: the bytes `ring` verifies against.
#[derive(Debug, Clone)]
pub(super) struct PublicKey {
    pub kind: KeyKind,
    /// RSA: DER RSAPublicKey. EC: uncompressed point `04 || X || Y`.
    pub bytes: Vec<u8>,
}

impl PublicKey {
    /// Checks `signature` over `message`. `None` means this key / hash pair
    /// cannot be verified here (ECDSA over SHA-1, which `ring` lacks).
    pub fn verify(&self, hash: HashAlgorithm, message: &[u8], signature: &[u8]) -> Option<bool> {
        let alg: &'static dyn signature::VerificationAlgorithm = match (self.kind, hash) {
            (KeyKind::Rsa, HashAlgorithm::Sha1) => {
                &signature::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY
            }
            (KeyKind::Rsa, HashAlgorithm::Sha256) => &signature::RSA_PKCS1_2048_8192_SHA256,
            (KeyKind::EcP256, HashAlgorithm::Sha256) => &signature::ECDSA_P256_SHA256_ASN1,
            (KeyKind::EcP256, HashAlgorithm::Sha1) => return None,
        };
        Some(
            UnparsedPublicKey::new(alg, &self.bytes)
                .verify(message, signature)
                .is_ok(),
        )
    }
}

/// The trusted public keys, by CloudFront key pair id (a "key group").
#[derive(Debug, Clone, Default)]
pub struct KeySet {
    keys: HashMap<String, PublicKey>,
}

impl KeySet {
    /// An empty set; every signed request is then `UnknownKey`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Loads `(key id, PEM text)` pairs, failing on the first bad one.
    pub fn from_pems<'a, I>(pairs: I) -> Result<Self, KeyError>
    where
        I: IntoIterator<Item = (&'a str, &'a str)>,
    {
        let mut set = Self::new();
        for (id, pem) in pairs {
            set.insert_pem(id, pem)?;
        }
        Ok(set)
    }

    /// Adds one key. A repeated id is an error rather than a silent
    /// replacement: two configured keys under one id is a config mistake.
    pub fn insert_pem(&mut self, key_id: &str, pem: &str) -> Result<(), KeyError> {
        let fail = |problem| KeyError {
            key_id: key_id.to_owned(),
            problem,
        };
        if !valid_key_id(key_id) {
            return Err(fail(KeyProblem::BadId));
        }
        if self.keys.contains_key(key_id) {
            return Err(fail(KeyProblem::Duplicate));
        }
        let key = parse_public_pem(pem).map_err(fail)?;
        self.keys.insert(key_id.to_owned(), key);
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    pub fn contains(&self, key_id: &str) -> bool {
        self.keys.contains_key(key_id)
    }

    pub(super) fn get(&self, key_id: &str) -> Option<&PublicKey> {
        self.keys.get(key_id)
    }
}

/// CloudFront ids are upper-case alphanumerics (`K2JCJMDEHXQW5F`,
/// `APKA...`); allowing `-`/`_` too costs nothing and keeps ids safe to
/// put unescaped in a query string or cookie.
pub(super) fn valid_key_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn parse_public_pem(pem: &str) -> Result<PublicKey, KeyProblem> {
    let (label, der) = decode_pem(pem).map_err(KeyProblem::NotPem)?;
    if label != "PUBLIC KEY" {
        return Err(KeyProblem::NotPublicKey(label));
    }
    let spki =
        SubjectPublicKeyInfoRef::from_der(&der).map_err(|e| KeyProblem::BadSpki(e.to_string()))?;
    let (alg, params) = spki
        .algorithm
        .oids()
        .map_err(|e| KeyProblem::BadSpki(e.to_string()))?;
    // A BIT STRING with unused bits cannot hold a DER structure or a point.
    let bits = spki
        .subject_public_key
        .as_bytes()
        .ok_or_else(|| KeyProblem::BadSpki("public key BIT STRING has unused bits".into()))?;
    if alg == OID_RSA {
        let modulus_bits = rsa_modulus_bits(bits)?;
        if !(2048..=8192).contains(&modulus_bits) {
            return Err(KeyProblem::RsaSize(modulus_bits));
        }
        Ok(PublicKey {
            kind: KeyKind::Rsa,
            bytes: bits.to_vec(),
        })
    } else if alg == OID_EC {
        match params {
            Some(curve) if curve == OID_P256 => {}
            Some(curve) => return Err(KeyProblem::UnsupportedCurve(curve.to_string())),
            None => return Err(KeyProblem::UnsupportedCurve("(none given)".into())),
        }
        // Uncompressed SEC1 point: 0x04 then 32-byte X and Y. `ring`
        // checks the point is on the curve when it verifies.
        if bits.len() != 65 || bits.first() != Some(&0x04) {
            return Err(KeyProblem::BadEcPoint);
        }
        Ok(PublicKey {
            kind: KeyKind::EcP256,
            bytes: bits.to_vec(),
        })
    } else {
        Err(KeyProblem::UnsupportedAlgorithm(alg.to_string()))
    }
}

/// Size of the modulus in an RSAPublicKey `SEQUENCE { n INTEGER, e INTEGER }`.
fn rsa_modulus_bits(der_bytes: &[u8]) -> Result<usize, KeyProblem> {
    let bad = |e: der::Error| KeyProblem::BadSpki(format!("RSAPublicKey: {e}"));
    let mut reader = SliceReader::new(der_bytes).map_err(bad)?;
    let modulus = reader
        .sequence(|seq| {
            let n = UintRef::decode(seq)?;
            let _e = UintRef::decode(seq)?;
            Ok(n.as_bytes().to_vec())
        })
        .map_err(bad)?;
    reader.finish().map_err(bad)?;
    // `UintRef` strips leading zero bytes, so the first byte is significant.
    let lead_bits = modulus
        .first()
        .map_or(0, |b| 8 - b.leading_zeros() as usize);
    Ok(modulus.len().saturating_sub(1) * 8 + lead_bits)
}

/// A loaded private key for the signer.
pub(super) enum SigningKey {
    Rsa(RsaKeyPair),
    EcP256(EcdsaKeyPair),
}

impl std::fmt::Debug for SigningKey {
    // Never print key material, even by accident through `{:?}`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Rsa(_) => "SigningKey::Rsa(..)",
            Self::EcP256(_) => "SigningKey::EcP256(..)",
        })
    }
}

/// Why a private key could not be loaded. Each message says how to get a
/// form that loads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrivateKeyProblem {
    #[error("not PEM text ({0})")]
    NotPem(String),
    #[error("encrypted private keys are not supported; {TO_PKCS8} (which also decrypts)")]
    Encrypted,
    #[error("PEM label {0:?} is not a private key this signer reads; {TO_PKCS8}")]
    UnknownLabel(String),
    #[error("PKCS#8 key is neither RSA (2048-4096 bits) nor ECDSA P-256 ({0}); {TO_PKCS8}")]
    BadPkcs8(String),
    #[error("PKCS#1 RSA key rejected ({0}); {TO_PKCS8}")]
    BadPkcs1(String),
    #[error("SEC1 EC key not loadable ({0}); {TO_PKCS8}")]
    BadSec1(String),
}

pub(super) fn parse_private_pem(pem: &str) -> Result<SigningKey, PrivateKeyProblem> {
    // Legacy OpenSSL encryption puts RFC 1421 headers inside the PEM.
    if pem.contains("Proc-Type:") && pem.contains("ENCRYPTED") {
        return Err(PrivateKeyProblem::Encrypted);
    }
    let (label, der) = decode_pem(pem).map_err(PrivateKeyProblem::NotPem)?;
    let rng = SystemRandom::new();
    match label.as_str() {
        "PRIVATE KEY" => {
            // The algorithm OID is inside; trying both is simpler and ring
            // rejects the wrong kind cleanly.
            if let Ok(key) = RsaKeyPair::from_pkcs8(&der) {
                return Ok(SigningKey::Rsa(key));
            }
            EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_ASN1_SIGNING, &der, &rng)
                .map(SigningKey::EcP256)
                .map_err(|e| PrivateKeyProblem::BadPkcs8(e.to_string()))
        }
        "RSA PRIVATE KEY" => RsaKeyPair::from_der(&der)
            .map(SigningKey::Rsa)
            .map_err(|e| PrivateKeyProblem::BadPkcs1(e.to_string())),
        "EC PRIVATE KEY" => parse_sec1(&der, &rng),
        "ENCRYPTED PRIVATE KEY" => Err(PrivateKeyProblem::Encrypted),
        other => Err(PrivateKeyProblem::UnknownLabel(other.to_owned())),
    }
}

/// Decodes PEM text to (label, DER). RFC 7468's strict form first; failing
/// that, once more after rebuilding the canonical form, because keys pasted
/// into config files lose their 64-column wrapping or gain trailing spaces.
/// The strict parser's error is the one reported.
fn decode_pem(text: &str) -> Result<(String, Vec<u8>), String> {
    let text = text.trim();
    let strict = match der::pem::decode_vec(text.as_bytes()) {
        Ok((label, der)) => return Ok((label.to_owned(), der)),
        Err(e) => e.to_string(),
    };
    let canonical = canonical_pem(text).ok_or_else(|| strict.clone())?;
    der::pem::decode_vec(canonical.as_bytes())
        .map(|(label, der)| (label.to_owned(), der))
        .map_err(|_| strict)
}

/// `-----BEGIN L-----`, the body's base64 re-wrapped at 64 columns,
/// `-----END L-----`. `None` if the frame is missing or the body has RFC
/// 1421 headers (`Proc-Type: ...`), which are not base64.
fn canonical_pem(text: &str) -> Option<String> {
    let (_, after_begin) = text.split_once("-----BEGIN ")?;
    let (label, rest) = after_begin.split_once("-----")?;
    let (body, _) = rest.split_once(&format!("-----END {label}-----"))?;
    let base64: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    if !base64.is_ascii() || base64.contains(':') {
        return None;
    }
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in base64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).ok()?);
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    Some(out)
}

/// SEC1 `ECPrivateKey`: `ring` only reads PKCS#8, but it can build a key
/// pair from the raw scalar and public point, both of which SEC1 carries
/// (OpenSSL always writes the public key).
fn parse_sec1(der_bytes: &[u8], rng: &SystemRandom) -> Result<SigningKey, PrivateKeyProblem> {
    let sec1 = sec1::EcPrivateKey::from_der(der_bytes)
        .map_err(|e| PrivateKeyProblem::BadSec1(e.to_string()))?;
    match sec1.parameters.and_then(|p| p.named_curve()) {
        Some(curve) if curve == OID_P256 => {}
        Some(curve) => {
            return Err(PrivateKeyProblem::BadSec1(format!(
                "curve {curve} is not P-256"
            )));
        }
        None => return Err(PrivateKeyProblem::BadSec1("no named curve".into())),
    }
    let public = sec1
        .public_key
        .ok_or_else(|| PrivateKeyProblem::BadSec1("no public key in the file".into()))?;
    EcdsaKeyPair::from_private_key_and_public_key(
        &signature::ECDSA_P256_SHA256_ASN1_SIGNING,
        sec1.private_key,
        public,
        rng,
    )
    .map(SigningKey::EcP256)
    .map_err(|e| PrivateKeyProblem::BadSec1(e.to_string()))
}
