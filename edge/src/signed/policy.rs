//! CloudFront policy statements: the canned policy text a signature covers,
//! the custom policy JSON (written the way botocore writes it, read the way
//! the Developer Guide defines it), `Resource` wildcards and `AWS:SourceIp`.
//!
//! Owns: the exact bytes of canned and signer-made custom policies, the
//! policy grammar (one statement, `DateLessThan` required), and matching.
//! Must never: be handed a custom policy whose signature has not been
//! verified (parsing is cheap, trusting it is not), accept a policy with
//! fields it does not understand (an ignored `NotIpAddress`-style condition
//! would grant more than was signed), or match with byte offsets into the
//! URL (patterns and URLs are walked as chars).

use std::net::{IpAddr, Ipv4Addr};

use ipnet::Ipv4Net;
use serde::Deserialize;

use super::Denied;

/// The canned policy CloudFront documents, with no whitespace. Signer and
/// verifier both build it here, so they cannot drift apart.
pub(super) fn canned(resource: &str, expires: i64) -> String {
    let mut out = String::with_capacity(resource.len() + 96);
    out.push_str(r#"{"Statement":[{"Resource":"#);
    push_json_string(&mut out, resource);
    out.push_str(r#","Condition":{"DateLessThan":{"AWS:EpochTime":"#);
    out.push_str(&expires.to_string());
    out.push_str("}}}]}");
    out
}

/// A custom policy as botocore's `CloudFrontSigner.build_policy` writes it:
/// compact separators and the key order `DateLessThan`, `IpAddress`,
/// `DateGreaterThan`. CloudFront ignores the order; matching botocore byte
/// for byte lets the tests compare against its output.
pub(super) fn custom(
    resource: &str,
    date_less_than: i64,
    date_greater_than: Option<i64>,
    source_ip: Option<&Ipv4Net>,
) -> String {
    let mut out = String::with_capacity(resource.len() + 160);
    out.push_str(r#"{"Statement":[{"Resource":"#);
    push_json_string(&mut out, resource);
    out.push_str(r#","Condition":{"DateLessThan":{"AWS:EpochTime":"#);
    out.push_str(&date_less_than.to_string());
    out.push('}');
    if let Some(net) = source_ip {
        out.push_str(r#","IpAddress":{"AWS:SourceIp":"#);
        push_json_string(&mut out, &net.to_string());
        out.push('}');
    }
    if let Some(start) = date_greater_than {
        out.push_str(r#","DateGreaterThan":{"AWS:EpochTime":"#);
        out.push_str(&start.to_string());
        out.push('}');
    }
    out.push_str("}}]}");
    out
}

/// Appends `s` as a JSON string literal escaped like Python's `json.dumps`
/// with its default `ensure_ascii=True`, which is what botocore signs: only
/// printable ASCII stays literal, everything else becomes `\uXXXX`
/// (lowercase hex, UTF-16 surrogate pairs above U+FFFF). For a canned policy
/// this also keeps a hostile URL from closing the string and adding fields.
fn push_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
    out.push('"');
}

/// Parses `AWS:SourceIp`: IPv4 CIDR, or a bare IPv4 address meaning `/32`
/// (botocore appends `/32` itself). IPv6 is refused: CloudFront documents
/// that `AWS:SourceIp` supports IPv4 only.
pub(super) fn parse_source_ip(text: &str) -> Option<Ipv4Net> {
    if text.contains('/') {
        text.parse::<Ipv4Net>().ok()
    } else {
        text.parse::<Ipv4Addr>().ok().map(Ipv4Net::from)
    }
}

/// Whether `client` is inside `net`. An IPv6 client never is (CloudFront:
/// IPv6 addresses are not supported in an IP condition), except an
/// IPv4-mapped address, which is how a dual-stack socket reports an IPv4
/// peer and so really is that IPv4 client.
pub(super) fn ip_allowed(net: &Ipv4Net, client: IpAddr) -> bool {
    match client {
        IpAddr::V4(v4) => net.contains(&v4),
        IpAddr::V6(v6) => v6.to_ipv4_mapped().is_some_and(|v4| net.contains(&v4)),
    }
}

/// CloudFront `Resource` matching: `*` matches any run of characters
/// (including none), `?` exactly one, everything else itself, over the whole
/// URL. Greedy with single-star backtracking: O(pattern x text) at worst,
/// and the pattern comes from a signed policy, not from the viewer.
pub(super) fn wildcard_match(pattern: &str, text: &str) -> bool {
    let pat: Vec<char> = pattern.chars().collect();
    let txt: Vec<char> = text.chars().collect();
    let (mut p, mut t) = (0usize, 0usize);
    // Position of the last `*` seen and the text position it resumes from.
    let mut star: Option<(usize, usize)> = None;
    while t < txt.len() {
        match (pat.get(p), txt.get(t)) {
            (Some('*'), _) => {
                star = Some((p, t));
                p += 1;
            }
            (Some(pc), Some(tc)) if *pc == '?' || pc == tc => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pat.get(p..)
        .is_some_and(|rest| rest.iter().all(|c| *c == '*'))
}

/// A parsed, signature-checked custom policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct CustomPolicy {
    /// `None` when the statement has no `Resource`: CloudFront then grants
    /// every file the key pair's distributions serve.
    pub resource: Option<String>,
    pub date_less_than: i64,
    pub date_greater_than: Option<i64>,
    pub source_ip: Option<Ipv4Net>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    #[serde(rename = "Statement")]
    statement: Vec<Statement>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Statement {
    #[serde(rename = "Resource")]
    resource: Option<String>,
    #[serde(rename = "Condition")]
    condition: Condition,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Condition {
    #[serde(rename = "DateLessThan")]
    date_less_than: EpochTime,
    #[serde(rename = "DateGreaterThan")]
    date_greater_than: Option<EpochTime>,
    #[serde(rename = "IpAddress")]
    ip_address: Option<SourceIp>,
}

/// `{"AWS:EpochTime": 1357034400}`; a JSON integer, never a quoted string
/// (the Developer Guide: "Do not enclose the value in quotation marks").
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EpochTime {
    #[serde(rename = "AWS:EpochTime")]
    seconds: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SourceIp {
    #[serde(rename = "AWS:SourceIp")]
    cidr: String,
}

impl CustomPolicy {
    /// Parses the decoded `Policy` bytes. Anything outside the documented
    /// grammar (more than one statement, a missing `DateLessThan`, unknown
    /// or duplicated keys, an IPv6 or unparsable `AWS:SourceIp`) is
    /// `Malformed`; serde rejects duplicate keys in derived structs.
    pub fn parse(bytes: &[u8]) -> Result<Self, Denied> {
        let doc: Document = serde_json::from_slice(bytes).map_err(|_| Denied::Malformed)?;
        let mut statements = doc.statement.into_iter();
        let (Some(statement), None) = (statements.next(), statements.next()) else {
            return Err(Denied::Malformed);
        };
        let source_ip = match statement.condition.ip_address {
            Some(ip) => Some(parse_source_ip(&ip.cidr).ok_or(Denied::Malformed)?),
            None => None,
        };
        Ok(Self {
            resource: statement.resource,
            date_less_than: statement.condition.date_less_than.seconds,
            date_greater_than: statement.condition.date_greater_than.map(|t| t.seconds),
            source_ip,
        })
    }

    /// Whether the policy covers `url` (the request URL without signing
    /// parameters for a signed URL, the request URL for cookies).
    pub fn covers(&self, url: &str) -> bool {
        self.resource
            .as_deref()
            .is_none_or(|pattern| wildcard_match(pattern, url))
    }
}
