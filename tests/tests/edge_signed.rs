//! Private distributions: `signed = true` with `[[distribution.key]]`
//! means every request needs a CloudFront-style signed URL or signed
//! cookies, checked before the cache. Grants are made by the real
//! `gureum-edge sign` command; refusals (missing, expired, not yet valid,
//! tampered signature, tampered path, unknown key id, another key, wrong
//! IP, outside the folder) get 403 AccessDenied and never reach the cache
//! or the origin; grants of different viewers share one cached copy.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use gureum_tests::edge::{Dist, Edge, EdgeOptions, edge_bin, metric_value};
use gureum_tests::*;

fn testdata(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../edge/src/signed/testdata")
        .join(name)
}

/// `gureum-edge sign` with `args`; (exit code, stdout line, stderr).
fn sign(edge: &Edge, key: &str, args: &[&str]) -> (i32, String, String) {
    let mut cmd = Command::new(edge_bin());
    cmd.arg("sign")
        .arg("--config")
        .arg(edge.config_path())
        .arg("--key-id")
        .arg("K1")
        .arg("--private-key")
        .arg(testdata(key))
        .args(args);
    let (status, out, err) = run_with_timeout(&mut cmd, Duration::from_secs(20));
    (status.code().unwrap_or(-1), out.trim().to_string(), err)
}

fn signed_url(edge: &Edge, path: &str, args: &[&str]) -> String {
    let url = format!("{}{path}", edge.base_url());
    let mut all = vec!["--url", url.as_str()];
    all.extend_from_slice(args);
    let (code, out, err) = sign(edge, "rsa_pkcs8.pem", &all);
    assert_eq!(code, 0, "sign failed: {err}");
    assert!(out.starts_with(&url), "{out}");
    out
}

/// The part of a URL after the authority.
fn target(edge: &Edge, url: &str) -> String {
    url.strip_prefix(&edge.base_url())
        .unwrap_or_else(|| panic!("{url} is not on the edge"))
        .to_string()
}

fn replace_param(target: &str, name: &str, value: &str) -> String {
    let (path, query) = target.split_once('?').expect("query");
    let parts: Vec<String> = query
        .split('&')
        .map(|p| match p.split_once('=') {
            Some((n, _)) if n == name => format!("{n}={value}"),
            _ => p.to_string(),
        })
        .collect();
    format!("{path}?{}", parts.join("&"))
}

fn param<'a>(target: &'a str, name: &str) -> &'a str {
    target
        .split_once('?')
        .expect("query")
        .1
        .split('&')
        .find_map(|p| p.strip_prefix(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} in {target}"))
}

fn assert_denied(r: &RawResponse, detail: &str, what: &str) {
    assert_eq!(r.status, 403, "{what}: {}", r.text());
    assert_eq!(r.error_code().as_deref(), Some("AccessDenied"), "{what}");
    let cs = r.header("cache-status").unwrap_or_default();
    assert!(cs.contains(&format!("detail={detail}")), "{what}: {cs}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn signed_urls_and_cookies_guard_a_private_distribution() {
    let origin = Origin::start(4);
    let c = origin.client();
    create_bucket(&c, "media").await;
    let video = random_bytes(7, 2 * MIB + 5);
    put_bytes(&c, "media", "paid/a.bin", &video).await;
    put_bytes(&c, "media", "paid/b.bin", b"other").await;
    put_bytes(&c, "media", "free/x.bin", b"free").await;
    let playlist = b"#EXTM3U\n#EXTINF:2,\nseg0.ts\n#EXTINF:2,\nseg1.ts\n".to_vec();
    put_bytes(&c, "media", "paid/hls/course1/index.m3u8", &playlist).await;
    for i in 0..2 {
        put_bytes(
            &c,
            "media",
            &format!("paid/hls/course1/seg{i}.ts"),
            &random_bytes(20 + i, 100_000),
        )
        .await;
    }
    put_bytes(&c, "media", "paid/hls/course2/index.m3u8", b"#EXTM3U\n").await;
    let edge = Edge::start(
        &origin,
        EdgeOptions::new(vec![
            Dist::new("media", "paid/").signed_by("K1", &testdata("rsa_public.pem")),
            Dist::new("media", "free/"),
        ]),
    );
    let fetches = || async { edge.metric("gureum_edge_origin_fetches_total").await };

    // A public distribution next to it needs nothing.
    let free = edge.get("/media/free/x.bin", &[]).await;
    assert_eq!(free.status, 200);

    // Nothing signed: refused before the cache, for GET and HEAD, and for
    // requests the cache would send to the origin (a sub-resource query).
    let before = fetches().await;
    assert_denied(
        &edge.get("/media/paid/a.bin", &[]).await,
        "signature-missing",
        "unsigned",
    );
    let head = edge.request("HEAD", "/media/paid/a.bin", &[], b"").await;
    assert_eq!(head.status, 403);
    assert!(head.body.is_empty());
    assert_denied(
        &edge.get("/media/paid/a.bin?tagging", &[]).await,
        "signature-missing",
        "unsigned sub-resource",
    );
    assert_eq!(
        fetches().await,
        before,
        "a refusal must not reach the origin"
    );

    // A canned URL: served, and another viewer's URL (another expiry, so
    // another signature) is a hit on the same copy.
    let t1 = target(
        &edge,
        &signed_url(&edge, "/media/paid/a.bin", &["--expires-in", "600"]),
    );
    let r = edge.get(&t1, &[]).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.body, video);
    assert_eq!(r.header("x-cache"), Some("MISS"));
    let t2 = target(
        &edge,
        &signed_url(&edge, "/media/paid/a.bin", &["--expires-in", "900"]),
    );
    assert_ne!(param(&t1, "Signature"), param(&t2, "Signature"));
    let r = edge.get(&t2, &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("x-cache"),
        Some("HIT"),
        "one copy for every viewer"
    );
    assert_eq!(r.body, video);
    let fetched = fetches().await;
    assert!(fetched - before >= 1.0, "the miss fetched from the origin");

    // Refusals of a URL grant.
    let expired = target(
        &edge,
        &signed_url(&edge, "/media/paid/a.bin", &["--expires-in", "0"]),
    );
    assert_denied(
        &edge.get(&expired, &[]).await,
        "signature-expired",
        "expired",
    );
    let sig = param(&t1, "Signature");
    let flipped: String = sig
        .chars()
        .enumerate()
        .map(|(i, ch)| {
            if i == 10 {
                if ch == 'A' { 'B' } else { 'A' }
            } else {
                ch
            }
        })
        .collect();
    assert_denied(
        &edge
            .get(&replace_param(&t1, "Signature", &flipped), &[])
            .await,
        "signature-bad",
        "tampered signature",
    );
    assert_denied(
        &edge
            .get(&replace_param(&t1, "Expires", "4102444800"), &[])
            .await,
        "signature-bad",
        "tampered expiry",
    );
    let other_path = t1.replacen("/media/paid/a.bin", "/media/paid/b.bin", 1);
    assert_denied(
        &edge.get(&other_path, &[]).await,
        "signature-bad",
        "tampered path",
    );
    assert_denied(
        &edge
            .get(&replace_param(&t1, "Key-Pair-Id", "K2"), &[])
            .await,
        "signature-unknown-key",
        "unknown key id",
    );
    let (code, other_key, err) = sign(
        &edge,
        "rsa_other_pkcs8.pem",
        &["--url", &format!("{}/media/paid/a.bin", edge.base_url())],
    );
    assert_eq!(code, 0, "{err}");
    assert_denied(
        &edge.get(&target(&edge, &other_key), &[]).await,
        "signature-bad",
        "signed with a key the distribution does not trust",
    );

    // Custom policies: a validity window and an address.
    let later = target(
        &edge,
        &signed_url(
            &edge,
            "/media/paid/a.bin",
            &[
                "--policy-resource",
                &format!("{}/media/paid/*", edge.base_url()),
                "--not-before-in",
                "3600",
                "--expires-in",
                "7200",
            ],
        ),
    );
    assert_denied(
        &edge.get(&later, &[]).await,
        "signature-not-yet-valid",
        "not yet valid",
    );
    for (cidr, ok) in [("10.1.2.3/32", false), ("127.0.0.0/8", true)] {
        let t = target(
            &edge,
            &signed_url(
                &edge,
                "/media/paid/a.bin",
                &[
                    "--policy-resource",
                    &format!("{}/media/paid/a.bin", edge.base_url()),
                    "--ip",
                    cidr,
                ],
            ),
        );
        let r = edge.get(&t, &[]).await;
        if ok {
            assert_eq!(r.status, 200, "{cidr}: {}", r.text());
        } else {
            assert_denied(&r, "signature-wrong-ip", cidr);
        }
    }

    // One cookie set for a whole HLS folder: the playlist and every segment.
    let folder = format!("{}/media/paid/hls/course1/*", edge.base_url());
    let (code, cookie, err) = sign(
        &edge,
        "rsa_pkcs8.pem",
        &[
            "--url",
            &format!("{}/media/paid/hls/course1/index.m3u8", edge.base_url()),
            "--policy-resource",
            &folder,
            "--cookies",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let cookie = cookie
        .strip_prefix("Cookie: ")
        .expect("a Cookie: line")
        .to_string();
    assert!(cookie.contains("CloudFront-Policy="), "{cookie}");
    let with = [("cookie", cookie.as_str())];
    let r = edge.get("/media/paid/hls/course1/index.m3u8", &with).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.body, playlist);
    for i in 0..2 {
        let r = edge
            .get(&format!("/media/paid/hls/course1/seg{i}.ts"), &with)
            .await;
        assert_eq!(r.status, 200, "segment {i}");
        assert_eq!(r.body.len(), 100_000);
    }
    assert_denied(
        &edge.get("/media/paid/hls/course2/index.m3u8", &with).await,
        "signature-wrong-resource",
        "another course with course1's cookies",
    );
    // A URL grant decides alone, even beside valid cookies (CloudFront).
    assert_denied(
        &edge
            .get(
                &format!(
                    "/media/paid/hls/course1/seg0.ts?{}",
                    t1.split_once('?').expect("q").1
                ),
                &with,
            )
            .await,
        "signature-bad",
        "URL parameters win over cookies",
    );

    let m = edge.metrics().await;
    assert!(
        metric_value(&m, "gureum_edge_signed_requests_total{outcome=\"allowed\"}") >= 6.0,
        "{m}"
    );
    assert!(
        metric_value(
            &m,
            "gureum_edge_signed_requests_total{outcome=\"signature-missing\"}"
        ) >= 3.0,
        "{m}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_signing_setups_are_refused_with_one_line() {
    let origin = Origin::start(4);
    let edge = Edge::start(
        &origin,
        EdgeOptions::new(vec![
            Dist::new("media", "paid/").signed_by("K1", &testdata("rsa_public.pem")),
            Dist::new("media", "free/"),
        ]),
    );
    let base = edge.base_url();
    let cases: [(&str, Vec<String>, &str); 5] = [
        (
            "rsa_pkcs8.pem",
            vec!["--url".into(), format!("{base}/media/free/x")],
            "not signed = true",
        ),
        (
            "rsa_pkcs8.pem",
            vec!["--url".into(), format!("{base}/other/x")],
            "under no distribution",
        ),
        (
            "rsa_public.pem",
            vec!["--url".into(), format!("{base}/media/paid/x")],
            "--private-key",
        ),
        (
            "missing.pem",
            vec!["--url".into(), format!("{base}/media/paid/x")],
            "cannot read --private-key",
        ),
        (
            "rsa_pkcs8.pem",
            vec![
                "--url".into(),
                format!("{base}/media/paid/x"),
                "--ip".into(),
                "10.0.0.1".into(),
            ],
            "--policy-resource",
        ),
    ];
    for (key, args, want) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, out, err) = sign(&edge, key, &args);
        assert_eq!(code, 2, "{args:?}: {out}");
        assert!(err.contains(want), "{args:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
    }

    // Config mistakes stop `serve` with the distribution or file named.
    let dir = tempfile::tempdir().expect("tempdir");
    let head = "[origin]\nurl = \"http://127.0.0.1:1\"\naccess_key = \"a\"\nsecret_key = \"b\"\n\
                [cache]\ndisk_dir = \"c\"\n[[distribution]]\nbucket = \"media\"\nprefix = \"paid/\"\n";
    let public = testdata("rsa_public.pem").display().to_string();
    let private = testdata("rsa_pkcs8.pem").display().to_string();
    let small = testdata("rsa1024_public.pem").display().to_string();
    let cases = [
        (
            format!("{head}signed = true\n"),
            "needs at least one [[distribution.key]]",
        ),
        (
            format!("{head}[[distribution.key]]\nid = \"K1\"\npublic_key_file = {public:?}\n"),
            "signed is not true",
        ),
        (
            format!(
                "{head}signed = true\n[[distribution.key]]\nid = \"K1\"\npublic_key_file = \"nope.pem\"\n"
            ),
            "nope.pem",
        ),
        (
            format!(
                "{head}signed = true\n[[distribution.key]]\nid = \"K1\"\npublic_key_file = {private:?}\n"
            ),
            "rsa_pkcs8.pem",
        ),
        (
            format!(
                "{head}signed = true\n[[distribution.key]]\nid = \"K1\"\npublic_key_file = {small:?}\n"
            ),
            "2048",
        ),
        (
            format!(
                "{head}signed = true\n[[distribution.key]]\nid = \"K1\"\npublic_key_file = {public:?}\n\
                 [[distribution.key]]\nid = \"K1\"\npublic_key_file = {public:?}\n"
            ),
            "listed twice",
        ),
    ];
    for (i, (text, want)) in cases.iter().enumerate() {
        let path = dir.path().join(format!("c{i}.toml"));
        std::fs::write(&path, text).expect("write config");
        let (status, _, err) = run_with_timeout(
            Command::new(edge_bin())
                .arg("serve")
                .arg("--config")
                .arg(&path),
            Duration::from_secs(20),
        );
        assert_eq!(status.code(), Some(2), "{text}");
        assert!(err.contains(want), "{text}\n{err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
    }
}
