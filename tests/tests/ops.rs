//! Operations surface: health and readiness, Prometheus metrics, the
//! command line (`--help`, one-line errors on bad config) and refusing a
//! drive in the wrong position.

use std::time::{Duration, Instant};

use aws_sdk_s3::primitives::ByteStream;
use gureum_tests::*;

#[tokio::test]
async fn health_and_metrics() {
    let origin = Origin::start(6);
    let live = origin.http_get("/health/live").await;
    assert_eq!(live.status, 200, "{}", live.text());
    let ready = origin.http_get("/health/ready").await;
    assert_eq!(ready.status, 200, "{}", ready.text());

    // Some traffic so counters exist.
    let c = origin.client();
    create_bucket(&c, "mtr").await;
    put_bytes(&c, "mtr", "k", b"hello").await;
    get_bytes(&c, "mtr", "k").await;

    let m = origin.http_get("/metrics").await;
    assert_eq!(m.status, 200, "{}", m.text());
    let ctype = m.header("content-type").unwrap_or_default().to_string();
    assert!(
        ctype.starts_with("text/plain"),
        "metrics Content-Type {ctype:?}"
    );
    let text = m.text();
    let samples: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .collect();
    assert!(!samples.is_empty(), "no samples in /metrics:\n{text}");
    for line in &samples {
        assert!(
            line.starts_with("gureum_origin_"),
            "metric name without the gureum_origin_ prefix: {line}"
        );
        let value = line.rsplit(' ').next().unwrap_or_default();
        assert!(
            value.parse::<f64>().is_ok(),
            "sample value not a number: {line}"
        );
    }
}

#[tokio::test]
async fn ready_is_503_without_write_quorum() {
    let origin = Origin::start(6);
    let c = origin.client();
    create_bucket(&c, "quorum").await;
    put_bytes(&c, "quorum", "before", b"before").await;
    // Three drives become unusable: their directories are replaced by
    // plain files, so nothing can be read from or written to them.
    for d in [0, 2, 4] {
        let p = origin.drive_path(d);
        std::fs::remove_dir_all(&p).expect("remove drive");
        std::fs::write(&p, b"not a drive").expect("replace drive by a file");
    }
    let live = origin.http_get("/health/live").await;
    assert_eq!(live.status, 200, "live must not depend on drives");
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut last = 0;
    while Instant::now() < deadline {
        last = origin.http_get("/health/ready").await.status;
        if last == 503 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(
        last, 503,
        "/health/ready with 3 of 6 drives gone (write quorum is 4)"
    );

    // Writes fail with a 503 and leave nothing visible.
    let res = c
        .put_object()
        .bucket("quorum")
        .key("during")
        .body(ByteStream::from(random_bytes(1, 100 * KIB)))
        .send()
        .await;
    match res {
        Ok(v) => panic!("PUT without write quorum succeeded: {v:?}"),
        Err(e) => assert_eq!(
            err_status(&e),
            Some(503),
            "PUT without write quorum: {}",
            aws_sdk_s3::error::DisplayErrorContext(&e)
        ),
    }
    let keys: Vec<String> = list_all(&c, "quorum", "")
        .await
        .into_iter()
        .map(|l| l.key)
        .collect();
    assert_eq!(keys, vec!["before".to_string()]);
    let res = c.head_object().bucket("quorum").key("during").send().await;
    assert_s3_err("HEAD of the failed PUT", res, 404, None);
}

#[test]
fn help_exits_zero() {
    let (status, stdout, stderr) = run_with_timeout(
        std::process::Command::new(origin_bin()).arg("--help"),
        Duration::from_secs(30),
    );
    assert!(status.success(), "--help: {status}\n{stderr}");
    for word in ["serve", "reindex", "heal"] {
        assert!(
            stdout.contains(word),
            "--help does not mention {word}:\n{stdout}"
        );
    }
    let (status, stdout, stderr) = run_with_timeout(
        std::process::Command::new(origin_bin()).args(["serve", "--help"]),
        Duration::from_secs(30),
    );
    assert!(status.success(), "serve --help: {status}\n{stderr}");
    for flag in [
        "--listen",
        "--drive",
        "--parity",
        "--meta-dir",
        "--region",
        "--config",
    ] {
        assert!(
            stdout.contains(flag),
            "serve --help does not mention {flag}:\n{stdout}"
        );
    }
}

#[test]
fn parity_as_large_as_the_drive_count_is_refused() {
    let origin = Origin::create(OriginOptions {
        drives: 6,
        parity: Some(6),
        extra_args: vec![],
        env: vec![],
    });
    assert_one_line_failure(
        origin.serve_command(),
        "serve --parity 6 with 6 drives",
        &["parity"],
    );
}

#[test]
fn missing_root_credentials_are_refused() {
    let origin = Origin::create(OriginOptions::drives(6));
    let mut cmd = origin.serve_command();
    cmd.env_remove("GUREUM_ROOT_ACCESS_KEY")
        .env_remove("GUREUM_ROOT_SECRET_KEY");
    assert_one_line_failure(
        cmd,
        "serve without root credentials",
        &["gureum_root", "credential"],
    );
}

#[tokio::test]
async fn drives_in_the_wrong_order_are_refused() {
    let mut origin = Origin::start(6);
    let c = origin.client();
    create_bucket(&c, "order").await;
    let data = random_bytes(5, 2 * MIB);
    put_bytes(&c, "order", "k", &data).await;
    origin.kill9();

    // Swap d0 and d1 on the command line.
    let mut cmd = std::process::Command::new(origin_bin());
    cmd.arg("serve").arg("--listen").arg("127.0.0.1:0");
    for i in [1, 0, 2, 3, 4, 5] {
        cmd.arg("--drive").arg(origin.drive_path(i));
    }
    cmd.arg("--meta-dir").arg(origin.meta_dir());
    let (ak, sk) = origin.creds();
    cmd.env("GUREUM_ROOT_ACCESS_KEY", ak)
        .env("GUREUM_ROOT_SECRET_KEY", sk);
    let (status, stdout, stderr) = run_with_timeout(&mut cmd, Duration::from_secs(30));
    assert!(
        !status.success() && !stdout.contains(READY_PREFIX),
        "swapped drives were accepted ({status})\nstdout: {stdout}\nstderr: {stderr}"
    );
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(!lines.is_empty(), "no reason given on stderr");

    // In the right order everything is still there.
    origin.start_again();
    assert!(get_bytes(&origin.client(), "order", "k").await == data);
}
