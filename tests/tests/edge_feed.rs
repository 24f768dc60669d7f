//! Instant invalidation: the edge follows the origin's change feed, so an
//! object overwritten (or deleted) at the origin shows its new state at
//! the edge within a second, with no purge and a one-hour TTL.

use std::time::{Duration, Instant};

use gureum_tests::edge::{Dist, Edge, EdgeOptions};
use gureum_tests::*;

#[tokio::test]
async fn overwrite_and_delete_reach_the_edge_within_a_second() {
    let origin = Origin::start(4);
    let c = origin.client();
    create_bucket(&c, "media").await;
    let v1 = random_bytes(10, MIB + 17);
    put_bytes(&c, "media", "video/live.bin", &v1).await;
    let edge = Edge::start(
        &origin,
        EdgeOptions::new(vec![Dist::new("media", "video/").ttl(3600)]),
    );
    let path = "/media/video/live.bin";
    assert!(edge.get(path, &[]).await.body == v1);
    let hit = edge.get(path, &[]).await;
    assert_eq!(hit.header("x-cache"), Some("HIT"));
    assert!(hit.body == v1);
    // Let the follower's first long-poll reach the origin.
    tokio::time::sleep(Duration::from_millis(300)).await;

    let v2 = random_bytes(11, 2 * MIB + 3);
    put_bytes(&c, "media", "video/live.bin", &v2).await;
    let t = Instant::now();
    loop {
        let r = edge.get(path, &[]).await;
        assert_eq!(r.status, 200);
        if r.body == v2 {
            break;
        }
        assert!(r.body == v1, "neither version: mixed bytes served");
        assert!(
            t.elapsed() < Duration::from_secs(1),
            "still old bytes after {:?}",
            t.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(t.elapsed() < Duration::from_secs(1));
    assert!(edge.metric("gureum_edge_feed_events_total").await >= 1.0);

    c.delete_object()
        .bucket("media")
        .key("video/live.bin")
        .send()
        .await
        .expect("delete");
    let t = Instant::now();
    loop {
        let r = edge.get(path, &[]).await;
        if r.status == 404 {
            break;
        }
        assert!(
            r.body == v2,
            "after delete: status {} x-cache {:?}, {} bytes: {}",
            r.status,
            r.header("x-cache"),
            r.body.len(),
            String::from_utf8_lossy(&r.body[..r.body.len().min(300)])
        );
        assert!(
            t.elapsed() < Duration::from_secs(1),
            "deleted object still served"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// An edge that starts before its bucket exists still follows it from the
/// first write on: no window where a change can be missed.
#[tokio::test]
async fn edge_started_before_the_bucket_misses_no_change() {
    let origin = Origin::start(4);
    let c = origin.client();
    let edge = Edge::start(
        &origin,
        EdgeOptions::new(vec![Dist::new("later", "video/").ttl(3600)]),
    );
    create_bucket(&c, "later").await;
    let v1 = random_bytes(12, 100 * KIB);
    put_bytes(&c, "later", "video/a.bin", &v1).await;
    let path = "/later/video/a.bin";
    assert!(edge.get(path, &[]).await.body == v1);
    assert_eq!(edge.get(path, &[]).await.header("x-cache"), Some("HIT"));
    let v2 = random_bytes(13, 100 * KIB);
    put_bytes(&c, "later", "video/a.bin", &v2).await;
    let t = Instant::now();
    loop {
        let r = edge.get(path, &[]).await;
        if r.body == v2 {
            break;
        }
        assert!(r.body == v1, "neither version served");
        assert!(
            t.elapsed() < Duration::from_secs(1),
            "overwrite missed by an edge that started first"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
