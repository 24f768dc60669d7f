//! Signed URL cases: canned and custom, RSA and ECDSA, tampering, time,
//! IP, key ids, malformed input and URL-over-cookie precedence.

use super::*;

const VIDEO: &str = "https://cdn.example.com/videos/intro.mp4?lang=en&res=1080";
const HLS_DIR: &str = "https://cdn.example.com/media/hls/course1/*";
const PLAYLIST: &str = "https://cdn.example.com/media/hls/course1/index.m3u8";

#[test]
fn canned_urls() {
    let exp = NOW + HOUR;
    let rsa_url = sign(&rsa(), VIDEO, &canned(exp));
    let ec_url = sign(&ec(), VIDEO, &canned(exp));
    let bare = sign(&rsa(), "https://cdn.example.com/a.txt", &canned(exp));
    let rsa_sig = get_param(&rsa_url, "Signature");
    let cases = [
        Case::url("rsa canned", rsa_url.clone(), URL_CANNED),
        Case::url("ecdsa canned", ec_url.clone(), URL_CANNED),
        Case::url("no own query", bare.clone(), URL_CANNED),
        Case::url("one second before expiry", rsa_url.clone(), URL_CANNED).at(exp - 1),
        Case::url("at expiry", rsa_url.clone(), deny(Denied::Expired)).at(exp),
        Case::url("after expiry", ec_url.clone(), deny(Denied::Expired)).at(exp + 1),
        Case::url(
            "tampered signature rsa",
            set_param(&rsa_url, "Signature", &flip_signature(&rsa_sig)),
            deny(Denied::BadSignature),
        ),
        Case::url(
            "tampered signature ecdsa",
            set_param(
                &ec_url,
                "Signature",
                &flip_signature(&get_param(&ec_url, "Signature")),
            ),
            deny(Denied::BadSignature),
        ),
        Case::url(
            "tampered path",
            rsa_url.replace("/intro.mp4", "/outro.mp4"),
            deny(Denied::BadSignature),
        ),
        Case::url(
            "tampered host",
            rsa_url.replace("cdn.example.com", "cdn2.example.com"),
            deny(Denied::BadSignature),
        ),
        Case::url(
            "tampered query value",
            set_param(&rsa_url, "res", "2160"),
            deny(Denied::BadSignature),
        ),
        Case::url(
            "query param removed",
            remove_param(&rsa_url, "lang"),
            deny(Denied::BadSignature),
        ),
        Case::url(
            "query param added",
            rsa_url.replace("?lang=en", "?lang=en&debug=1"),
            deny(Denied::BadSignature),
        ),
        Case::url(
            "query params reordered",
            rsa_url.replace("lang=en&res=1080", "res=1080&lang=en"),
            deny(Denied::BadSignature),
        ),
        Case::url(
            "own param after the signing params is still covered",
            format!("{bare}&x=1"),
            deny(Denied::BadSignature),
        ),
        Case::url(
            "expiry extended",
            set_param(&rsa_url, "Expires", &(exp + HOUR).to_string()),
            deny(Denied::BadSignature),
        ),
        Case::url(
            "signed by another key under a known id",
            sign(
                &Signer::from_pem(RSA_ID, RSA_OTHER_PKCS8).expect("loads"),
                VIDEO,
                &canned(exp),
            ),
            deny(Denied::BadSignature),
        ),
        Case::url(
            "rsa signature under the ecdsa key id",
            set_param(&rsa_url, "Key-Pair-Id", EC_ID),
            deny(Denied::BadSignature),
        ),
        Case::url(
            "unknown key id",
            set_param(&rsa_url, "Key-Pair-Id", "KNOSUCHKEY"),
            deny(Denied::UnknownKey),
        ),
        Case::url(
            "expires with a leading zero",
            set_param(&rsa_url, "Expires", &format!("0{exp}")),
            deny(Denied::Malformed),
        ),
        Case::url(
            "expires not a number",
            set_param(&rsa_url, "Expires", "tomorrow"),
            deny(Denied::Malformed),
        ),
    ];
    run_cases(&cases);
}

#[test]
fn custom_urls_hls_folder() {
    let exp = NOW + HOUR;
    let policy = custom(HLS_DIR, exp, None, None);
    for signer in [rsa(), ec()] {
        let playlist = sign(&signer, PLAYLIST, &policy);
        let suffix = signing_suffix(&playlist);
        let seg = |path: &str| with_suffix(&format!("https://cdn.example.com{path}"), &suffix);
        let cases = [
            Case::url("playlist", playlist.clone(), URL_CUSTOM),
            Case::url(
                "segment",
                seg("/media/hls/course1/seg-00001.ts"),
                URL_CUSTOM,
            ),
            Case::url(
                "nested rendition",
                seg("/media/hls/course1/720p/seg-7.ts"),
                URL_CUSTOM,
            ),
            Case::url(
                "segment with own query",
                with_suffix(
                    "https://cdn.example.com/media/hls/course1/seg-2.ts?v=3",
                    &suffix,
                ),
                URL_CUSTOM,
            ),
            Case::url(
                "other course",
                seg("/media/hls/course2/seg-00001.ts"),
                deny(Denied::WrongResource),
            ),
            Case::url(
                "other host",
                playlist.replace("cdn.", "img."),
                deny(Denied::WrongResource),
            ),
            Case::url(
                "http instead of https",
                playlist.replace("https://", "http://"),
                deny(Denied::WrongResource),
            ),
            Case::url("expired", playlist.clone(), deny(Denied::Expired)).at(exp),
            Case::url(
                "tampered signature",
                set_param(
                    &playlist,
                    "Signature",
                    &flip_signature(&get_param(&playlist, "Signature")),
                ),
                deny(Denied::BadSignature),
            ),
            Case::url(
                "policy swapped for a wider one",
                set_param(
                    &playlist,
                    "Policy",
                    &b64::encode(
                        policy::custom("https://cdn.example.com/*", exp, None, None).as_bytes(),
                    ),
                ),
                deny(Denied::BadSignature),
            ),
        ];
        run_cases(&cases);
    }
}

#[test]
fn custom_urls_time_and_ip() {
    let (start, exp) = (NOW + 60, NOW + HOUR);
    let window = sign(&rsa(), PLAYLIST, &custom(HLS_DIR, exp, Some(start), None));
    let net = sign(
        &ec(),
        PLAYLIST,
        &custom(HLS_DIR, exp, None, Some("192.0.2.0/24")),
    );
    let host = sign(
        &rsa(),
        PLAYLIST,
        &custom(HLS_DIR, exp, None, Some("192.0.2.10")),
    );
    let cases = [
        Case::url("before start", window.clone(), deny(Denied::NotYetValid)),
        Case::url("at start", window.clone(), deny(Denied::NotYetValid)).at(start),
        Case::url("after start", window.clone(), URL_CUSTOM).at(start + 1),
        Case::url("after end", window.clone(), deny(Denied::Expired)).at(exp + 5),
        Case::url("inside the CIDR", net.clone(), URL_CUSTOM).from("192.0.2.200"),
        Case::url("outside the CIDR", net.clone(), deny(Denied::WrongIp)).from("198.51.100.7"),
        Case::url(
            "IPv6 client, IPv4 policy",
            net.clone(),
            deny(Denied::WrongIp),
        )
        .from("2001:db8::10"),
        Case::url("IPv4-mapped IPv6 client inside", net.clone(), URL_CUSTOM)
            .from("::ffff:192.0.2.99"),
        Case::url(
            "IPv4-mapped IPv6 client outside",
            net.clone(),
            deny(Denied::WrongIp),
        )
        .from("::ffff:203.0.113.1"),
        Case::url("bare address means /32", host.clone(), URL_CUSTOM),
        Case::url("neighbour of a /32", host.clone(), deny(Denied::WrongIp)).from("192.0.2.11"),
        Case::url(
            "expired wins over wrong IP",
            net.clone(),
            deny(Denied::Expired),
        )
        .at(exp)
        .from("198.51.100.7"),
    ];
    run_cases(&cases);
}

/// Custom policies with a valid signature but contents CloudFront would not
/// accept: the signature is fine, so only the parser can refuse them.
#[test]
fn custom_urls_invalid_policy_json() {
    let exp = NOW + HOUR;
    let signer = rsa();
    let with_policy = |json: &str| {
        let sig = b64::encode(&signer.sign(json.as_bytes()).expect("signs"));
        format!(
            "{PLAYLIST}?Policy={}&Signature={sig}&Key-Pair-Id={RSA_ID}&Hash-Algorithm=SHA256",
            b64::encode(json.as_bytes())
        )
    };
    let stmt = |cond: &str| {
        format!(r#"{{"Statement":[{{"Resource":"{HLS_DIR}","Condition":{{{cond}}}}}]}}"#)
    };
    let dlt = format!(r#""DateLessThan":{{"AWS:EpochTime":{exp}}}"#);
    let one = format!(r#"{{"Resource":"{HLS_DIR}","Condition":{{{dlt}}}}}"#);
    let cases = [
        Case::url("valid baseline", with_policy(&stmt(&dlt)), URL_CUSTOM),
        Case::url(
            "whitespace is fine: verified as sent, then parsed",
            with_policy(&format!("{{ \"Statement\" : [ {one} ] }}\n")),
            URL_CUSTOM,
        ),
        Case::url(
            "no Resource grants everything (as CloudFront documents)",
            with_policy(&format!(r#"{{"Statement":[{{"Condition":{{{dlt}}}}}]}}"#)),
            URL_CUSTOM,
        ),
        Case::url(
            "not JSON",
            with_policy("Statement: everything"),
            deny(Denied::Malformed),
        ),
        Case::url(
            "truncated JSON",
            with_policy(r#"{"Statement":[{"#),
            deny(Denied::Malformed),
        ),
        Case::url(
            "two statements",
            with_policy(&format!(r#"{{"Statement":[{one},{one}]}}"#)),
            deny(Denied::Malformed),
        ),
        Case::url(
            "no statements",
            with_policy(r#"{"Statement":[]}"#),
            deny(Denied::Malformed),
        ),
        Case::url(
            "missing DateLessThan",
            with_policy(&stmt(r#""DateGreaterThan":{"AWS:EpochTime":1}"#)),
            deny(Denied::Malformed),
        ),
        Case::url(
            "quoted epoch",
            with_policy(&stmt(&format!(
                r#""DateLessThan":{{"AWS:EpochTime":"{exp}"}}"#
            ))),
            deny(Denied::Malformed),
        ),
        Case::url(
            "fractional epoch",
            with_policy(&stmt(r#""DateLessThan":{"AWS:EpochTime":1.5e10}"#)),
            deny(Denied::Malformed),
        ),
        Case::url(
            "unknown condition",
            with_policy(&stmt(&format!(
                r#"{dlt},"NotIpAddress":{{"AWS:SourceIp":"10.0.0.0/8"}}"#
            ))),
            deny(Denied::Malformed),
        ),
        Case::url(
            "duplicate DateLessThan",
            with_policy(&stmt(&format!(
                r#"{dlt},"DateLessThan":{{"AWS:EpochTime":9999999999}}"#
            ))),
            deny(Denied::Malformed),
        ),
        Case::url(
            "IPv6 SourceIp (not supported by CloudFront)",
            with_policy(&stmt(&format!(
                r#"{dlt},"IpAddress":{{"AWS:SourceIp":"2001:db8::/32"}}"#
            ))),
            deny(Denied::Malformed),
        ),
        Case::url(
            "garbage SourceIp",
            with_policy(&stmt(&format!(
                r#"{dlt},"IpAddress":{{"AWS:SourceIp":"office"}}"#
            ))),
            deny(Denied::Malformed),
        ),
    ];
    run_cases(&cases);
}

#[test]
fn malformed_and_missing_urls() {
    let exp = NOW + HOUR;
    let good = sign(&rsa(), VIDEO, &canned(exp));
    let custom_url = sign(&rsa(), PLAYLIST, &custom(HLS_DIR, exp, None, None));
    let cases = [
        Case::url(
            "no credentials at all",
            VIDEO.to_owned(),
            deny(Denied::Missing),
        ),
        Case::url(
            "signature not base64",
            set_param(&good, "Signature", "!!!!"),
            deny(Denied::Malformed),
        ),
        Case::url(
            "empty signature",
            set_param(&good, "Signature", ""),
            deny(Denied::Malformed),
        ),
        Case::url(
            "policy not base64",
            set_param(&custom_url, "Policy", "%%%"),
            deny(Denied::Malformed),
        ),
        Case::url(
            "policy not UTF-8 once percent-decoded",
            set_param(&custom_url, "Policy", "%FF%FE"),
            deny(Denied::Malformed),
        ),
        Case::url(
            "only a signature",
            format!("{VIDEO}&Signature=abcd"),
            deny(Denied::Malformed),
        ),
        Case::url(
            "no key pair id",
            remove_param(&good, "Key-Pair-Id"),
            deny(Denied::Malformed),
        ),
        Case::url(
            "no signature",
            remove_param(&good, "Signature"),
            deny(Denied::Malformed),
        ),
        Case::url(
            "both Expires and Policy",
            format!("{custom_url}&Expires={exp}"),
            deny(Denied::Malformed),
        ),
        Case::url(
            "signature given twice",
            format!("{good}&Signature=abcd"),
            deny(Denied::Malformed),
        ),
        Case::url(
            "unknown Hash-Algorithm",
            set_param(&good, "Hash-Algorithm", "MD5"),
            deny(Denied::Malformed),
        ),
        Case::url(
            "lower-case sha256 is accepted",
            set_param(&good, "Hash-Algorithm", "sha256"),
            URL_CANNED,
        ),
        Case::url(
            "SHA-256 signature read as SHA-1",
            remove_param(&good, "Hash-Algorithm"),
            deny(Denied::BadSignature),
        ),
        Case::url(
            "ECDSA over SHA-1 cannot be checked with ring",
            remove_param(&sign(&ec(), VIDEO, &canned(exp)), "Hash-Algorithm"),
            deny(Denied::UnsupportedAlgorithm),
        ),
        Case::url(
            "percent-encoded ~ in the signature still decodes",
            good.replace('~', "%7E"),
            URL_CANNED,
        ),
        Case::url(
            "oversized signature",
            set_param(&good, "Signature", &"A".repeat(5000)),
            deny(Denied::Malformed),
        ),
        Case::url(
            "multi-byte junk in the URL does not panic",
            format!("{good}&é=ü&%E2%82=\u{1F600}"),
            deny(Denied::BadSignature),
        ),
    ];
    run_cases(&cases);
}

/// CloudFront: "If you use both signed URLs and signed cookies ... and a
/// viewer uses a signed URL ..., CloudFront determines whether to return
/// the file based only on the signed URL."
#[test]
fn url_takes_precedence_over_cookies() {
    let exp = NOW + HOUR;
    let good_url = sign(&rsa(), VIDEO, &canned(exp));
    let good_cookies = rsa().sign_cookies(VIDEO, &canned(exp)).expect("signs");
    let bad_url = set_param(
        &good_url,
        "Signature",
        &flip_signature(&get_param(&good_url, "Signature")),
    );
    let junk_cookies = vec![("CloudFront-Signature".to_owned(), "!!".to_owned())];
    let cases = [
        Case {
            cookies: good_cookies.clone(),
            ..Case::url("bad URL, good cookies", bad_url, deny(Denied::BadSignature))
        },
        Case {
            cookies: junk_cookies,
            ..Case::url("good URL, junk cookies", good_url, URL_CANNED)
        },
        Case {
            cookies: good_cookies,
            ..Case::url(
                "incomplete URL credentials, good cookies",
                format!("{VIDEO}&Expires={exp}"),
                deny(Denied::Malformed),
            )
        },
    ];
    run_cases(&cases);
}
