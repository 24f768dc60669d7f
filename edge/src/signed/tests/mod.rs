//! Table-driven tests of the signed URL / cookie module, with keys made by
//! the `openssl` CLI and vectors made by botocore (see `../testdata/`).
//!
//! Owns: shared fixtures and the case runner. Each `cases_*` file holds one
//! table. Must never: depend on the wall clock or the network (every case
//! passes its own `now` and client address).

use std::net::IpAddr;

use super::*;

mod cases_cookie;
mod cases_keys;
mod cases_sign;
mod cases_url;
mod cases_vectors;

const RSA_PUBLIC: &str = include_str!("../testdata/rsa_public.pem");
const RSA_PKCS1: &str = include_str!("../testdata/rsa_pkcs1.pem");
const RSA_PKCS8: &str = include_str!("../testdata/rsa_pkcs8.pem");
const RSA_OTHER_PKCS8: &str = include_str!("../testdata/rsa_other_pkcs8.pem");
const RSA_1024_PUBLIC: &str = include_str!("../testdata/rsa1024_public.pem");
const EC_PUBLIC: &str = include_str!("../testdata/ec_public.pem");
const EC_SEC1: &str = include_str!("../testdata/ec_sec1.pem");
const EC_PKCS8: &str = include_str!("../testdata/ec_pkcs8.pem");
const EC_P384_PUBLIC: &str = include_str!("../testdata/ec_p384_public.pem");
const BOTOCORE_VECTORS: &str = include_str!("../testdata/botocore_vectors.json");

const RSA_ID: &str = "K2RSATEST";
const EC_ID: &str = "K3ECTEST";
/// The ids botocore's vectors were made under (same keys as above).
const BOTO_RSA_ID: &str = "K2BOTOCORERSA";
const BOTO_EC_ID: &str = "K3BOTOCOREEC";

/// A fixed "now" (2027-01-15) so no case depends on the real clock.
const NOW: i64 = 1_800_000_000;
const HOUR: i64 = 3600;

fn ip(text: &str) -> IpAddr {
    text.parse().expect("test IP literal")
}

fn client() -> IpAddr {
    ip("192.0.2.10")
}

fn keyset() -> KeySet {
    KeySet::from_pems([
        (RSA_ID, RSA_PUBLIC),
        (EC_ID, EC_PUBLIC),
        (BOTO_RSA_ID, RSA_PUBLIC),
        (BOTO_EC_ID, EC_PUBLIC),
    ])
    .expect("test keys load")
}

fn rsa() -> Signer {
    Signer::from_pem(RSA_ID, RSA_PKCS8).expect("RSA PKCS#8 loads")
}

fn ec() -> Signer {
    Signer::from_pem(EC_ID, EC_PKCS8).expect("EC PKCS#8 loads")
}

fn canned(expires: i64) -> SignPolicy {
    SignPolicy::Canned { expires }
}

fn custom(resource: &str, dlt: i64, dgt: Option<i64>, ip: Option<&str>) -> SignPolicy {
    SignPolicy::Custom {
        resource: resource.to_owned(),
        date_less_than: dlt,
        date_greater_than: dgt,
        ip: ip.map(str::to_owned),
    }
}

fn sign(signer: &Signer, url: &str, policy: &SignPolicy) -> String {
    signer.sign_url(url, policy).expect("test URL signs")
}

/// Replaces the value of query parameter `name` (which must be present).
fn set_param(url: &str, name: &str, value: &str) -> String {
    let (base, query) = url.split_once('?').expect("URL has a query");
    let mut found = false;
    let parts: Vec<String> = query
        .split('&')
        .map(|part| match part.split_once('=') {
            Some((n, _)) if n == name => {
                found = true;
                format!("{n}={value}")
            }
            _ => part.to_owned(),
        })
        .collect();
    assert!(found, "{name} not in {url}");
    format!("{base}?{}", parts.join("&"))
}

fn remove_param(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').expect("URL has a query");
    let kept: Vec<&str> = query
        .split('&')
        .filter(|part| part.split_once('=').map_or(*part, |(n, _)| n) != name)
        .collect();
    format!("{base}?{}", kept.join("&"))
}

fn get_param(url: &str, name: &str) -> String {
    let (_, query) = url.split_once('?').expect("URL has a query");
    query
        .split('&')
        .find_map(|part| part.strip_prefix(&format!("{name}=")))
        .expect("param present")
        .to_owned()
}

/// Flips one bit in the middle of a CloudFront-base64 signature.
fn flip_signature(encoded: &str) -> String {
    let mut bytes = b64::decode(encoded).expect("signature decodes");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    b64::encode(&bytes)
}

/// The signing part of a signed URL (`Policy=...&Signature=...&...`), to be
/// appended to other URLs under the same custom policy, as an HLS playlist
/// does for its segments.
fn signing_suffix(signed_url: &str) -> String {
    let (_, rest) = signed_url.split_once("Policy=").expect("custom policy URL");
    format!("Policy={rest}")
}

fn with_suffix(url: &str, suffix: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}{suffix}")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    Grant(Via, PolicyKind),
    Deny(Denied),
}

/// One verification case: a viewer request and the expected outcome.
struct Case {
    name: &'static str,
    url: String,
    cookies: Vec<(String, String)>,
    ip: IpAddr,
    now: i64,
    want: Want,
}

impl Case {
    fn url(name: &'static str, url: String, want: Want) -> Self {
        Self {
            name,
            url,
            cookies: Vec::new(),
            ip: client(),
            now: NOW,
            want,
        }
    }

    fn cookies(name: &'static str, url: &str, cookies: Vec<(String, String)>, want: Want) -> Self {
        Self {
            name,
            url: url.to_owned(),
            cookies,
            ip: client(),
            now: NOW,
            want,
        }
    }

    fn at(mut self, now: i64) -> Self {
        self.now = now;
        self
    }

    fn from(mut self, ip_text: &str) -> Self {
        self.ip = ip(ip_text);
        self
    }
}

fn verify_case(keys: &KeySet, case: &Case) -> Result<Grant, Denied> {
    let cookies: Vec<(&str, &str)> = case
        .cookies
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    verify(
        keys,
        &SignedRequest {
            url: &case.url,
            cookies: &cookies,
            client_ip: case.ip,
            now_epoch: case.now,
        },
    )
}

/// Runs every case and reports all mismatches at once, so one failure does
/// not hide the rest of the table.
fn run_cases(cases: &[Case]) {
    let keys = keyset();
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            let got = match verify_case(&keys, case) {
                Ok(grant) => Want::Grant(grant.via, grant.policy),
                Err(denied) => Want::Deny(denied),
            };
            (got != case.want).then(|| format!("{}: want {:?}, got {got:?}", case.name, case.want))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

const URL_CANNED: Want = Want::Grant(Via::Url, PolicyKind::Canned);
const URL_CUSTOM: Want = Want::Grant(Via::Url, PolicyKind::Custom);
const COOKIE_CANNED: Want = Want::Grant(Via::Cookie, PolicyKind::Canned);
const COOKIE_CUSTOM: Want = Want::Grant(Via::Cookie, PolicyKind::Custom);

const fn deny(d: Denied) -> Want {
    Want::Deny(d)
}
