//! Edge basics: a cold object is a MISS, then a HIT with identical bytes
//! and headers; HEAD, conditional GETs answered by the edge, 404s, and the
//! request counters.

use gureum_tests::edge::{Dist, Edge, EdgeOptions};
use gureum_tests::*;

#[tokio::test]
async fn miss_then_hit_with_identical_bytes() {
    let origin = Origin::start(4);
    let c = origin.client();
    create_bucket(&c, "media").await;
    let data = random_bytes(1, 3 * MIB + 5);
    let etag = put_bytes(&c, "media", "video/a.bin", &data).await;
    let edge = Edge::start(
        &origin,
        EdgeOptions::new(vec![Dist::new("media", "video/")]),
    );

    let miss = edge.get("/media/video/a.bin", &[]).await;
    assert_eq!(miss.status, 200, "{}", miss.text());
    assert_eq!(miss.header("x-cache"), Some("MISS"));
    assert!(miss.body == data, "MISS body differs");
    assert_eq!(miss.header("etag"), Some(etag.as_str()));
    assert_eq!(
        miss.header("content-length"),
        Some(data.len().to_string().as_str())
    );
    assert!(miss.header("x-gureum-version-id").is_some());

    let hit = edge.get("/media/video/a.bin", &[]).await;
    assert_eq!(hit.status, 200);
    assert_eq!(hit.header("x-cache"), Some("HIT"));
    assert!(hit.header("age").is_some(), "HIT without Age");
    assert!(hit.body == data, "HIT body differs");
    assert_eq!(hit.header("etag"), Some(etag.as_str()));
    assert_eq!(hit.header("last-modified"), miss.header("last-modified"));
    assert_eq!(hit.header("content-type"), miss.header("content-type"));

    let head = edge.request("HEAD", "/media/video/a.bin", &[], b"").await;
    assert_eq!(head.status, 200);
    assert_eq!(head.header("x-cache"), Some("HIT"));
    assert_eq!(
        head.header("content-length"),
        Some(data.len().to_string().as_str())
    );

    // Conditional GETs are answered by the edge.
    let inm = edge
        .get("/media/video/a.bin", &[("if-none-match", etag.as_str())])
        .await;
    assert_eq!(inm.status, 304);
    assert_eq!(inm.header("x-cache"), Some("HIT"));
    let lm = hit
        .header("last-modified")
        .expect("last-modified")
        .to_string();
    let ims = edge
        .get("/media/video/a.bin", &[("if-modified-since", lm.as_str())])
        .await;
    assert_eq!(ims.status, 304);
    let other = edge
        .get("/media/video/a.bin", &[("if-none-match", "\"nope\"")])
        .await;
    assert_eq!(other.status, 200);
    assert!(other.body == data);
    let failed = edge
        .get("/media/video/a.bin", &[("if-match", "\"nope\"")])
        .await;
    assert_eq!(failed.status, 412);

    let missing = edge.get("/media/video/none.bin", &[]).await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.error_code().as_deref(), Some("NoSuchKey"));
    assert!(missing.header("x-cache").is_some());

    let m = edge.metrics().await;
    let v = |s: &str| gureum_tests::edge::metric_value(&m, s);
    assert_eq!(v("gureum_edge_origin_fetches_total"), 1.0, "{m}");
    assert!(v("gureum_edge_requests_total{cache=\"hit\"}") >= 5.0, "{m}");
    assert_eq!(v("gureum_edge_requests_total{cache=\"miss\"}"), 2.0, "{m}");

    // Keys that need encoding reach the origin as the client meant them.
    let odd = "video/a b+c/\u{fc}n\u{ef}code.bin";
    put_bytes(&c, "media", odd, b"odd key").await;
    let target = format!("/media/{}", uri_encode(odd, true));
    for want in ["MISS", "HIT"] {
        let r = edge.get(&target, &[]).await;
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.body, b"odd key");
        assert_eq!(r.header("x-cache"), Some(want));
    }

    let live = edge.get("/health/live", &[]).await;
    assert_eq!(live.status, 200);
    let ready = edge.get("/health/ready", &[]).await;
    assert_eq!(ready.status, 200);
}

/// Multipart objects: parts that are multiples of the block size (what
/// aws-cli, boto3, rclone and s3cmd upload) are cached as slices like any
/// object; parts that are not still come through whole and correct.
#[tokio::test]
async fn multipart_objects_through_the_edge() {
    let origin = Origin::start(4);
    let c = origin.client();
    create_bucket(&c, "media").await;
    let edge = Edge::start(
        &origin,
        EdgeOptions::new(vec![Dist::new("media", "video/")]),
    );
    for (key, part_size) in [
        ("video/aligned.bin", 5 * MIB),
        ("video/odd.bin", 5 * MIB + 7),
    ] {
        let data = random_bytes(part_size as u64, 2 * part_size + 1234);
        let parts: Vec<&[u8]> = data.chunks(part_size).collect();
        put_multipart(&c, "media", key, &parts).await;
        let path = format!("/media/{key}");
        for _ in 0..2 {
            let r = edge.get(&path, &[]).await;
            assert_eq!(r.status, 200, "{key}: {}", r.text());
            assert!(r.body == data, "{key}: bytes differ");
        }
        let r = edge.get(&path, &[("range", "bytes=5242870-5242890")]).await;
        assert_eq!(r.status, 206, "{key}");
        assert!(
            r.body[..] == data[5_242_870..=5_242_890],
            "{key}: range across a part boundary"
        );
        if part_size % MIB == 0 {
            assert_eq!(
                edge.get(&path, &[]).await.header("x-cache"),
                Some("HIT"),
                "{key}"
            );
        }
    }
}
