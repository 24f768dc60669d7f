//! RFC 9211 `Cache-Status` on edge responses, beside `X-Cache`: a miss
//! that was stored, a hit with its remaining TTL, a collapsed miss (joined
//! a fetch in flight), a revalidation, a stale serve while the origin is
//! down, a bypass with the origin's status, refusals and local answers.

use std::time::Duration;

use gureum_tests::edge::{Dist, Edge, EdgeOptions};
use gureum_tests::*;

fn status_of(r: &RawResponse) -> String {
    r.header("cache-status").unwrap_or_default().to_string()
}

fn ttl_of(v: &str) -> i64 {
    v.split("; ")
        .find_map(|p| p.strip_prefix("ttl="))
        .unwrap_or_else(|| panic!("no ttl in {v:?}"))
        .parse()
        .expect("ttl number")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cache_status_says_what_the_cache_did() {
    let mut origin = Origin::start(4);
    let c = origin.client();
    create_bucket(&c, "media").await;
    let data = random_bytes(5, 3 * MIB + 1);
    put_bytes(&c, "media", "video/a.bin", &data).await;
    put_bytes(&c, "media", "video/b.bin", &data).await;
    put_bytes(&c, "media", "short/s.bin", b"short-lived").await;
    let edge = Edge::start(
        &origin,
        EdgeOptions::new(vec![
            Dist::new("media", "video/").ttl(600),
            Dist::new("media", "short/").ttl(1),
        ]),
    );

    let miss = edge.get("/media/video/a.bin", &[]).await;
    assert_eq!(miss.header("x-cache"), Some("MISS"));
    let v = status_of(&miss);
    assert!(
        v.starts_with("gureum-edge; fwd=uri-miss; fwd-status=200; stored"),
        "{v}"
    );
    assert!(!v.contains("collapsed"), "{v}");
    assert!((595..=600).contains(&ttl_of(&v)), "{v}");

    let hit = edge.get("/media/video/a.bin", &[]).await;
    assert_eq!(hit.header("x-cache"), Some("HIT"));
    let v = status_of(&hit);
    assert!(v.starts_with("gureum-edge; hit; ttl="), "{v}");
    assert!((590..=600).contains(&ttl_of(&v)), "{v}");

    // Concurrent cold requests: one fetches, the others join it.
    let addr = edge.addr();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..20 {
        tasks.spawn(async move {
            raw_http(addr, "GET", "/media/video/b.bin", &[], b"")
                .await
                .expect("edge GET")
        });
    }
    let mut values = Vec::new();
    while let Some(r) = tasks.join_next().await {
        let r = r.expect("task");
        assert_eq!(r.status, 200);
        values.push(status_of(&r));
    }
    let collapsed = values.iter().filter(|v| v.contains("; collapsed")).count();
    let uri_misses = values.iter().filter(|v| v.contains("fwd=uri-miss")).count();
    assert!(
        uri_misses >= 1,
        "the first found nothing cached: {values:?}"
    );
    // The others joined the metadata load or the slice fill in flight
    // (`fwd=miss`: the object was known, its bytes not yet in).
    assert!(collapsed >= 1, "the others joined it: {values:?}");
    assert_eq!(
        edge.metric("gureum_edge_origin_fetches_total").await,
        2.0,
        "one fetch for a.bin, one for b.bin"
    );

    // A refusal made by the edge itself, and a local answer.
    let bad = edge
        .get("/media/video/a.bin", &[("range", "bytes=5-2")])
        .await;
    assert_eq!(bad.status, 400);
    assert_eq!(status_of(&bad), "gureum-edge; detail=refused");
    let live = edge.get("/health/live", &[]).await;
    assert_eq!(status_of(&live), "gureum-edge; detail=local");

    // Bypass: outside every distribution, with the origin's status.
    let bypass = edge.get("/media/docs/x.txt", &[]).await;
    assert_eq!(bypass.header("x-cache"), Some("BYPASS"));
    assert_eq!(
        status_of(&bypass),
        format!("gureum-edge; fwd=bypass; fwd-status={}", bypass.status)
    );

    // Revalidation: the TTL has run out, the origin says nothing changed.
    assert_eq!(edge.get("/media/short/s.bin", &[]).await.status, 200);
    tokio::time::sleep(Duration::from_millis(1300)).await;
    let revalidated = edge.get("/media/short/s.bin", &[]).await;
    assert_eq!(revalidated.header("x-cache"), Some("HIT"));
    let v = status_of(&revalidated);
    assert!(
        v.starts_with("gureum-edge; fwd=stale; fwd-status=304; stored; ttl="),
        "{v}"
    );

    // Stale: expired and the origin is gone.
    tokio::time::sleep(Duration::from_millis(1300)).await;
    origin.kill9();
    let stale = edge.get("/media/short/s.bin", &[]).await;
    assert_eq!(stale.header("x-cache"), Some("STALE"), "{}", stale.text());
    let v = status_of(&stale);
    assert!(v.starts_with("gureum-edge; fwd=stale; ttl=-"), "{v}");
    assert!(v.ends_with("; detail=stale-if-error"), "{v}");
    assert_eq!(&stale.body[..], b"short-lived");
}

/// `[[distribution.ttl]]`: a live playlist goes back to the origin within
/// seconds while its segments stay cached for a day; other files keep the
/// distribution's TTL.
#[tokio::test]
async fn ttl_rules_by_path() {
    let origin = Origin::start(4);
    let c = origin.client();
    create_bucket(&c, "media").await;
    put_bytes(&c, "media", "live/index.m3u8", b"#EXTM3U v1").await;
    put_bytes(&c, "media", "live/seg-1.ts", b"segment").await;
    put_bytes(&c, "media", "live/poster.jpg", b"poster").await;
    let edge = Edge::start(
        &origin,
        EdgeOptions::new(vec![
            Dist::new("media", "live/")
                .ttl(600)
                .ttl_rule("*.m3u8", 1)
                .ttl_rule("*.ts", 86_400),
        ]),
    );
    let ttls = |r: &RawResponse| ttl_of(&status_of(r));
    for (key, want) in [
        ("/media/live/index.m3u8", 1),
        ("/media/live/seg-1.ts", 86_400),
        ("/media/live/poster.jpg", 600),
    ] {
        let r = edge.get(key, &[]).await;
        assert_eq!(r.status, 200);
        let got = ttls(&r);
        assert!(
            want - 1 <= got && got <= want,
            "{key}: ttl {got}, want {want}"
        );
    }
    tokio::time::sleep(Duration::from_millis(1300)).await;
    let playlist = edge.get("/media/live/index.m3u8", &[]).await;
    let v = status_of(&playlist);
    assert!(
        v.contains("fwd=stale"),
        "playlist revalidated after its 1 s: {v}"
    );
    let segment = edge.get("/media/live/seg-1.ts", &[]).await;
    assert!(
        status_of(&segment).starts_with("gureum-edge; hit"),
        "{}",
        status_of(&segment)
    );
    let poster = edge.get("/media/live/poster.jpg", &[]).await;
    assert!(
        status_of(&poster).starts_with("gureum-edge; hit"),
        "{}",
        status_of(&poster)
    );
}
