//! What browsers and web apps use: POST object uploads with a signed
//! policy (HTML forms), CORS (bucket rules, preflight OPTIONS, headers on
//! responses), virtual-host-style addressing with `--domain`, and clock
//! skew beyond 15 minutes refused with RequestTimeTooSkewed.

use std::time::{Duration, SystemTime};

use aws_sdk_s3::types::{CorsConfiguration, CorsRule};
use gureum_tests::*;

fn amz_date(t: SystemTime) -> (String, String) {
    let t = time::OffsetDateTime::from(t);
    let date = format!("{:04}{:02}{:02}", t.year(), u8::from(t.month()), t.day());
    let full = format!("{date}T{:02}{:02}{:02}Z", t.hour(), t.minute(), t.second());
    (date, full)
}

fn iso(t: SystemTime) -> String {
    let t = time::OffsetDateTime::from(t);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.000Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// A multipart/form-data POST object request, signed like a browser form
/// built by a server: policy (base64 JSON) + its HMAC with the signing key.
fn form_upload(
    origin: &Origin,
    bucket: &str,
    key: &str,
    file: &[u8],
    expires_in: i64,
    key_prefix: &str,
    wrong_secret: bool,
) -> (Vec<(String, String)>, Vec<u8>) {
    form_upload_as(
        origin.creds(),
        &[],
        bucket,
        key,
        file,
        expires_in,
        key_prefix,
        wrong_secret,
    )
}

/// The same, signed with `creds`, with `extra` form fields (each also an
/// exact-match condition of the policy, as AWS requires).
#[allow(clippy::too_many_arguments)]
fn form_upload_as(
    (ak, sk): (String, String),
    extra: &[(&str, &str)],
    bucket: &str,
    key: &str,
    file: &[u8],
    expires_in: i64,
    key_prefix: &str,
    wrong_secret: bool,
) -> (Vec<(String, String)>, Vec<u8>) {
    let now = SystemTime::now();
    let (date, full) = amz_date(now);
    let credential = format!("{ak}/{date}/us-east-1/s3/aws4_request");
    let expiration = if expires_in >= 0 {
        now + Duration::from_secs(expires_in as u64)
    } else {
        now - Duration::from_secs((-expires_in) as u64)
    };
    let policy = format!(
        r#"{{"expiration":"{}","conditions":[{{"bucket":"{bucket}"}},["starts-with","$key","{key_prefix}"],{{"x-amz-algorithm":"AWS4-HMAC-SHA256"}},{{"x-amz-credential":"{credential}"}},{{"x-amz-date":"{full}"}},{extra_conds}["content-length-range",1,1048576]]}}"#,
        iso(expiration),
        extra_conds = extra
            .iter()
            .map(|(k, v)| format!(r#"{{"{k}":"{v}"}},"#))
            .collect::<String>()
    );
    let policy_b64 = base64_encode(policy.as_bytes());
    let secret = if wrong_secret {
        "wrong-secret".to_string()
    } else {
        sk
    };
    let signature = Signer::s3(&ak, &secret, "us-east-1").post_policy_signature(now, &policy_b64);
    let boundary = "gureumformboundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    let mut field = |name: &str, value: &str| {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    };
    field("key", key);
    field("x-amz-algorithm", "AWS4-HMAC-SHA256");
    field("x-amz-credential", &credential);
    field("x-amz-date", &full);
    field("policy", &policy_b64);
    field("x-amz-signature", &signature);
    for (k, v) in extra {
        field(k, v);
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"upload.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let headers = vec![(
        "content-type".to_string(),
        format!("multipart/form-data; boundary={boundary}"),
    )];
    (headers, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_policy_uploads() {
    let origin = Origin::start(6);
    let c = origin.client();
    create_bucket(&c, "forms").await;
    let file = random_bytes(51, 300 * KIB);
    let (h, body) = form_upload(
        &origin,
        "forms",
        "uploads/photo.bin",
        &file,
        600,
        "uploads/",
        false,
    );
    let r = raw_http(origin.addr(), "POST", "/forms", &h, &body)
        .await
        .expect("POST");
    assert!(
        r.status == 204 || r.status == 200 || r.status == 201,
        "form upload: {} {}",
        r.status,
        r.text()
    );
    assert_eq!(
        sha256_hex(&get_bytes(&c, "forms", "uploads/photo.bin").await),
        sha256_hex(&file)
    );

    // Expired policy, key outside the policy, bad signature: refused, nothing stored.
    // (s3s answers a failed policy condition with 400 InvalidPolicyDocument
    // where S3 says 403 AccessDenied; both refuse before storing.)
    let cases = [
        (
            "uploads/expired.bin",
            -60,
            "uploads/",
            false,
            &[(403, "AccessDenied")][..],
        ),
        (
            "elsewhere/x.bin",
            600,
            "uploads/",
            false,
            &[(403, "AccessDenied"), (400, "InvalidPolicyDocument")][..],
        ),
        (
            "uploads/forged.bin",
            600,
            "uploads/",
            true,
            &[(403, "SignatureDoesNotMatch")][..],
        ),
    ];
    for (key, expires, prefix, wrong, allowed) in cases {
        let (h, body) = form_upload(&origin, "forms", key, &file, expires, prefix, wrong);
        let r = raw_http(origin.addr(), "POST", "/forms", &h, &body)
            .await
            .expect("POST");
        let got = (r.status, r.error_code().unwrap_or_default());
        assert!(
            allowed.iter().any(|(s, c)| *s == got.0 && *c == got.1),
            "{key}: {got:?} {}",
            r.text()
        );
        let res = c.head_object().bucket("forms").key(key).send().await;
        assert_s3_err("HEAD after refused form", res, 404, None);
    }
}

/// A form's `acl` and `tagging` fields need s3:PutObjectAcl and
/// s3:PutObjectTagging, as the x-amz-acl and x-amz-tagging headers do: a
/// user granted only s3:PutObject cannot make its upload public by form.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn form_fields_need_the_grants_their_headers_need() {
    let origin = Origin::start(6);
    let c = origin.client();
    create_bucket(&c, "forms").await;
    let creds = origin
        .user_with_key(
            "uploader",
            Some(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::forms/*"}]}"#,
            ),
        )
        .await;
    let file = random_bytes(52, 10 * KIB);
    // s3s reads a form's ACL and tags from fields named like the headers
    // (x-amz-acl, x-amz-tagging); AWS's `acl` / `tagging` names are not read.
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], u16);
    let cases: [Case; 4] = [
        ("uploads/plain.bin", &[], 204),
        ("uploads/private.bin", &[("x-amz-acl", "private")], 204),
        ("uploads/public.bin", &[("x-amz-acl", "public-read")], 403),
        ("uploads/tagged.bin", &[("x-amz-tagging", "a=b")], 403),
    ];
    for (key, extra, want) in cases {
        let (h, body) = form_upload_as(
            creds.clone(),
            extra,
            "forms",
            key,
            &file,
            600,
            "uploads/",
            false,
        );
        let r = raw_http(origin.addr(), "POST", "/forms", &h, &body)
            .await
            .expect("POST");
        let ok = if want == 204 {
            matches!(r.status, 200 | 201 | 204)
        } else {
            r.status == want && r.error_code().as_deref() == Some("AccessDenied")
        };
        assert!(ok, "{key} {extra:?}: {} {}", r.status, r.text());
        let stored = c
            .head_object()
            .bucket("forms")
            .key(key)
            .send()
            .await
            .is_ok();
        assert_eq!(stored, want == 204, "{key}: stored = {stored}");
    }
    let anon = raw_http(origin.addr(), "GET", "/forms/uploads/plain.bin", &[], b"")
        .await
        .expect("GET");
    assert_eq!(anon.status, 403, "a form upload without acl stays private");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_rules_preflight_and_response_headers() {
    let origin = Origin::start(6);
    let c = origin.client();
    create_bucket(&c, "site").await;
    put_bytes(&c, "site", "app.js", b"console.log(1)").await;

    // No configuration yet: preflight refused, GetBucketCors 404.
    let pre = [
        ("origin", "https://app.example.com"),
        ("access-control-request-method", "PUT"),
        ("access-control-request-headers", "content-type, x-amz-date"),
    ];
    let r = origin.anonymous("OPTIONS", "/site/app.js", &pre, b"").await;
    assert_eq!(r.status, 403, "{}", r.text());
    let res = c.get_bucket_cors().bucket("site").send().await;
    assert_s3_err(
        "GetBucketCors without config",
        res,
        404,
        Some("NoSuchCORSConfiguration"),
    );

    let rule = CorsRule::builder()
        .allowed_origins("https://*.example.com")
        .allowed_methods("GET")
        .allowed_methods("PUT")
        .allowed_headers("content-type")
        .allowed_headers("x-amz-*")
        .expose_headers("ETag")
        .max_age_seconds(600)
        .build()
        .expect("rule");
    c.put_bucket_cors()
        .bucket("site")
        .cors_configuration(
            CorsConfiguration::builder()
                .cors_rules(rule)
                .build()
                .expect("cors"),
        )
        .send()
        .await
        .expect("PutBucketCors");
    let got = c
        .get_bucket_cors()
        .bucket("site")
        .send()
        .await
        .expect("GetBucketCors");
    assert_eq!(got.cors_rules().len(), 1);
    assert_eq!(got.cors_rules()[0].max_age_seconds(), Some(600));

    let r = origin.anonymous("OPTIONS", "/site/app.js", &pre, b"").await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("https://app.example.com")
    );
    assert!(
        r.header("access-control-allow-methods")
            .is_some_and(|m| m.contains("PUT"))
    );
    assert_eq!(r.header("access-control-max-age"), Some("600"));
    // Origin, method or header outside the rule.
    for bad in [
        [
            ("origin", "https://evil.test"),
            ("access-control-request-method", "GET"),
            ("access-control-request-headers", ""),
        ],
        [
            ("origin", "https://app.example.com"),
            ("access-control-request-method", "DELETE"),
            ("access-control-request-headers", ""),
        ],
        [
            ("origin", "https://app.example.com"),
            ("access-control-request-method", "GET"),
            ("access-control-request-headers", "authorization"),
        ],
    ] {
        let r = origin.anonymous("OPTIONS", "/site/app.js", &bad, b"").await;
        assert_eq!(r.status, 403, "{bad:?}");
        assert_eq!(r.error_code().as_deref(), Some("AccessForbidden"));
    }
    // An actual request from an allowed origin gets the headers.
    let r = origin
        .signed(
            "GET",
            "/site/app.js",
            &[("origin", "https://app.example.com")],
            b"",
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("https://app.example.com")
    );
    assert_eq!(r.header("access-control-expose-headers"), Some("ETag"));
    let r = origin
        .signed(
            "GET",
            "/site/app.js",
            &[("origin", "https://evil.test")],
            b"",
        )
        .await;
    assert!(r.header("access-control-allow-origin").is_none());

    c.delete_bucket_cors()
        .bucket("site")
        .send()
        .await
        .expect("DeleteBucketCors");
    let r = origin.anonymous("OPTIONS", "/site/app.js", &pre, b"").await;
    assert_eq!(r.status, 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn virtual_host_style_with_domain() {
    let mut opts = OriginOptions::drives(6);
    opts.extra_args = vec!["--domain".into(), "s3.gureum.test".into()];
    let origin = Origin::start_with(opts);
    let c = origin.client();
    create_bucket(&c, "vhost").await;
    put_bytes(&c, "vhost", "dir/file.txt", b"virtual host").await;
    let (ak, sk) = origin.creds();
    let host = format!("vhost.s3.gureum.test:{}", origin.addr().port());
    let signed = |method: &str, target: &str| {
        let mut h = sigv4_headers(&host, &ak, &sk, method, target, &[], Payload::Bytes(b""));
        h.push(("host".into(), host.clone()));
        h
    };
    let r = raw_http(
        origin.addr(),
        "GET",
        "/dir/file.txt",
        &signed("GET", "/dir/file.txt"),
        b"",
    )
    .await
    .expect("GET");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.body, b"virtual host");
    let r = raw_http(
        origin.addr(),
        "GET",
        "/?list-type=2",
        &signed("GET", "/?list-type=2"),
        b"",
    )
    .await
    .expect("LIST");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        xml_values(&r.text(), "Key"),
        vec!["dir/file.txt".to_string()]
    );
    // Path style keeps working beside it.
    assert_eq!(
        get_bytes(&c, "vhost", "dir/file.txt").await,
        b"virtual host"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clock_skew_is_request_time_too_skewed() {
    let origin = Origin::start(6);
    let c = origin.client();
    create_bucket(&c, "skew").await;
    let (ak, sk) = origin.creds();
    let host = origin.addr().to_string();
    for offset in [-20i64 * 60, 20 * 60] {
        let t = if offset < 0 {
            SystemTime::now() - Duration::from_secs((-offset) as u64)
        } else {
            SystemTime::now() + Duration::from_secs(offset as u64)
        };
        let h = sigv4_headers_at(
            t,
            &host,
            &ak,
            &sk,
            "PUT",
            "/skew/k",
            &[],
            Payload::Bytes(b"x"),
        );
        let r = raw_http(origin.addr(), "PUT", "/skew/k", &h, b"x")
            .await
            .expect("PUT");
        assert_eq!(r.status, 403, "skew {offset}s: {}", r.text());
        assert_eq!(
            r.error_code().as_deref(),
            Some("RequestTimeTooSkewed"),
            "skew {offset}s"
        );
    }
    // Within 15 minutes is fine.
    let t = SystemTime::now() - Duration::from_secs(5 * 60);
    let h = sigv4_headers_at(
        t,
        &host,
        &ak,
        &sk,
        "PUT",
        "/skew/k",
        &[],
        Payload::Bytes(b"x"),
    );
    let r = raw_http(origin.addr(), "PUT", "/skew/k", &h, b"x")
        .await
        .expect("PUT");
    assert_eq!(r.status, 200, "{}", r.text());
}
