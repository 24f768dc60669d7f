//! Signed cookie cases: canned (the resource is the request URL) and custom
//! (one policy for a whole HLS folder), plus cookie-specific parsing.

use super::*;

const REPORT: &str = "https://cdn.example.com/private/report.pdf?v=2";
const HLS_DIR: &str = "https://cdn.example.com/media/hls/course1/*";
const PLAYLIST: &str = "https://cdn.example.com/media/hls/course1/index.m3u8";
const SEGMENT: &str = "https://cdn.example.com/media/hls/course1/1080p/seg-00042.ts";

fn named(cookies: &[(String, String)], name: &str) -> String {
    cookies
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.clone())
        .expect("cookie present")
}

fn without(cookies: &[(String, String)], name: &str) -> Vec<(String, String)> {
    cookies.iter().filter(|(n, _)| n != name).cloned().collect()
}

fn replaced(cookies: &[(String, String)], name: &str, value: &str) -> Vec<(String, String)> {
    cookies
        .iter()
        .map(|(n, v)| {
            (
                n.clone(),
                if n == name {
                    value.to_owned()
                } else {
                    v.clone()
                },
            )
        })
        .collect()
}

#[test]
fn canned_cookies() {
    let exp = NOW + HOUR;
    let rsa_c = rsa().sign_cookies(REPORT, &canned(exp)).expect("signs");
    let ec_c = ec().sign_cookies(REPORT, &canned(exp)).expect("signs");
    let sig = named(&rsa_c, "CloudFront-Signature");
    let quoted: Vec<(String, String)> = rsa_c
        .iter()
        .map(|(n, v)| (n.clone(), format!("\"{v}\"")))
        .collect();
    let mut noisy = vec![("session".to_owned(), "abc".to_owned())];
    noisy.extend(rsa_c.iter().cloned());
    let cases = [
        Case::cookies("rsa canned cookie", REPORT, rsa_c.clone(), COOKIE_CANNED),
        Case::cookies("ecdsa canned cookie", REPORT, ec_c.clone(), COOKIE_CANNED),
        Case::cookies("other cookies around it", REPORT, noisy, COOKIE_CANNED),
        Case::cookies("quoted values (RFC 6265)", REPORT, quoted, COOKIE_CANNED),
        Case::cookies(
            "canned cookie used for another file",
            "https://cdn.example.com/private/other.pdf?v=2",
            rsa_c.clone(),
            deny(Denied::BadSignature),
        ),
        Case::cookies(
            "canned cookie with the query changed",
            "https://cdn.example.com/private/report.pdf?v=3",
            rsa_c.clone(),
            deny(Denied::BadSignature),
        ),
        Case::cookies("expired", REPORT, rsa_c.clone(), deny(Denied::Expired)).at(exp),
        Case::cookies(
            "tampered signature",
            REPORT,
            replaced(&rsa_c, "CloudFront-Signature", &flip_signature(&sig)),
            deny(Denied::BadSignature),
        ),
        Case::cookies(
            "expiry cookie extended",
            REPORT,
            replaced(&rsa_c, "CloudFront-Expires", &(exp + HOUR).to_string()),
            deny(Denied::BadSignature),
        ),
        Case::cookies(
            "unknown key id",
            REPORT,
            replaced(&rsa_c, "CloudFront-Key-Pair-Id", "KNOSUCHKEY"),
            deny(Denied::UnknownKey),
        ),
        Case::cookies(
            "no key pair id cookie",
            REPORT,
            without(&rsa_c, "CloudFront-Key-Pair-Id"),
            deny(Denied::Malformed),
        ),
        Case::cookies(
            "signature cookie not base64",
            REPORT,
            replaced(&rsa_c, "CloudFront-Signature", "*not*base64*"),
            deny(Denied::Malformed),
        ),
        Case::cookies(
            "SHA-256 signature without the hash cookie",
            REPORT,
            without(&rsa_c, "CloudFront-Hash-Algorithm"),
            deny(Denied::BadSignature),
        ),
        Case::cookies(
            "ECDSA without the hash cookie means SHA-1",
            REPORT,
            without(&ec_c, "CloudFront-Hash-Algorithm"),
            deny(Denied::UnsupportedAlgorithm),
        ),
        Case::cookies(
            "escaped ~ in a cookie value",
            REPORT,
            replaced(&rsa_c, "CloudFront-Signature", &sig.replace('~', "%7E")),
            COOKIE_CANNED,
        ),
        Case::cookies("no cookies", REPORT, Vec::new(), deny(Denied::Missing)),
        Case::cookies(
            "unrelated cookies only",
            REPORT,
            vec![("session".to_owned(), "abc".to_owned())],
            deny(Denied::Missing),
        ),
    ];
    run_cases(&cases);
}

#[test]
fn custom_cookies_for_a_folder() {
    let (start, exp) = (NOW - HOUR, NOW + HOUR);
    let open = custom(HLS_DIR, exp, Some(start), None);
    let pinned = custom(HLS_DIR, exp, None, Some("192.0.2.0/24"));
    let rsa_c = rsa().sign_cookies(PLAYLIST, &open).expect("signs");
    let ec_c = ec().sign_cookies(HLS_DIR, &pinned).expect("signs");
    let cases = [
        Case::cookies("playlist", PLAYLIST, rsa_c.clone(), COOKIE_CUSTOM),
        Case::cookies("segment", SEGMENT, rsa_c.clone(), COOKIE_CUSTOM),
        Case::cookies(
            "segment with a query",
            &format!("{SEGMENT}?cmcd=br%3D5000"),
            rsa_c.clone(),
            COOKIE_CUSTOM,
        ),
        Case::cookies(
            "ecdsa, client in range",
            SEGMENT,
            ec_c.clone(),
            COOKIE_CUSTOM,
        ),
        Case::cookies(
            "another course",
            "https://cdn.example.com/media/hls/course2/index.m3u8",
            rsa_c.clone(),
            deny(Denied::WrongResource),
        ),
        Case::cookies(
            "before start",
            SEGMENT,
            rsa_c.clone(),
            deny(Denied::NotYetValid),
        )
        .at(start),
        Case::cookies("after end", SEGMENT, rsa_c.clone(), deny(Denied::Expired)).at(exp),
        Case::cookies(
            "client out of range",
            SEGMENT,
            ec_c.clone(),
            deny(Denied::WrongIp),
        )
        .from("203.0.113.5"),
        Case::cookies(
            "IPv6 client, IPv4 policy",
            SEGMENT,
            ec_c.clone(),
            deny(Denied::WrongIp),
        )
        .from("2001:db8::5"),
        Case::cookies(
            "policy cookie swapped",
            SEGMENT,
            replaced(
                &rsa_c,
                "CloudFront-Policy",
                &named(
                    &rsa()
                        .sign_cookies(SEGMENT, &custom("*", exp, None, None))
                        .expect("signs"),
                    "CloudFront-Policy",
                ),
            ),
            deny(Denied::BadSignature),
        ),
        Case::cookies(
            "policy and expires cookies together",
            SEGMENT,
            {
                let mut both = rsa_c.clone();
                both.push(("CloudFront-Expires".to_owned(), exp.to_string()));
                both
            },
            deny(Denied::Malformed),
        ),
    ];
    run_cases(&cases);
}

/// Browsers send every matching cookie, most specific path first; the
/// first of each name is the one used.
#[test]
fn repeated_cookie_names_first_wins() {
    let exp = NOW + HOUR;
    let good = rsa()
        .sign_cookies(PLAYLIST, &custom(HLS_DIR, exp, None, None))
        .expect("signs");
    let stale = rsa()
        .sign_cookies(PLAYLIST, &custom(HLS_DIR, NOW - 1, None, None))
        .expect("signs");
    let fresh_first: Vec<(String, String)> = good.iter().chain(stale.iter()).cloned().collect();
    let stale_first: Vec<(String, String)> = stale.iter().chain(good.iter()).cloned().collect();
    let cases = [
        Case::cookies("fresh set first", PLAYLIST, fresh_first, COOKIE_CUSTOM),
        Case::cookies(
            "stale set first",
            PLAYLIST,
            stale_first,
            deny(Denied::Expired),
        ),
    ];
    run_cases(&cases);
}
