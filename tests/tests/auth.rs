//! Authentication and hostile input: bad signatures, unknown keys,
//! anonymous requests, presigned URLs, invalid bucket names, and keys that
//! try to escape the drive directories (`..`, `%2e%2e`, NUL, > 1024 bytes).
//! Bad input gets a 4xx S3 error (or, where S3 allows the key, is stored
//! and read back as itself), nothing lands outside the drives, and the
//! server stays up.

use std::time::{Duration, SystemTime};

use aws_sdk_s3::error::DisplayErrorContext;
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use gureum_tests::*;

#[tokio::test]
async fn bad_secret_is_signature_does_not_match() {
    let origin = Origin::start(6);
    let good = origin.client();
    create_bucket(&good, "sig").await;
    let (ak, _) = origin.creds();
    let bad = origin.client_with(&ak, "definitely-not-the-secret-key-0123456789");
    let res = bad.list_buckets().send().await;
    assert_s3_err(
        "ListBuckets, bad secret",
        res,
        403,
        Some("SignatureDoesNotMatch"),
    );
    let res = bad
        .put_object()
        .bucket("sig")
        .key("k")
        .body(ByteStream::from_static(b"evil"))
        .send()
        .await;
    assert_s3_err(
        "PutObject, bad secret",
        res,
        403,
        Some("SignatureDoesNotMatch"),
    );
    let res = bad.get_object().bucket("sig").key("k").send().await;
    assert_s3_err(
        "GetObject, bad secret",
        res,
        403,
        Some("SignatureDoesNotMatch"),
    );
    // Nothing was written.
    assert!(list_all(&good, "sig", "").await.is_empty());

    // The raw signer agrees: right secret works, wrong one does not.
    put_bytes(&good, "sig", "obj", b"payload").await;
    let ok = origin.signed("GET", "/sig/obj", &[], &[]).await;
    assert_eq!(ok.status, 200, "raw signed GET: {}", ok.text());
    assert_eq!(ok.body, b"payload");
    let r = origin
        .signed_as(&ak, "wrong-secret", "GET", "/sig/obj", &[], &[])
        .await;
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(
        r.error_code().as_deref(),
        Some("SignatureDoesNotMatch"),
        "{}",
        r.text()
    );
}

#[tokio::test]
async fn unknown_access_key_is_invalid_access_key_id() {
    let origin = Origin::start(6);
    let good = origin.client();
    create_bucket(&good, "keys").await;
    let (_, sk) = origin.creds();
    let stranger = origin.client_with("AKIDUNKNOWN000000000", &sk);
    let res = stranger.list_buckets().send().await;
    assert_s3_err(
        "ListBuckets, unknown key",
        res,
        403,
        Some("InvalidAccessKeyId"),
    );
    let res = stranger
        .put_object()
        .bucket("keys")
        .key("k")
        .body(ByteStream::from_static(b"x"))
        .send()
        .await;
    assert_s3_err(
        "PutObject, unknown key",
        res,
        403,
        Some("InvalidAccessKeyId"),
    );
    assert!(list_all(&good, "keys", "").await.is_empty());
}

#[tokio::test]
async fn anonymous_requests_are_denied() {
    let origin = Origin::start(6);
    let c = origin.client();
    create_bucket(&c, "private").await;
    put_bytes(&c, "private", "secret.txt", b"top secret").await;
    for (method, target) in [
        ("GET", "/"),
        ("GET", "/private"),
        ("GET", "/private?list-type=2"),
        ("GET", "/private/secret.txt"),
        ("HEAD", "/private/secret.txt"),
        ("PUT", "/private/new.txt"),
        ("DELETE", "/private/secret.txt"),
        ("PUT", "/newbucket"),
    ] {
        let body: &[u8] = if method == "PUT" { b"anonymous" } else { b"" };
        let r = origin.anonymous(method, target, &[], body).await;
        assert_eq!(r.status, 403, "anonymous {method} {target}: {}", r.text());
        if method != "HEAD" {
            assert_eq!(
                r.error_code().as_deref(),
                Some("AccessDenied"),
                "anonymous {method} {target}: {}",
                r.text()
            );
        }
        assert!(
            !r.text().contains("top secret"),
            "anonymous {method} {target} leaked the object"
        );
    }
    // Nothing changed.
    assert_eq!(get_bytes(&c, "private", "secret.txt").await, b"top secret");
    let keys: Vec<String> = list_all(&c, "private", "")
        .await
        .into_iter()
        .map(|l| l.key)
        .collect();
    assert_eq!(keys, vec!["secret.txt".to_string()]);
    let buckets = c.list_buckets().send().await.expect("ListBuckets");
    let names: Vec<&str> = buckets.buckets().iter().filter_map(|b| b.name()).collect();
    assert_eq!(names, vec!["private"]);
}

#[tokio::test]
async fn presigned_urls() {
    let origin = Origin::start(6);
    let c = origin.client();
    create_bucket(&c, "pre").await;
    put_bytes(&c, "pre", "file.bin", b"presigned body").await;
    let http = reqwest::Client::new();

    let valid = c
        .get_object()
        .bucket("pre")
        .key("file.bin")
        .presigned(PresigningConfig::expires_in(Duration::from_secs(300)).expect("config"))
        .await
        .expect("presign");
    let r = http.get(valid.uri()).send().await.expect("GET presigned");
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.bytes().await.expect("body").as_ref(), b"presigned body");

    // Signed an hour ago, valid for a minute: expired.
    let expired = c
        .get_object()
        .bucket("pre")
        .key("file.bin")
        .presigned(
            PresigningConfig::builder()
                .start_time(SystemTime::now() - Duration::from_secs(3600))
                .expires_in(Duration::from_secs(60))
                .build()
                .expect("config"),
        )
        .await
        .expect("presign");
    let r = http.get(expired.uri()).send().await.expect("GET expired");
    let status = r.status().as_u16();
    let text = r.text().await.unwrap_or_default();
    assert_eq!(status, 403, "expired presigned URL: {text}");
    assert!(
        text.contains("<Code>AccessDenied</Code>"),
        "expired presigned URL: {text}"
    );

    // A presigned URL with a tampered signature (same length, one hex digit
    // changed): the signature no longer matches.
    let uri = valid.uri().to_string();
    let at = uri.find("X-Amz-Signature=").expect("signature in URL") + "X-Amz-Signature=".len();
    let flipped = if uri.as_bytes()[at] == b'0' { "1" } else { "0" };
    let tampered = format!("{}{}{}", &uri[..at], flipped, &uri[at + 1..]);
    let r = http.get(&tampered).send().await.expect("GET tampered");
    assert_eq!(r.status().as_u16(), 403);
    let text = r.text().await.unwrap_or_default();
    assert!(
        text.contains("<Code>SignatureDoesNotMatch</Code>"),
        "tampered presigned URL: {text}"
    );

    // Presigned PUT works and stores exactly the body.
    let put = c
        .put_object()
        .bucket("pre")
        .key("uploaded.txt")
        .presigned(PresigningConfig::expires_in(Duration::from_secs(300)).expect("config"))
        .await
        .expect("presign put");
    let r = http
        .put(put.uri())
        .body("uploaded via presigned URL")
        .send()
        .await
        .expect("PUT presigned");
    assert_eq!(
        r.status().as_u16(),
        200,
        "{}",
        r.text().await.unwrap_or_default()
    );
    assert_eq!(
        get_bytes(&c, "pre", "uploaded.txt").await,
        b"uploaded via presigned URL"
    );
}

#[tokio::test]
async fn invalid_bucket_names() {
    let origin = Origin::start(6);
    let c = origin.client();
    let long = "a".repeat(64);
    for name in [
        "Bad_Bucket",
        "ab",
        long.as_str(),
        "-leading-dash",
        "trailing-dash-",
        "double..dot",
        "192.168.1.1",
        "UPPERCASE",
    ] {
        let res = c.create_bucket().bucket(name).send().await;
        assert_s3_err(
            &format!("CreateBucket {name:?}"),
            res,
            400,
            Some("InvalidBucketName"),
        );
        // Same through a raw signed request (no SDK-side handling).
        let r = origin.signed("PUT", &format!("/{name}"), &[], &[]).await;
        assert_eq!(r.status, 400, "raw PUT /{name}: {}", r.text());
        assert_eq!(
            r.error_code().as_deref(),
            Some("InvalidBucketName"),
            "raw PUT /{name}: {}",
            r.text()
        );
    }
    // 3 and 63 characters are fine.
    let max = "b".repeat(63);
    create_bucket(&c, "abc").await;
    create_bucket(&c, &max).await;
    let list = c.list_buckets().send().await.expect("ListBuckets");
    let names: Vec<&str> = list.buckets().iter().filter_map(|b| b.name()).collect();
    assert_eq!(names, vec!["abc", max.as_str()]);
    let buckets_dir: Vec<String> = (0..6)
        .flat_map(|d| dir_names(&origin.drive_path(d).join("buckets")))
        .filter(|n| n != "abc" && *n != max)
        .collect();
    assert!(buckets_dir.is_empty(), "stray bucket dirs: {buckets_dir:?}");
}

/// Result of one hostile key: `Ok` when stored (and read back as
/// itself), `Err("<status> <code>")` when rejected with a 4xx S3 error.
type Outcome = Result<(), String>;

async fn try_key(origin: &Origin, key: &str, body: &[u8]) -> Outcome {
    let c = origin.client();
    let res = c
        .put_object()
        .bucket("keys")
        .key(key)
        .body(ByteStream::from(body.to_vec()))
        .send()
        .await;
    match res {
        Ok(_) => {
            let got = get_bytes(&c, "keys", key).await;
            assert_eq!(got, body, "key {key:?} stored but read back differently");
            let listed = list_all(&c, "keys", "").await;
            assert!(
                listed.iter().any(|l| l.key == key),
                "key {key:?} stored but not listed as itself: {:?}",
                listed.iter().map(|l| &l.key).collect::<Vec<_>>()
            );
            Ok(())
        }
        Err(e) => {
            let status = err_status(&e).unwrap_or(0);
            let code = err_code(&e);
            assert!(
                (400..500).contains(&status) && code.is_some(),
                "key {key:?}: expected success or a 4xx S3 error, got {status}: {}",
                DisplayErrorContext(&e)
            );
            Err(format!("{status} {}", code.unwrap_or_default()))
        }
    }
}

#[tokio::test]
async fn hostile_keys_stay_inside_the_drives() {
    let origin = Origin::start(6);
    let c = origin.client();
    create_bucket(&c, "keys").await;
    let marker = format!("gureum-escape-{}", std::process::id());

    let traversal = [
        "a/../../../etc/passwd".to_string(),
        "../../../../../../".to_string() + &marker,
        "../../../../../".to_string() + &marker + "-5",
        "./x/./y/.".to_string(),
        "..".to_string(),
        "%2e%2e/%2e%2e/%2e%2e/literal-percent".to_string(),
        "..\\..\\windows\\".to_string() + &marker,
        "trailing-slash/".to_string(),
    ];
    for key in &traversal {
        let outcome = try_key(&origin, key, key.as_bytes()).await;
        eprintln!("{key:?}: {outcome:?}");
    }

    // NUL in a key: stored as itself or rejected with a 4xx.
    let outcome = try_key(&origin, "nul\0byte", b"nul").await;
    eprintln!("NUL key: {outcome:?}");

    // 1024 bytes is the limit (bytes, not characters).
    let k1024 = "k".repeat(1024);
    let outcome = try_key(&origin, &k1024, b"1024").await;
    assert_eq!(outcome, Ok(()), "a key of exactly 1024 bytes");
    let k1024_utf8 = "가".repeat(341) + "a";
    assert_eq!(k1024_utf8.len(), 1024);
    let outcome = try_key(&origin, &k1024_utf8, b"utf8").await;
    assert_eq!(outcome, Ok(()), "a key of 1024 bytes, 342 characters");
    for key in ["k".repeat(1025), "가".repeat(342), "x".repeat(5000)] {
        let res = c
            .put_object()
            .bucket("keys")
            .key(&key)
            .body(ByteStream::from_static(b"long"))
            .send()
            .await;
        assert_s3_err(
            &format!("PutObject key of {} bytes", key.len()),
            res,
            400,
            Some("KeyTooLongError"),
        );
    }

    // Percent-encoded dot segments and slashes sent raw (the SDK would
    // encode the '%'): /keys/%2e%2e/... is the key "../..".
    let raw_targets = [
        (
            format!("/keys/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/{marker}-raw"),
            format!("../../../../../../{marker}-raw"),
        ),
        (
            format!("/keys/..%2f..%2f..%2f..%2f..%2f..%2f{marker}-raw2"),
            format!("../../../../../../{marker}-raw2"),
        ),
        (
            format!("/keys/%2E%2E/{marker}-raw3"),
            format!("../{marker}-raw3"),
        ),
    ];
    for (target, key) in &raw_targets {
        let r = origin.signed("PUT", target, &[], key.as_bytes()).await;
        eprintln!("raw PUT {target}: {} {:?}", r.status, r.error_code());
        if (200..300).contains(&r.status) {
            let got = get_bytes(&c, "keys", key).await;
            assert_eq!(
                got,
                key.as_bytes(),
                "raw PUT {target} stored, read back as {key:?}"
            );
        } else {
            assert!(
                (400..500).contains(&r.status) && r.error_code().is_some(),
                "raw PUT {target}: expected 2xx or a 4xx S3 error, got {}: {}",
                r.status,
                r.text()
            );
        }
        let g = origin.signed("GET", target, &[], &[]).await;
        assert!(
            g.status == 200 && g.body == key.as_bytes() || (400..500).contains(&g.status),
            "raw GET {target}: {} {}",
            g.status,
            g.text()
        );
    }

    // Nothing outside the drives and the meta dir.
    let root = origin.root().to_path_buf();
    assert_eq!(
        dir_names(&root),
        vec!["jail"],
        "files next to the jail in {}",
        root.display()
    );
    assert_eq!(dir_names(&origin.jail()), vec!["drives", "meta"]);
    for d in 0..6 {
        let drive = origin.drive_path(d);
        assert_eq!(
            dir_names(&drive),
            vec![".gureum", "buckets"],
            "drive {d} top level"
        );
        assert_eq!(
            dir_names(&drive.join("buckets")),
            vec!["keys"],
            "drive {d} buckets"
        );
    }
    let parent = root.parent().expect("tempdir parent");
    for entry in dir_names(parent) {
        assert!(
            !entry.contains(&marker),
            "{entry} escaped into {}",
            parent.display()
        );
    }
    // Inside the bucket's own directory the server may name files as it
    // likes; everywhere else no key may become a file name.
    let bucket_dirs: Vec<_> = (0..6)
        .map(|d| origin.drive_path(d).join("buckets").join("keys"))
        .collect();
    for path in walk(&root) {
        if bucket_dirs.iter().any(|b| path.starts_with(b)) {
            continue;
        }
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        assert!(
            !name.contains(&marker) && !name.contains("passwd") && !name.contains("windows"),
            "a key became a path: {}",
            path.display()
        );
    }
    assert_eq!(origin.http_get("/health/live").await.status, 200);
}

#[tokio::test]
async fn malformed_requests_get_s3_errors() {
    let origin = Origin::start(6);
    let c = origin.client();
    create_bucket(&c, "bad").await;
    put_bytes(&c, "bad", "keep", b"keep").await;

    // Malformed XML in DeleteObjects.
    let body = b"<Delete><Object><Key>keep</Key></Object";
    let md5 = content_md5(body);
    let r = origin
        .signed(
            "POST",
            "/bad?delete",
            &[("content-md5", md5.as_str())],
            body,
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(
        r.error_code().as_deref(),
        Some("MalformedXML"),
        "{}",
        r.text()
    );
    assert_eq!(get_bytes(&c, "bad", "keep").await, b"keep");

    // User metadata over S3's 2 KiB limit.
    let res = c
        .put_object()
        .bucket("bad")
        .key("big-meta")
        .metadata("blob", "m".repeat(3000))
        .body(ByteStream::from_static(b"x"))
        .send()
        .await;
    assert_s3_err(
        "PutObject with 3000 B of metadata",
        res,
        400,
        Some("MetadataTooLarge"),
    );
    let res = c.head_object().bucket("bad").key("big-meta").send().await;
    assert_s3_err("HeadObject after MetadataTooLarge", res, 404, None);
    assert_eq!(origin.http_get("/health/live").await.status, 200);
}
