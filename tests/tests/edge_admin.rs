//! Purge API (`POST /_edge/purge`, bearer token) by key and by prefix,
//! and pre-warm of a distribution (`prewarm = true`) pulling the folder
//! before anyone asks.

use std::time::Duration;

use gureum_tests::edge::{Dist, Edge, EdgeOptions, eventually};
use gureum_tests::*;

#[tokio::test]
async fn purge_by_key_and_prefix() {
    let origin = Origin::start(4);
    let c = origin.client();
    create_bucket(&c, "media").await;
    for k in ["video/a/1", "video/a/2", "video/b/1"] {
        put_bytes(&c, "media", k, k.as_bytes()).await;
    }
    let edge = Edge::start(
        &origin,
        EdgeOptions::new(vec![Dist::new("media", "video/")]),
    );
    for k in ["video/a/1", "video/a/2", "video/b/1"] {
        edge.get(&format!("/media/{k}"), &[]).await;
        let r = edge.get(&format!("/media/{k}"), &[]).await;
        assert_eq!(r.header("x-cache"), Some("HIT"));
    }

    let denied = edge
        .request(
            "POST",
            "/_edge/purge",
            &[("authorization", "Bearer wrong")],
            b"{}",
        )
        .await;
    assert_eq!(denied.status, 401);
    let anon = edge.request("POST", "/_edge/purge", &[], b"{}").await;
    assert_eq!(anon.status, 401);
    let bad = edge.purge("{\"bucket\":\"media\"}").await;
    assert_eq!(bad.status, 400);

    let one = edge
        .purge("{\"bucket\":\"media\",\"key\":\"video/b/1\"}")
        .await;
    assert_eq!(one.status, 200, "{}", one.text());
    assert!(one.text().contains("\"purged\":1"), "{}", one.text());
    let r = edge.get("/media/video/b/1", &[]).await;
    assert_eq!(r.header("x-cache"), Some("MISS"));
    assert_eq!(r.body, b"video/b/1");

    let some = edge
        .purge("{\"bucket\":\"media\",\"prefix\":\"video/a/\"}")
        .await;
    assert!(some.text().contains("\"purged\":2"), "{}", some.text());
    for k in ["video/a/1", "video/a/2"] {
        let r = edge.get(&format!("/media/{k}"), &[]).await;
        assert_eq!(r.header("x-cache"), Some("MISS"), "{k}");
    }
    assert_eq!(
        edge.get("/media/video/b/1", &[]).await.header("x-cache"),
        Some("HIT")
    );
    assert!(
        edge.metric("gureum_edge_purged_objects_total{reason=\"api\"}")
            .await
            >= 3.0
    );
}

#[tokio::test]
async fn prewarm_pulls_the_folder() {
    let origin = Origin::start(4);
    let c = origin.client();
    create_bucket(&c, "media").await;
    let mut objects = Vec::new();
    for i in 0..6 {
        let data = random_bytes(60 + i, (i as usize) * 300 * KIB + 10);
        let key = format!("video/p{i}.bin");
        put_bytes(&c, "media", &key, &data).await;
        objects.push((key, data));
    }
    put_bytes(&c, "media", "other/x", b"not warmed").await;
    let edge = Edge::start(
        &origin,
        EdgeOptions::new(vec![Dist::new("media", "video/").prewarm()]),
    );
    let done = eventually(Duration::from_secs(10), || async {
        edge.metric("gureum_edge_prewarm_objects_total{result=\"done\"}")
            .await
            == 6.0
    })
    .await;
    assert!(done, "pre-warm did not finish:\n{}", edge.metrics().await);
    assert_eq!(edge.metric("gureum_edge_prewarm_pending").await, 0.0);
    for (key, data) in &objects {
        let r = edge.get(&format!("/media/{key}"), &[]).await;
        assert_eq!(r.header("x-cache"), Some("HIT"), "{key}");
        assert!(r.body == *data, "{key}");
    }
}
