//! Freshness: after the TTL the edge revalidates with If-None-Match and a
//! 304 keeps the cached body (no new fetch); origin `Cache-Control:
//! no-store` objects are never cached; origin max-age overrides the TTL.

use std::time::Duration;

use gureum_tests::edge::{Dist, Edge, EdgeOptions};
use gureum_tests::*;

#[tokio::test]
async fn revalidation_and_origin_cache_control() {
    let origin = Origin::start(4);
    let c = origin.client();
    create_bucket(&c, "media").await;
    let data = random_bytes(70, MIB + 3);
    put_bytes(&c, "media", "video/r.bin", &data).await;
    c.put_object()
        .bucket("media")
        .key("video/private.bin")
        .cache_control("no-store")
        .body(b"do not keep".to_vec().into())
        .send()
        .await
        .expect("put no-store");
    c.put_object()
        .bucket("media")
        .key("video/long.bin")
        .cache_control("public, max-age=3600")
        .body(b"keep me".to_vec().into())
        .send()
        .await
        .expect("put max-age");
    let edge = Edge::start(
        &origin,
        EdgeOptions::new(vec![Dist::new("media", "video/").ttl(1)]),
    );

    assert_eq!(
        edge.get("/media/video/r.bin", &[]).await.header("x-cache"),
        Some("MISS")
    );
    assert_eq!(
        edge.get("/media/video/long.bin", &[])
            .await
            .header("x-cache"),
        Some("MISS")
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let heads_before = edge
        .metric("gureum_edge_origin_requests_total{kind=\"head\"}")
        .await;
    let r = edge.get("/media/video/r.bin", &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-cache"), Some("HIT"), "revalidated (304) hit");
    assert!(r.body == data);
    let age: u64 = r.header("age").and_then(|a| a.parse().ok()).expect("age");
    assert!(age <= 1, "age restarts at revalidation, got {age}");
    assert_eq!(
        edge.metric("gureum_edge_origin_requests_total{kind=\"head\"}")
            .await,
        heads_before + 1.0
    );
    assert_eq!(
        edge.metric("gureum_edge_origin_fetches_total").await,
        2.0,
        "304 keeps the body"
    );
    // max-age=3600 from the origin: still fresh without asking.
    let long = edge.get("/media/video/long.bin", &[]).await;
    assert_eq!(long.header("x-cache"), Some("HIT"));
    assert_eq!(
        edge.metric("gureum_edge_origin_requests_total{kind=\"head\"}")
            .await,
        heads_before + 1.0
    );

    for _ in 0..2 {
        let p = edge.get("/media/video/private.bin", &[]).await;
        assert_eq!(p.status, 200);
        assert_eq!(p.body, b"do not keep");
        assert_eq!(
            p.header("x-cache"),
            Some("MISS"),
            "no-store must never be a hit"
        );
        assert_eq!(p.header("cache-control"), Some("no-store"));
    }
    let ranged = edge
        .get("/media/video/private.bin", &[("range", "bytes=3-5")])
        .await;
    assert_eq!(ranged.status, 206);
    assert_eq!(ranged.body, b"not");
}
