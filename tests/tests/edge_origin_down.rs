//! Origin down: cached objects are still served (HIT within the TTL,
//! STALE after it: stale-if-error), while uncached ones fail fast with a
//! gateway error instead of hanging.

use std::time::{Duration, Instant};

use gureum_tests::edge::{Dist, Edge, EdgeOptions};
use gureum_tests::*;

#[tokio::test]
async fn cached_objects_survive_the_origin() {
    let mut origin = Origin::start(4);
    let c = origin.client();
    create_bucket(&c, "media").await;
    let data = random_bytes(30, 2 * MIB + 99);
    put_bytes(&c, "media", "video/kept.bin", &data).await;
    put_bytes(&c, "media", "video/never.bin", b"never fetched").await;
    let edge = Edge::start(
        &origin,
        EdgeOptions::new(vec![Dist::new("media", "video/").ttl(1)]),
    );
    assert!(edge.get("/media/video/kept.bin", &[]).await.body == data);

    origin.kill9();
    let fresh = edge.get("/media/video/kept.bin", &[]).await;
    assert_eq!(fresh.status, 200);
    assert_eq!(fresh.header("x-cache"), Some("HIT"));
    assert!(fresh.body == data);

    tokio::time::sleep(Duration::from_millis(1100)).await;
    let stale = edge.get("/media/video/kept.bin", &[]).await;
    assert_eq!(stale.status, 200, "{}", stale.text());
    assert_eq!(stale.header("x-cache"), Some("STALE"));
    assert!(stale.header("age").is_some());
    assert!(stale.body == data);
    let ranged = edge
        .get(
            "/media/video/kept.bin",
            &[("range", "bytes=1048570-1048580")],
        )
        .await;
    assert_eq!(ranged.status, 206);
    assert!(ranged.body[..] == data[1_048_570..=1_048_580]);

    let t = Instant::now();
    let cold = edge.get("/media/video/never.bin", &[]).await;
    assert!(
        cold.status == 502 || cold.status == 504,
        "uncached object with the origin down: {} {}",
        cold.status,
        cold.text()
    );
    assert!(
        t.elapsed() < Duration::from_secs(3),
        "took {:?}",
        t.elapsed()
    );
    let bypass = edge.get("/other/x", &[]).await;
    assert_eq!(bypass.status, 502);
    assert_eq!(bypass.header("x-cache"), Some("BYPASS"));
    assert!(
        edge.metric("gureum_edge_requests_total{cache=\"stale\"}")
            .await
            >= 2.0
    );
}
