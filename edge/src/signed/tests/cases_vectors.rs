//! Vectors made by botocore's `CloudFrontSigner` (the reference signer) with
//! the test keys; see `../testdata/make_botocore_vectors.py`. They prove the
//! verifier accepts what AWS tooling produces, and the RSA-SHA256 one that
//! our signer produces byte-identical URLs.

use serde::Deserialize;

use super::*;

#[derive(Deserialize)]
struct Vectors {
    key_id: String,
    ec_key_id: String,
    expires: i64,
    not_before: i64,
    canned_url: String,
    custom_url: String,
    custom_policy_json: String,
    rsa_sha256_url: String,
    ecdsa_sha256_url: String,
}

fn vectors() -> Vectors {
    serde_json::from_str(BOTOCORE_VECTORS).expect("botocore_vectors.json parses")
}

#[test]
fn botocore_vectors_verify() {
    let v = vectors();
    assert_eq!(
        (v.key_id.as_str(), v.ec_key_id.as_str()),
        (BOTO_RSA_ID, BOTO_EC_ID)
    );
    let before = v.expires - 1;
    let segment2 = v.custom_url.replace("seg-00001.ts", "seg-00002.ts");
    let cases = [
        Case::url("canned RSA-SHA1", v.canned_url.clone(), URL_CANNED).at(NOW),
        Case::url(
            "canned, last valid second",
            v.canned_url.clone(),
            URL_CANNED,
        )
        .at(before),
        Case::url(
            "canned, expired",
            v.canned_url.clone(),
            deny(Denied::Expired),
        )
        .at(v.expires),
        Case::url(
            "canned, tampered path",
            v.canned_url.replace("index.m3u8", "index2.m3u8"),
            deny(Denied::BadSignature),
        ),
        Case::url(
            "canned, tampered query",
            v.canned_url.replace("quality=hd", "quality=uhd"),
            deny(Denied::BadSignature),
        ),
        Case::url(
            "canned, SHA-1 signature claimed as SHA-256",
            format!("{}&Hash-Algorithm=SHA256", v.canned_url),
            deny(Denied::BadSignature),
        ),
        Case::url("custom, segment in range", v.custom_url.clone(), URL_CUSTOM).from("192.0.2.77"),
        Case::url("custom, sibling segment", segment2, URL_CUSTOM).from("192.0.2.1"),
        Case::url(
            "custom, outside the CIDR",
            v.custom_url.clone(),
            deny(Denied::WrongIp),
        )
        .from("198.51.100.1"),
        Case::url(
            "custom, IPv6 client",
            v.custom_url.clone(),
            deny(Denied::WrongIp),
        )
        .from("2001:db8::77"),
        Case::url(
            "custom, before DateGreaterThan",
            v.custom_url.clone(),
            deny(Denied::NotYetValid),
        )
        .at(v.not_before),
        Case::url(
            "custom, other course",
            v.custom_url.replace("course1", "course9"),
            deny(Denied::WrongResource),
        ),
        Case::url(
            "custom, tampered policy",
            set_param(
                &v.custom_url,
                "Policy",
                &b64::encode(
                    v.custom_policy_json
                        .replace("192.0.2.0/24", "0.0.0.0/0")
                        .as_bytes(),
                ),
            ),
            deny(Denied::BadSignature),
        ),
        Case::url("RSA-SHA256", v.rsa_sha256_url.clone(), URL_CANNED),
        Case::url("ECDSA-SHA256", v.ecdsa_sha256_url.clone(), URL_CANNED),
        Case::url(
            "ECDSA-SHA256, tampered path",
            v.ecdsa_sha256_url.replace("report.pdf", "report.PDF"),
            deny(Denied::BadSignature),
        ),
    ];
    run_cases(&cases);
}

/// Our signer writes the same bytes as botocore: the custom policy JSON
/// (key order, separators, `/32`-style CIDR) and, because RSA PKCS#1 v1.5
/// is deterministic, the whole RSA-SHA256 canned URL.
#[test]
fn signer_matches_botocore_bytes() {
    let v = vectors();
    let net = policy::parse_source_ip("192.0.2.0/24");
    assert_eq!(
        policy::custom(
            "https://cdn.example.com/media/hls/course1/*",
            v.expires,
            Some(v.not_before),
            net.as_ref(),
        ),
        v.custom_policy_json
    );
    let (base, _) = v.rsa_sha256_url.split_once('?').expect("query");
    let ours = sign_url(base, BOTO_RSA_ID, RSA_PKCS1, &canned(v.expires)).expect("signs");
    assert_eq!(ours, v.rsa_sha256_url);
}
