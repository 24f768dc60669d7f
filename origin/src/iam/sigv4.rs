//! Verifying SigV4 header signatures of IAM query-API requests (service
//! `iam`), which s3s does not take (it accepts only `s3` and `sts`
//! scopes). Pure: the caller hands in the request parts and a secret
//! lookup; no IO, no clock.
//!
//! Why the canonical request is built here rather than by `aws-sigv4`: a
//! verifier must reproduce exactly the headers the *client* listed in
//! `SignedHeaders`, while aws-sigv4's signer decides for itself which
//! headers to sign. The cryptography (signing key derivation and the
//! HMAC) is aws-sigv4's; only the canonical request text is assembled
//! here, following AWS's SigV4 specification for non-S3 services (URI
//! path segments encoded twice, query sorted and re-encoded).

use std::time::{Duration, SystemTime};

use aws_sigv4::sign::v4::{calculate_signature, generate_signing_key};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use sha2::{Digest, Sha256};

/// RFC 3986 unreserved characters stay; everything else is escaped.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// How far the signed time may be from now (AWS: 15 minutes).
pub const MAX_SKEW: Duration = Duration::from_secs(15 * 60);

/// Why a signature was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigError {
    /// No Authorization header.
    #[error("Request is missing Authentication Token")]
    Missing,
    /// The header is not AWS4-HMAC-SHA256 with Credential, SignedHeaders
    /// and Signature, or a signed header is absent.
    #[error("{0}")]
    Incomplete(String),
    /// Signed for another service.
    #[error("Credential should be scoped to correct service: 'iam'.")]
    WrongService,
    /// x-amz-date missing, malformed, or not the credential's day.
    #[error("{0}")]
    BadDate(String),
    /// Too far from now.
    #[error("Signature expired: {0} is now earlier or later than the allowed skew.")]
    Expired(String),
    /// Unknown or inactive access key.
    #[error("The security token included in the request is invalid.")]
    UnknownKey,
    /// The signature does not match.
    #[error("The request signature we calculated does not match the signature you provided.")]
    Mismatch,
}

/// The parsed `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    /// Access key id.
    pub access_key: String,
    /// YYYYMMDD of the credential scope.
    pub date: String,
    /// Region of the scope.
    pub region: String,
    /// Service of the scope.
    pub service: String,
    /// Signed header names, lowercase, as listed.
    pub signed_headers: Vec<String>,
    /// Hex signature.
    pub signature: String,
}

/// Parses `AWS4-HMAC-SHA256 Credential=AK/DATE/REGION/SERVICE/aws4_request,
/// SignedHeaders=a;b, Signature=hex`.
pub fn parse_authorization(v: &str) -> Result<Authorization, SigError> {
    let incomplete = |m: &str| SigError::Incomplete(m.to_string());
    let rest = v
        .strip_prefix("AWS4-HMAC-SHA256")
        .ok_or_else(|| incomplete("Unsupported authorization type (expected AWS4-HMAC-SHA256)."))?;
    let (mut cred, mut signed, mut sig) = (None, None, None);
    for part in rest.split(',') {
        let part = part.trim();
        if let Some(v) = part.strip_prefix("Credential=") {
            cred = Some(v);
        } else if let Some(v) = part.strip_prefix("SignedHeaders=") {
            signed = Some(v);
        } else if let Some(v) = part.strip_prefix("Signature=") {
            sig = Some(v);
        }
    }
    let (Some(cred), Some(signed), Some(sig)) = (cred, signed, sig) else {
        return Err(incomplete(
            "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters.",
        ));
    };
    let scope: Vec<&str> = cred.split('/').collect();
    let [access_key, date, region, service, terminator] = scope.as_slice() else {
        return Err(incomplete(
            "Credential is not of the form AK/date/region/service/aws4_request.",
        ));
    };
    if *terminator != "aws4_request" || access_key.is_empty() {
        return Err(incomplete("Credential should end with aws4_request."));
    }
    let signed_headers: Vec<String> = signed
        .split(';')
        .filter(|h| !h.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    if !signed_headers.iter().any(|h| h == "host") {
        return Err(incomplete("Signed headers must include host."));
    }
    if sig.len() != 64 || !sig.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(incomplete("Signature must be 64 hex digits."));
    }
    Ok(Authorization {
        access_key: access_key.to_string(),
        date: date.to_string(),
        region: region.to_string(),
        service: service.to_string(),
        signed_headers,
        signature: sig.to_ascii_lowercase(),
    })
}

/// The parts of a request the signature covers.
pub struct Signed<'a> {
    /// Method.
    pub method: &'a str,
    /// Path as sent (percent-encoded once).
    pub path: &'a str,
    /// Query as sent (without `?`).
    pub query: &'a str,
    /// Headers (a `host` entry must be present; HTTP/2 callers add it).
    pub headers: &'a http::HeaderMap,
    /// The body.
    pub body: &'a [u8],
}

fn encode(s: &str) -> String {
    utf8_percent_encode(s, UNRESERVED).to_string()
}

fn canonical_query(q: &str) -> String {
    let mut pairs: Vec<(String, String)> = q
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            // `+` is a literal plus in SigV4 (SDKs send spaces as %20).
            let dec = |s: &str| percent_decode_str(s).decode_utf8_lossy().into_owned();
            (encode(&dec(k)), encode(&dec(v)))
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

fn canonical_uri(path: &str) -> String {
    if path.is_empty() {
        return "/".into();
    }
    path.split('/').map(encode).collect::<Vec<_>>().join("/")
}

fn header_value(h: &http::HeaderMap, name: &str) -> Option<String> {
    let values: Vec<String> = h
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(|v| v.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    (!values.is_empty()).then(|| values.join(","))
}

/// Parses `YYYYMMDDTHHMMSSZ`.
fn parse_amz_date(s: &str) -> Option<SystemTime> {
    let fmt = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    let t = time::PrimitiveDateTime::parse(s, &fmt).ok()?.assume_utc();
    let secs = u64::try_from(t.unix_timestamp()).ok()?;
    Some(SystemTime::UNIX_EPOCH + Duration::from_secs(secs))
}

/// Checks `auth` over `req` with `secret` at `now`.
pub fn verify(
    req: &Signed<'_>,
    auth: &Authorization,
    secret: &str,
    now: SystemTime,
) -> Result<(), SigError> {
    if auth.service != "iam" {
        return Err(SigError::WrongService);
    }
    let amz_date = header_value(req.headers, "x-amz-date")
        .ok_or_else(|| SigError::BadDate("Missing x-amz-date header.".into()))?;
    let signed_at = parse_amz_date(&amz_date)
        .ok_or_else(|| SigError::BadDate(format!("Invalid x-amz-date {amz_date}.")))?;
    if !amz_date.starts_with(&auth.date) {
        return Err(SigError::BadDate(
            "Date in Credential scope does not match x-amz-date.".into(),
        ));
    }
    let skew = now
        .duration_since(signed_at)
        .unwrap_or_else(|e| e.duration());
    if skew > MAX_SKEW {
        return Err(SigError::Expired(amz_date));
    }
    let mut canonical_headers = String::new();
    for name in &auth.signed_headers {
        let value = header_value(req.headers, name).ok_or_else(|| {
            SigError::Incomplete(format!("Signed header {name} is not in the request."))
        })?;
        canonical_headers.push_str(&format!("{name}:{value}\n"));
    }
    let payload = header_value(req.headers, "x-amz-content-sha256")
        .unwrap_or_else(|| hex::encode(Sha256::digest(req.body)));
    let canonical = format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        req.method,
        canonical_uri(req.path),
        canonical_query(req.query),
        canonical_headers,
        auth.signed_headers.join(";"),
        payload
    );
    let scope = format!(
        "{}/{}/{}/aws4_request",
        auth.date, auth.region, auth.service
    );
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        hex::encode(Sha256::digest(canonical.as_bytes()))
    );
    let key = generate_signing_key(secret, signed_at, &auth.region, &auth.service);
    let expected = calculate_signature(key, string_to_sign.as_bytes());
    if gureum_common::hash::constant_time_eq(expected.as_bytes(), auth.signature.as_bytes()) {
        Ok(())
    } else {
        Err(SigError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// AWS's SigV4 documentation example: IAM ListUsers with the example
    /// key pair (General Reference, "Examples of the complete Signature
    /// Version 4 signing process").
    fn aws_example() -> (http::HeaderMap, &'static str, Authorization) {
        let mut h = http::HeaderMap::new();
        h.insert("host", "iam.amazonaws.com".parse().expect("h"));
        h.insert(
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-8"
                .parse()
                .expect("h"),
        );
        h.insert("x-amz-date", "20150830T123600Z".parse().expect("h"));
        let auth = parse_authorization(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
        )
        .expect("parse");
        (h, "Action=ListUsers&Version=2010-05-08", auth)
    }

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    fn at(s: &str) -> SystemTime {
        parse_amz_date(s).expect("date")
    }

    #[test]
    fn aws_documentation_vector() {
        let (h, q, auth) = aws_example();
        let req = Signed {
            method: "GET",
            path: "/",
            query: q,
            headers: &h,
            body: b"",
        };
        assert_eq!(verify(&req, &auth, SECRET, at("20150830T123600Z")), Ok(()));
    }

    /// (query, method, body), the secret used, the signing time, the refusal.
    type Refusal<'a> = ((&'a str, &'a str, &'a [u8]), &'a str, SystemTime, SigError);

    #[test]
    fn refusals() {
        let (h, q, auth) = aws_example();
        let ok_time = at("20150830T123600Z");
        let signed =
            |query: &'static str, method: &'static str, body: &'static [u8]| (query, method, body);
        let table: Vec<Refusal<'_>> = vec![
            (signed(q, "GET", b""), "wrong", ok_time, SigError::Mismatch),
            (
                signed("Action=ListGroups&Version=2010-05-08", "GET", b""),
                SECRET,
                ok_time,
                SigError::Mismatch,
            ),
            (signed(q, "POST", b""), SECRET, ok_time, SigError::Mismatch),
            (signed(q, "GET", b"x"), SECRET, ok_time, SigError::Mismatch),
            (
                signed(q, "GET", b""),
                SECRET,
                at("20150830T125200Z"),
                SigError::Expired("20150830T123600Z".into()),
            ),
            (
                signed(q, "GET", b""),
                SECRET,
                at("20150830T122000Z"),
                SigError::Expired("20150830T123600Z".into()),
            ),
        ];
        for (i, ((query, method, body), secret, now, want)) in table.into_iter().enumerate() {
            let req = Signed {
                method,
                path: "/",
                query,
                headers: &h,
                body,
            };
            assert_eq!(verify(&req, &auth, secret, now), Err(want), "case {i}");
        }
        // Within the skew is fine.
        let req = Signed {
            method: "GET",
            path: "/",
            query: q,
            headers: &h,
            body: b"",
        };
        assert!(verify(&req, &auth, SECRET, at("20150830T124900Z")).is_ok());
        let mut s3 = auth.clone();
        s3.service = "s3".into();
        assert_eq!(
            verify(&req, &s3, SECRET, ok_time),
            Err(SigError::WrongService)
        );
        let mut other_day = auth.clone();
        other_day.date = "20150831".into();
        assert!(matches!(
            verify(&req, &other_day, SECRET, ok_time),
            Err(SigError::BadDate(_))
        ));
        let mut missing = auth.clone();
        missing.signed_headers.push("x-amz-security-token".into());
        assert!(matches!(
            verify(&req, &missing, SECRET, ok_time),
            Err(SigError::Incomplete(_))
        ));
    }

    #[test]
    fn authorization_header_forms() {
        for bad in [
            "",
            "AWS AKID:sig",
            "AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/iam/aws4_request, SignedHeaders=host",
            "AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/iam, SignedHeaders=host, Signature=aa",
            "AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/iam/aws4_request, SignedHeaders=x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
            "AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=zz",
        ] {
            assert!(parse_authorization(bad).is_err(), "{bad}");
        }
        assert_eq!(
            canonical_query("b=2&a=1&a=0&c=x%20y+z"),
            "a=0&a=1&b=2&c=x%20y%2Bz"
        );
        assert_eq!(canonical_uri("/"), "/");
        assert_eq!(canonical_uri("/a%20b"), "/a%2520b");
    }
}
