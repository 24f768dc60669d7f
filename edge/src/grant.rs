//! The door of a private (`signed = true`) distribution: gathers what the
//! CloudFront-style check needs from a viewer request (the URL as the
//! viewer wrote it, its cookies, its address, the time) and asks
//! [`crate::signed::verify`]. Runs before any cache lookup, so a refused
//! request never touches the cache or the origin. Must never: log or echo
//! signatures, or decide anything beyond allow/deny.

use std::net::{IpAddr, Ipv4Addr};

use http::{HeaderMap, Uri, header};

use crate::signed::{self, Denied, Grant, KeySet, SignedRequest};

/// Checks one request against a distribution's trusted keys. `secure` is
/// whether the edge's listener speaks TLS: the URL a canned policy signs
/// begins with the scheme the viewer used.
pub fn check(
    keys: &KeySet,
    uri: &Uri,
    headers: &HeaderMap,
    peer: Option<IpAddr>,
    secure: bool,
    now_epoch: i64,
) -> Result<Grant, Denied> {
    // HTTP/2 carries the authority in the URI; HTTP/1.1 in Host.
    let host = match uri.authority() {
        Some(a) => a.as_str(),
        None => headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .ok_or(Denied::Malformed)?,
    };
    let scheme = if secure { "https" } else { "http" };
    let path_and_query = uri.path_and_query().map_or("/", |p| p.as_str());
    let url = format!("{scheme}://{host}{path_and_query}");
    let cookies = cookies(headers);
    // An IPv4 client on a dual-stack socket shows as ::ffff:a.b.c.d;
    // CloudFront policies name IPv4 addresses.
    let client_ip = peer.map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |ip| ip.to_canonical());
    signed::verify(
        keys,
        &SignedRequest {
            url: &url,
            cookies: &cookies,
            client_ip,
            now_epoch,
        },
    )
}

/// The (name, value) pairs of every `Cookie` header, in order.
fn cookies(headers: &HeaderMap) -> Vec<(&str, &str)> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .map(|(n, v)| (n.trim(), v.trim()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_split_across_headers() {
        let mut h = HeaderMap::new();
        h.append(
            header::COOKIE,
            "a=1; CloudFront-Policy=p".parse().expect("v"),
        );
        h.append(header::COOKIE, "b=2;c= 3 ; junk".parse().expect("v"));
        assert_eq!(
            cookies(&h),
            vec![
                ("a", "1"),
                ("CloudFront-Policy", "p"),
                ("b", "2"),
                ("c", "3")
            ]
        );
    }

    #[test]
    fn no_credentials_is_missing_and_no_host_is_malformed() {
        let keys = KeySet::new();
        let uri: Uri = "/media/v/a.ts".parse().expect("uri");
        let mut h = HeaderMap::new();
        assert_eq!(
            check(&keys, &uri, &h, None, false, 0),
            Err(Denied::Malformed)
        );
        h.insert(header::HOST, "cdn.example".parse().expect("v"));
        assert_eq!(check(&keys, &uri, &h, None, false, 0), Err(Denied::Missing));
        let signed: Uri = "/media/v/a.ts?Expires=9&Signature=AAAA&Key-Pair-Id=K"
            .parse()
            .expect("uri");
        assert_eq!(
            check(&keys, &signed, &h, None, false, 0),
            Err(Denied::UnknownKey)
        );
    }
}
