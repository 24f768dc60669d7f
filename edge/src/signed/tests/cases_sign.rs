//! The signer's output format and input checks, and the pure helpers it
//! shares with the verifier: policy text, JSON escaping, CloudFront base64,
//! `strip_signing_params` and `Resource` wildcards.

use super::*;

#[test]
fn canned_policy_text_is_exactly_cloudfronts() {
    assert_eq!(
        policy::canned(
            "https://d111111abcdef8.cloudfront.net/horizon.jpg?size=large&license=yes",
            1357034400
        ),
        r#"{"Statement":[{"Resource":"https://d111111abcdef8.cloudfront.net/horizon.jpg?size=large&license=yes","Condition":{"DateLessThan":{"AWS:EpochTime":1357034400}}}]}"#
    );
}

/// Expected strings are Python's `json.dumps` output (botocore's encoder),
/// pasted from the interpreter.
#[test]
fn json_escaping_matches_python() {
    let cases = [
        ("https://a/b?c=d", r#""https://a/b?c=d""#),
        (
            "https://x/\u{e9}\"\\\u{1F600}\u{7f}\t/a b",
            r#""https://x/\u00e9\"\\\ud83d\ude00\u007f\t/a b""#,
        ),
        (
            "line\nbreak\r\u{8}\u{c}\u{1}",
            r#""line\nbreak\r\b\f\u0001""#,
        ),
    ];
    for (input, want) in cases {
        let text = policy::canned(input, 0);
        let quoted = text
            .strip_prefix(r#"{"Statement":[{"Resource":"#)
            .and_then(|rest| {
                rest.strip_suffix(r#","Condition":{"DateLessThan":{"AWS:EpochTime":0}}}]}"#)
            })
            .expect("canned frame");
        assert_eq!(quoted, want, "escaping {input:?}");
    }
}

#[test]
fn signed_url_layout() {
    let exp = NOW + HOUR;
    let plain = sign(&rsa(), "https://cdn.example.com/a.bin", &canned(exp));
    let names: Vec<&str> = plain
        .split_once('?')
        .expect("query")
        .1
        .split('&')
        .map(|p| p.split_once('=').map_or(p, |(n, _)| n))
        .collect();
    assert_eq!(
        names,
        ["Expires", "Signature", "Key-Pair-Id", "Hash-Algorithm"]
    );
    assert!(plain.ends_with(&format!("&Key-Pair-Id={RSA_ID}&Hash-Algorithm=SHA256")));

    let with_query = sign(&ec(), "https://cdn.example.com/a.bin?x=1", &canned(exp));
    assert!(with_query.starts_with("https://cdn.example.com/a.bin?x=1&Expires="));

    let custom_url = sign(
        &rsa(),
        "https://cdn.example.com/d/a.bin",
        &custom("https://cdn.example.com/d/*", exp, None, None),
    );
    let policy_json = b64::decode(&get_param(&custom_url, "Policy")).expect("policy decodes");
    assert_eq!(
        String::from_utf8(policy_json).expect("utf-8"),
        format!(
            r#"{{"Statement":[{{"Resource":"https://cdn.example.com/d/*","Condition":{{"DateLessThan":{{"AWS:EpochTime":{exp}}}}}}}]}}"#
        )
    );
    // Signature characters must survive a query string and a cookie as-is.
    for value in [
        get_param(&custom_url, "Policy"),
        get_param(&custom_url, "Signature"),
    ] {
        assert!(
            value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_~".contains(&b)),
            "{value}"
        );
    }
}

#[test]
fn cookie_layout() {
    let exp = NOW + HOUR;
    let canned_names: Vec<String> = rsa()
        .sign_cookies("https://cdn.example.com/a.bin", &canned(exp))
        .expect("signs")
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(
        canned_names,
        [
            "CloudFront-Expires",
            "CloudFront-Signature",
            "CloudFront-Key-Pair-Id",
            "CloudFront-Hash-Algorithm"
        ]
    );
    let custom_cookies = ec()
        .sign_cookies(
            "https://cdn.example.com/d/*",
            &custom("https://cdn.example.com/d/*", exp, None, None),
        )
        .expect("signs");
    assert_eq!(
        custom_cookies.first().map(|(n, _)| n.as_str()),
        Some("CloudFront-Policy")
    );
    assert!(custom_cookies.contains(&("CloudFront-Key-Pair-Id".to_owned(), EC_ID.to_owned())));
}

/// One refused signing request; `want` is compared by variant only.
struct Refusal {
    name: &'static str,
    cookie: bool,
    url: &'static str,
    policy: SignPolicy,
    want: SignError,
}

#[test]
fn signer_refuses_bad_input() {
    let exp = NOW + HOUR;
    let dir = "https://cdn.example.com/d/*";
    let file = "https://cdn.example.com/d/a.bin";
    let bad_url = SignError::BadUrl(String::new());
    let bad_ip = SignError::BadIp(String::new());
    let refusal = |name, cookie, url, policy, want: &SignError| Refusal {
        name,
        cookie,
        url,
        policy,
        want: want.clone(),
    };
    let cases = [
        refusal("relative URL", false, "/d/a.bin", canned(exp), &bad_url),
        refusal(
            "ftp URL",
            false,
            "ftp://cdn.example.com/a",
            canned(exp),
            &bad_url,
        ),
        refusal(
            "fragment",
            false,
            "https://cdn.example.com/a#t=10",
            canned(exp),
            &bad_url,
        ),
        refusal(
            "raw space",
            false,
            "https://cdn.example.com/a b",
            canned(exp),
            &bad_url,
        ),
        refusal(
            "raw non-ASCII",
            false,
            "https://cdn.example.com/caf\u{e9}",
            canned(exp),
            &bad_url,
        ),
        refusal(
            "already signed",
            false,
            "https://cdn.example.com/a?Expires=1",
            canned(exp),
            &SignError::AlreadySigned,
        ),
        refusal(
            "negative expiry",
            false,
            file,
            canned(-1),
            &SignError::BadTimes,
        ),
        refusal(
            "URL outside the resource",
            false,
            "https://cdn.example.com/e/a.bin",
            custom(dir, exp, None, None),
            &SignError::NotCovered {
                url: String::new(),
                resource: String::new(),
            },
        ),
        refusal(
            "resource without scheme",
            false,
            file,
            custom("cdn.example.com/d/*", exp, None, None),
            &SignError::BadResource(String::new()),
        ),
        refusal(
            "start not before end",
            false,
            file,
            custom(dir, exp, Some(exp), None),
            &SignError::BadTimes,
        ),
        refusal(
            "IPv6 source",
            false,
            file,
            custom(dir, exp, None, Some("2001:db8::/32")),
            &bad_ip,
        ),
        refusal(
            "prefix too long",
            false,
            file,
            custom(dir, exp, None, Some("10.0.0.0/33")),
            &bad_ip,
        ),
        refusal(
            "canned cookie, relative URL",
            true,
            "/d/a.bin",
            canned(exp),
            &bad_url,
        ),
        refusal(
            "custom cookie outside the resource",
            true,
            "https://cdn.example.com/e/",
            custom(dir, exp, None, None),
            &SignError::NotCovered {
                url: String::new(),
                resource: String::new(),
            },
        ),
    ];
    let signer = rsa();
    for case in cases {
        let err = if case.cookie {
            signer.sign_cookies(case.url, &case.policy).map(|_| ())
        } else {
            signer.sign_url(case.url, &case.policy).map(|_| ())
        }
        .expect_err(case.name);
        assert_eq!(
            std::mem::discriminant(&err),
            std::mem::discriminant(&case.want),
            "{}: unexpected {err:?}",
            case.name
        );
    }
    let bare = sign(&signer, file, &custom(dir, exp, None, Some("198.51.100.4")));
    let json =
        String::from_utf8(b64::decode(&get_param(&bare, "Policy")).expect("b64")).expect("utf-8");
    assert!(
        json.contains(r#""AWS:SourceIp":"198.51.100.4/32""#),
        "{json}"
    );
}

#[test]
fn cloudfront_base64() {
    // 0xfb 0xff 0xbf encodes to "+/+/" and one byte pads with "==", so all
    // three substituted characters appear.
    let data = [0xfbu8, 0xff, 0xbf, 0x00];
    let standard = "+/+/AA==";
    assert_eq!(b64::encode(&data), "-~-~AA__");
    let cases: [(&str, Option<&[u8]>); 6] = [
        ("-~-~AA__", Some(&data)),
        ("-~-~AA", Some(&data)),
        (standard, Some(&data)),
        ("", Some(&[])),
        ("-~-", None),
        ("a b", None),
    ];
    for (input, want) in cases {
        assert_eq!(b64::decode(input).as_deref(), want, "decode {input:?}");
    }
}

#[test]
fn strip_signing_params_table() {
    let cases = [
        ("", ""),
        ("a=1&b=2", "a=1&b=2"),
        ("a=1&Expires=2&b=3", "a=1&b=3"),
        ("Expires=1&Signature=x&Key-Pair-Id=k", ""),
        (
            "Policy=p&a=1&Signature=s&Key-Pair-Id=k&Hash-Algorithm=SHA256",
            "a=1",
        ),
        ("z=9&Signature=s&y=8&Key-Pair-Id=k&x=7", "z=9&y=8&x=7"),
        ("expires=1&signature=2", "expires=1&signature=2"),
        (
            "ExpiresAt=1&Key-Pair-Identity=2",
            "ExpiresAt=1&Key-Pair-Identity=2",
        ),
        ("Signature&a", "a"),
        ("a=1&&b=2&Expires=3", "a=1&&b=2"),
        ("q=%E2%82%AC&Signature=x&r=\u{e9}", "q=%E2%82%AC&r=\u{e9}"),
    ];
    for (query, want) in cases {
        assert_eq!(strip_signing_params(query), want, "strip {query:?}");
    }
}

#[test]
fn resource_wildcards() {
    let cases = [
        ("*", "https://anything/at/all?x=1", true),
        ("https://a.example/*", "https://a.example/", true),
        ("https://a.example/*", "https://a.example", false),
        ("https://a.example/*", "https://b.example/x", false),
        ("*://a.example/x", "http://a.example/x", true),
        (
            "https://d1.example/*game_download.zip*",
            "https://d1.example/game_download.zip",
            true,
        ),
        (
            "https://d1.example/*game_download.zip*",
            "https://d1.example/example_game_download.zip?license=yes",
            true,
        ),
        (
            "https://d1.example/*game_download.zip*",
            "https://d1.example/game_download.tar",
            false,
        ),
        ("https://a/seg-?.ts", "https://a/seg-7.ts", true),
        ("https://a/seg-?.ts", "https://a/seg-17.ts", false),
        ("https://a/?", "https://a/\u{e9}", true),
        (
            "https://a/x.jpg?size=large",
            "https://a/x.jpg?size=large",
            true,
        ),
        (
            "https://a/x.jpg?size=large",
            "https://a/x.jpg?size=small",
            false,
        ),
        ("a*b*c", "aXXbYYc", true),
        ("a*b*c", "aXXbYY", false),
        ("a**", "a", true),
        ("", "", true),
        ("", "x", false),
    ];
    for (pattern, text, want) in cases {
        assert_eq!(
            policy::wildcard_match(pattern, text),
            want,
            "{pattern:?} vs {text:?}"
        );
    }
}

#[test]
fn denied_details_are_distinct_tokens() {
    let all = [
        Denied::Missing,
        Denied::Malformed,
        Denied::UnknownKey,
        Denied::UnsupportedAlgorithm,
        Denied::BadSignature,
        Denied::Expired,
        Denied::NotYetValid,
        Denied::WrongResource,
        Denied::WrongIp,
    ];
    let details: std::collections::HashSet<&str> = all.iter().map(|d| d.detail()).collect();
    assert_eq!(details.len(), all.len());
    // RFC 9211 `detail` is a token or string; keep it a plain token.
    assert!(
        details
            .iter()
            .all(|d| d.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'))
    );
}
