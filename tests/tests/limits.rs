//! Connection hygiene on both binaries, configured through their `[limits]`
//! tables: a slow header (one byte a second), a connection that says
//! nothing and an idle keep-alive are cut off at the header deadline; a
//! stalled upload body gets 400 RequestTimeout; the per-client connection
//! cap closes the extra connections while another client is served;
//! header sections over the limit get 400 RequestHeaderSectionTooLarge
//! while an SDK-sized request with 150 `x-amz-meta-*` headers passes; a
//! PUT announcing more than 5 GiB gets EntityTooLarge before any body; an
//! oversized XML body gets MaxMessageLengthExceeded. Each hit is counted
//! in `/metrics`.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use gureum_tests::edge::{Dist, Edge, EdgeOptions, metric_value};
use gureum_tests::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

const LIMITS: &str = "[limits]\nheader_read_timeout_secs = 2\nbody_read_timeout_secs = 2\n\
                      max_connections_per_ip = 6\nmax_headers = 200\n\
                      max_xml_body_bytes = 65536\n";

fn origin_with_limits() -> Origin {
    let dir = tempfile::tempdir().expect("tempdir").keep();
    let path = dir.join("origin.toml");
    std::fs::write(&path, LIMITS).expect("write config");
    let mut opts = OriginOptions::drives(4);
    opts.extra_args = vec!["--config".into(), path.display().to_string()];
    Origin::start_with(opts)
}

/// Reads until the server closes; (bytes read, how long it took).
async fn until_closed(stream: &mut TcpStream, limit: Duration) -> (Vec<u8>, Duration) {
    let started = Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(
            limit.saturating_sub(started.elapsed()),
            stream.read(&mut buf),
        )
        .await
        {
            Ok(Ok(0)) | Ok(Err(_)) => return (got, started.elapsed()),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Err(_) => panic!(
                "still open after {limit:?}; read {:?}",
                String::from_utf8_lossy(&got)
            ),
        }
    }
}

/// Sends `head` one byte a second from its own task; the connection should
/// be gone long before it finishes.
async fn slow_header_is_cut(addr: SocketAddr) -> Duration {
    let mut s = TcpStream::connect(addr).await.expect("connect");
    let head = b"GET /health/live HTTP/1.1\r\nhost: x\r\nx-slow: aaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
    let started = Instant::now();
    for b in head {
        if s.write_all(&[*b]).await.is_err() {
            break;
        }
        let mut buf = [0u8; 64];
        if let Ok(r) = tokio::time::timeout(Duration::from_secs(1), s.read(&mut buf)).await {
            match r {
                Ok(0) | Err(_) => return started.elapsed(),
                Ok(_) => panic!("the slow request was answered"),
            }
        }
        if started.elapsed() > Duration::from_secs(15) {
            panic!("a one-byte-a-second header was not cut off");
        }
    }
    started.elapsed()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn origin_cuts_off_slow_and_idle_clients() {
    let origin = origin_with_limits();
    let addr = origin.addr();

    let took = slow_header_is_cut(addr).await;
    assert!(took < Duration::from_secs(6), "cut after {took:?}");

    // A connection that never says anything.
    let mut silent = TcpStream::connect(addr).await.expect("connect");
    let (_, took) = until_closed(&mut silent, Duration::from_secs(8)).await;
    assert!(
        took >= Duration::from_millis(1500),
        "closed too early: {took:?}"
    );

    // One request answered, then an idle keep-alive is closed.
    let mut idle = TcpStream::connect(addr).await.expect("connect");
    idle.write_all(b"GET /health/live HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .expect("write");
    let (got, took) = until_closed(&mut idle, Duration::from_secs(8)).await;
    assert!(
        String::from_utf8_lossy(&got).starts_with("HTTP/1.1 200"),
        "{got:?}"
    );
    assert!(
        took >= Duration::from_millis(1500),
        "idle closed at {took:?}"
    );

    // A body that stops arriving gets S3's RequestTimeout.
    let c = origin.client();
    create_bucket(&c, "lim").await;
    let (ak, sk) = origin.creds();
    let host = addr.to_string();
    let signed = sigv4_headers(
        &host,
        &ak,
        &sk,
        "PUT",
        "/lim/k",
        &[("content-length", "1000")],
        Payload::Unsigned,
    );
    let mut head = format!("PUT /lim/k HTTP/1.1\r\nhost: {host}\r\ncontent-length: 1000\r\n");
    for (k, v) in &signed {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n0123456789");
    let mut up = TcpStream::connect(addr).await.expect("connect");
    up.write_all(head.as_bytes()).await.expect("write");
    let (got, took) = until_closed(&mut up, Duration::from_secs(10)).await;
    let text = String::from_utf8_lossy(&got);
    assert!(text.starts_with("HTTP/1.1 400"), "{text}");
    assert!(text.contains("<Code>RequestTimeout</Code>"), "{text}");
    assert!(took < Duration::from_secs(8), "{took:?}");

    let m = origin.http_get("/metrics").await.text();
    for limit in ["header_read_timeout", "body_read_timeout"] {
        let v = metric_value(
            &m,
            &format!("gureum_origin_limit_hits_total{{limit=\"{limit}\"}}"),
        );
        assert!(v >= 1.0, "{limit}: {m}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn origin_caps_connections_per_client() {
    let origin = origin_with_limits();
    let addr = origin.addr();
    let mut held = Vec::new();
    for _ in 0..6 {
        held.push(TcpStream::connect(addr).await.expect("connect"));
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    // The seventh from the same address is closed at once.
    let mut extra = TcpStream::connect(addr).await.expect("connect");
    let (_, took) = until_closed(&mut extra, Duration::from_secs(2)).await;
    assert!(took < Duration::from_secs(1), "{took:?}");
    // Another client address (127.0.0.2 is loopback too) is served.
    let sock = TcpSocket::new_v4().expect("socket");
    sock.bind("127.0.0.2:0".parse().expect("addr"))
        .expect("bind 127.0.0.2");
    let mut other = sock.connect(addr).await.expect("connect from 127.0.0.2");
    other
        .write_all(b"GET /health/live HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
        .await
        .expect("write");
    let (got, _) = until_closed(&mut other, Duration::from_secs(5)).await;
    assert!(String::from_utf8_lossy(&got).starts_with("HTTP/1.1 200"));
    // Freed places are reusable.
    drop(held);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let r = origin.http_get("/health/live").await;
    assert_eq!(r.status, 200, "after the others closed");
    let m = origin.http_get("/metrics").await.text();
    assert!(
        metric_value(
            &m,
            "gureum_origin_limit_hits_total{limit=\"connections_per_ip\"}"
        ) >= 1.0,
        "{m}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn origin_answers_oversized_requests_with_s3_errors() {
    let origin = origin_with_limits();
    let c = origin.client();
    create_bucket(&c, "lim").await;

    // An SDK upload with many metadata headers (S3 allows 2 KiB of them)
    // is fine, and so is any request with 150 headers.
    let mut put = c
        .put_object()
        .bucket("lim")
        .key("meta")
        .body(b"x".to_vec().into());
    for i in 0..60 {
        put = put.metadata(format!("k{i}"), format!("v{i}"));
    }
    put.send().await.expect("60 x-amz-meta-* headers");
    let head = c
        .head_object()
        .bucket("lim")
        .key("meta")
        .send()
        .await
        .expect("head");
    assert_eq!(head.metadata().map(|m| m.len()), Some(60));
    let h150: Vec<(String, String)> = (0..150).map(|i| (format!("x-h{i}"), "v".into())).collect();
    let r = raw_http(origin.addr(), "GET", "/health/live", &h150, b"")
        .await
        .expect("request");
    assert_eq!(r.status, 200, "150 headers: {}", r.text());

    let raw = |headers: Vec<(String, String)>, method: &'static str, target: &'static str| {
        let addr = origin.addr();
        async move {
            raw_http(addr, method, target, &headers, b"")
                .await
                .expect("request")
        }
    };
    // Over max_headers (200): refused with a document, nothing stored.
    let many: Vec<(String, String)> = (0..250).map(|i| (format!("x-h{i}"), "v".into())).collect();
    let r = raw(many, "PUT", "/lim/too-many").await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(
        r.error_code().as_deref(),
        Some("RequestHeaderSectionTooLarge")
    );
    // Over max_header_bytes (64 KiB).
    let big = vec![("x-amz-meta-big".to_string(), "v".repeat(70 * 1024))];
    let r = raw(big, "PUT", "/lim/too-big").await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(
        r.error_code().as_deref(),
        Some("RequestHeaderSectionTooLarge")
    );
    assert!(
        c.head_object()
            .bucket("lim")
            .key("too-many")
            .send()
            .await
            .is_err()
    );

    // 6 TB announced: EntityTooLarge before any body byte is sent.
    let mut s = TcpStream::connect(origin.addr()).await.expect("connect");
    s.write_all(b"PUT /lim/huge HTTP/1.1\r\nhost: x\r\ncontent-length: 6000000000000\r\n\r\n")
        .await
        .expect("write");
    let mut got = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut got))
        .await
        .expect("answered without the body")
        .expect("read");
    let text = String::from_utf8_lossy(&got[..n]);
    assert!(text.starts_with("HTTP/1.1 400"), "{text}");
    assert!(text.contains("<Code>EntityTooLarge</Code>"), "{text}");

    // An XML document over max_xml_body_bytes (64 KiB).
    let mut s = TcpStream::connect(origin.addr()).await.expect("connect");
    s.write_all(b"POST /lim?delete HTTP/1.1\r\nhost: x\r\ncontent-length: 100000\r\n\r\n")
        .await
        .expect("write");
    let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut got))
        .await
        .expect("answered")
        .expect("read");
    let text = String::from_utf8_lossy(&got[..n]);
    assert!(
        text.contains("<Code>MaxMessageLengthExceeded</Code>"),
        "{text}"
    );

    let m = origin.http_get("/metrics").await.text();
    for limit in ["header_count", "header_bytes", "body_size"] {
        let v = metric_value(
            &m,
            &format!("gureum_origin_limit_hits_total{{limit=\"{limit}\"}}"),
        );
        assert!(v >= 1.0, "{limit}: {m}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn edge_cuts_off_slow_clients_too() {
    let origin = Origin::start(4);
    let mut opts = EdgeOptions::new(vec![Dist::new("media", "video/")]);
    opts.extra_toml = LIMITS.to_string();
    let edge = Edge::start(&origin, opts);
    let took = slow_header_is_cut(edge.addr()).await;
    assert!(took < Duration::from_secs(6), "cut after {took:?}");
    let many: Vec<(String, String)> = (0..250).map(|i| (format!("x-h{i}"), "v".into())).collect();
    let r = raw_http(edge.addr(), "GET", "/media/video/a", &many, b"")
        .await
        .expect("request");
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(
        r.error_code().as_deref(),
        Some("RequestHeaderSectionTooLarge")
    );
    let m = edge.metrics().await;
    assert!(
        metric_value(
            &m,
            "gureum_edge_limit_hits_total{limit=\"header_read_timeout\"}"
        ) >= 1.0,
        "{m}"
    );
}
