//! HTTPS on both binaries: the origin and the edge behind certificates from
//! `gureum-origin tls-self-signed`, aws-sdk-s3 and curl (`--cacert`) as
//! clients, HTTP/2 by ALPN, the edge -> origin hop over TLS, refusals (an
//! untrusted CA, a wrong `[origin] ca_file`, TLS 1.1, plain HTTP to an HTTPS
//! port, bad certificate files), and a certificate replaced while a download
//! is in flight.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use gureum_tests::edge::{Dist, Edge, EdgeOptions, edge_bin};
use gureum_tests::tls::{TlsPair, curl, presented_serial, s3_client_trusting, self_signed};
use gureum_tests::{Origin, OriginOptions, create_bucket, put_bytes};

fn tls_origin(pair: &TlsPair) -> Origin {
    let mut opts = OriginOptions::drives(4);
    opts.extra_args = vec![
        "--tls-cert".into(),
        pair.cert.display().to_string(),
        "--tls-key".into(),
        pair.key.display().to_string(),
    ];
    Origin::start_with(opts)
}

/// Polls the certificate `addr` presents until its serial is no longer
/// `old` (at most 15 s); returns the new one, or `old` when it never changed.
fn wait_for_new_serial(addr: &str, old: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut now = presented_serial(addr);
    while now == old && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(250));
        now = presented_serial(addr);
    }
    now
}

fn text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[tokio::test]
async fn origin_speaks_https_with_h2_and_refuses_what_it_should() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pair = self_signed(dir.path(), &["localhost", "127.0.0.1"]);
    let origin = tls_origin(&pair);
    let url = origin.base_url();
    assert!(url.starts_with("https://"), "{url}");
    let (ak, sk) = origin.creds();

    let s3 = s3_client_trusting(&url, (&ak, &sk), &pair.ca);
    create_bucket(&s3, "tls").await;
    let body = b"over TLS".repeat(1000);
    put_bytes(&s3, "tls", "a.bin", &body).await;
    let got = s3
        .get_object()
        .bucket("tls")
        .key("a.bin")
        .send()
        .await
        .expect("GetObject over TLS")
        .body
        .collect()
        .await
        .expect("body")
        .into_bytes();
    assert_eq!(&got[..], &body[..]);

    // HTTP/2 by ALPN, and HTTP/1.1 for clients that ask for it.
    let ca = pair.ca.display().to_string();
    let live = format!("{url}/health/live");
    let h2 = curl(&[
        "--cacert",
        &ca,
        "--http2",
        "-o",
        "/dev/null",
        "-w",
        "%{http_version}",
        &live,
    ]);
    assert!(h2.status.success(), "{}", text(&h2));
    assert_eq!(String::from_utf8_lossy(&h2.stdout), "2");
    let h1 = curl(&[
        "--cacert",
        &ca,
        "--http1.1",
        "-o",
        "/dev/null",
        "-w",
        "%{http_version}",
        &live,
    ]);
    assert_eq!(String::from_utf8_lossy(&h1.stdout), "1.1", "{}", text(&h1));

    // Refusals: a client that does not trust the CA, TLS 1.1, plain HTTP.
    let untrusted = curl(&["-o", "/dev/null", &live]);
    assert_eq!(
        untrusted.status.code(),
        Some(60),
        "untrusted CA: {}",
        text(&untrusted)
    );
    // TLS 1.1 offered by a client willing to use it (SECLEVEL=0): the
    // server answers with an alert; TLS 1.2 alone is accepted.
    let s_client = |version: &str| {
        let out = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "openssl s_client -connect {} {version} -cipher 'DEFAULT@SECLEVEL=0' </dev/null 2>&1",
                origin.addr()
            ))
            .output()
            .expect("run openssl");
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    let old = s_client("-tls1_1");
    assert!(
        old.contains("alert"),
        "TLS 1.1 must be refused by the server: {old}"
    );
    let v12 = s_client("-tls1_2");
    assert!(
        v12.contains("Protocol  : TLSv1.2"),
        "TLS 1.2 must be accepted: {v12}"
    );
    let plain = curl(&[
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "--max-time",
        "5",
        &format!("http://{}/health/live", origin.addr()),
    ]);
    assert_ne!(
        String::from_utf8_lossy(&plain.stdout),
        "200",
        "plain HTTP on the TLS port"
    );
    // The server still serves after all that.
    let again = curl(&[
        "--cacert",
        &ca,
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        &live,
    ]);
    assert_eq!(String::from_utf8_lossy(&again.stdout), "200");
}

#[tokio::test]
async fn bad_certificate_files_are_refused_at_start_naming_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pair = self_signed(dir.path(), &["localhost"]);
    let garbage = dir.path().join("garbage.pem");
    std::fs::write(&garbage, "not a pem").expect("write");
    let other = tempfile::tempdir().expect("tempdir");
    let other_pair = self_signed(other.path(), &["localhost"]);
    let cases = [
        (
            "missing cert",
            dir.path().join("nope.pem"),
            pair.key.clone(),
            "nope.pem",
        ),
        (
            "garbage cert",
            garbage.clone(),
            pair.key.clone(),
            "garbage.pem",
        ),
        (
            "garbage key",
            pair.cert.clone(),
            garbage.clone(),
            "garbage.pem",
        ),
        (
            "key of another cert",
            pair.cert.clone(),
            other_pair.key.clone(),
            "key.pem",
        ),
    ];
    for (name, cert, key, want) in cases {
        let origin = Origin::create(OriginOptions::drives(4));
        let mut cmd = origin.serve_command();
        cmd.arg("--tls-cert").arg(&cert).arg("--tls-key").arg(&key);
        let out = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output()
            .expect("run origin");
        let msg = text(&out);
        assert!(!out.status.success(), "{name}: started anyway: {msg}");
        assert!(
            msg.contains(want),
            "{name}: message does not name {want}: {msg}"
        );
        assert!(!msg.contains("listening on"), "{name}: {msg}");
    }
    // Half a pair is a flag error.
    let origin = Origin::create(OriginOptions::drives(4));
    let out = origin
        .serve_command()
        .arg("--tls-cert")
        .arg(&pair.cert)
        .output()
        .expect("run origin");
    assert!(!out.status.success());
    assert!(text(&out).contains("--tls-key"), "{}", text(&out));
}

#[tokio::test]
async fn edge_pulls_from_an_https_origin_and_serves_https() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pair = self_signed(dir.path(), &["localhost", "127.0.0.1"]);
    let origin = tls_origin(&pair);
    let (ak, sk) = origin.creds();
    let s3 = s3_client_trusting(&origin.base_url(), (&ak, &sk), &pair.ca);
    create_bucket(&s3, "media").await;
    let body = vec![7u8; 300_000];
    put_bytes(&s3, "media", "video/a.bin", &body).await;

    let mut opts = EdgeOptions::new(vec![Dist::new("media", "video/")]);
    opts.origin_ca_file = Some(pair.ca.clone());
    opts.tls = Some((pair.cert.clone(), pair.key.clone()));
    let edge = Edge::start(&origin, opts);
    let url = format!("{}/media/video/a.bin", edge.base_url());
    assert!(url.starts_with("https://"), "{url}");
    let ca = pair.ca.display().to_string();
    let out_file = dir.path().join("got.bin");
    let out_path = out_file.display().to_string();
    for want in ["MISS", "HIT"] {
        let got = curl(&["--cacert", &ca, "--http2", "-D", "-", "-o", &out_path, &url]);
        let head = String::from_utf8_lossy(&got.stdout).to_string();
        assert!(got.status.success(), "{}", text(&got));
        assert!(head.starts_with("HTTP/2 200"), "{head}");
        assert!(
            head.to_ascii_lowercase()
                .contains(&format!("x-cache: {}", want.to_ascii_lowercase())),
            "want {want}: {head}"
        );
        assert_eq!(std::fs::read(&out_file).expect("read"), body);
    }
    // Outside the distribution: the fallback proxy goes over TLS too.
    let s3_edge = s3_client_trusting(&edge.base_url(), (&ak, &sk), &pair.ca);
    put_bytes(&s3_edge, "media", "docs/x.txt", b"through the edge").await;
    let got = s3
        .get_object()
        .bucket("media")
        .key("docs/x.txt")
        .send()
        .await
        .expect("GetObject");
    assert_eq!(
        &got.body.collect().await.expect("body").into_bytes()[..],
        b"through the edge"
    );
}

#[tokio::test]
async fn edge_refuses_an_origin_its_ca_does_not_sign() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pair = self_signed(dir.path(), &["localhost", "127.0.0.1"]);
    let other = tempfile::tempdir().expect("tempdir");
    let wrong = self_signed(other.path(), &["localhost", "127.0.0.1"]);
    let origin = tls_origin(&pair);
    let (ak, sk) = origin.creds();
    let cache = tempfile::tempdir().expect("tempdir");
    let config = cache.path().join("edge.toml");
    let write = |ca: Option<&std::path::Path>, url: &str| {
        let ca_line = ca
            .map(|p| format!("ca_file = {:?}\n", p.display().to_string()))
            .unwrap_or_default();
        std::fs::write(
            &config,
            format!(
                "listen = \"127.0.0.1:0\"\n[origin]\nurl = \"{url}\"\naccess_key = \"{ak}\"\n\
                 secret_key = \"{sk}\"\n{ca_line}[cache]\ndisk_dir = \"{}\"\n\
                 [[distribution]]\nbucket = \"media\"\n",
                cache.path().join("c").display()
            ),
        )
        .expect("write config");
    };
    // Bounded: an edge that wrongly starts would otherwise run forever.
    let run = || {
        Command::new("timeout")
            .arg("20")
            .arg(edge_bin())
            .arg("serve")
            .arg("--config")
            .arg(&config)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output()
            .expect("run edge")
    };
    let https = origin.base_url();
    // A CA that did not sign the origin's certificate, and the system
    // roots (which know nothing of a private CA): both refused at start.
    for (name, ca) in [
        ("wrong CA", Some(wrong.ca.as_path())),
        ("system roots", None),
    ] {
        write(ca, &https);
        let out = run();
        let msg = text(&out);
        assert!(!out.status.success(), "{name}: edge started: {msg}");
        assert!(msg.contains("TLS verification"), "{name}: {msg}");
        assert!(msg.contains("ca_file"), "{name}: says what to set: {msg}");
    }
    // A ca_file with an http:// origin is a config error, not ignored.
    write(Some(&pair.ca), &format!("http://{}", origin.addr()));
    let out = run();
    assert!(!out.status.success());
    assert!(text(&out).contains("ca_file"), "{}", text(&out));
}

#[tokio::test]
async fn certificate_is_replaced_without_dropping_a_download() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pair = self_signed(dir.path(), &["localhost", "127.0.0.1"]);
    let origin = tls_origin(&pair);
    let (ak, sk) = origin.creds();
    let s3 = s3_client_trusting(&origin.base_url(), (&ak, &sk), &pair.ca);
    create_bucket(&s3, "big").await;
    let body: Vec<u8> = (0..24u32 << 20).map(|i| (i % 251) as u8).collect();
    put_bytes(&s3, "big", "blob", &body).await;
    let presigned = s3
        .get_object()
        .bucket("big")
        .key("blob")
        .presigned(
            aws_sdk_s3::presigning::PresigningConfig::expires_in(Duration::from_secs(600))
                .expect("presign config"),
        )
        .await
        .expect("presign")
        .uri()
        .to_string();
    let addr = origin.addr().to_string();
    let before = presented_serial(&addr);

    // A slow download (about 6 s) started with the old certificate.
    let saved = dir.path().join("download.bin");
    let old_ca = dir.path().join("old-ca.pem");
    std::fs::copy(&pair.ca, &old_ca).expect("keep the old CA");
    let mut download = Command::new("curl")
        .args(["-sS", "--limit-rate", "4M", "--cacert"])
        .arg(&old_ca)
        .arg("-o")
        .arg(&saved)
        .arg(&presigned)
        .spawn()
        .expect("start curl");
    std::thread::sleep(Duration::from_millis(500));

    // New files in place: picked up by the file watch, no signal sent.
    let fresh = self_signed(dir.path(), &["localhost", "127.0.0.1"]);
    let after = wait_for_new_serial(&addr, &before);
    assert_ne!(after, before, "certificate not reloaded from changed files");
    let status = download.wait().expect("wait curl");
    assert!(
        status.success(),
        "download in flight failed across the reload"
    );
    assert_eq!(std::fs::read(&saved).expect("read"), body);

    // New connections verify against the new CA only.
    let live = format!("{}/health/live", origin.base_url());
    let new_ok = curl(&[
        "--cacert",
        &fresh.ca.display().to_string(),
        "-o",
        "/dev/null",
        &live,
    ]);
    assert!(new_ok.status.success(), "{}", text(&new_ok));
    let old_refused = curl(&[
        "--cacert",
        &old_ca.display().to_string(),
        "-o",
        "/dev/null",
        &live,
    ]);
    assert_eq!(
        old_refused.status.code(),
        Some(60),
        "{}",
        text(&old_refused)
    );

    // SIGHUP reloads too (and does not end the process, SIGHUP's default).
    let serial_now = after;
    let third_dir = tempfile::tempdir().expect("tempdir");
    let third = self_signed(third_dir.path(), &["localhost", "127.0.0.1"]);
    std::fs::copy(&third.cert, &pair.cert).expect("copy cert");
    std::fs::copy(&third.key, &pair.key).expect("copy key");
    let pid = origin.pid().expect("pid").to_string();
    let hup = Command::new("kill")
        .args(["-HUP", &pid])
        .status()
        .expect("kill");
    assert!(hup.success());
    let last = wait_for_new_serial(&addr, &serial_now);
    assert_ne!(last, serial_now, "not reloaded after SIGHUP");
    let metrics = curl(&[
        "--cacert",
        &third.ca.display().to_string(),
        &format!("{}/metrics", origin.base_url()),
    ]);
    let m = String::from_utf8_lossy(&metrics.stdout);
    assert!(
        m.lines()
            .any(|l| l.starts_with("gureum_origin_tls_reloads_total{outcome=\"ok\"}")),
        "{m}"
    );
}
