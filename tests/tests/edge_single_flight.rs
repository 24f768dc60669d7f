//! Single-flight: 200 concurrent cold requests for one object cause
//! exactly one origin fetch, and every client gets the whole, identical
//! body while the first fetch fills the cache.

use gureum_tests::edge::{Dist, Edge, EdgeOptions};
use gureum_tests::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_cold_requests_make_one_origin_fetch() {
    let origin = Origin::start(4);
    let c = origin.client();
    create_bucket(&c, "media").await;
    let data = random_bytes(2, 2 * MIB + 7);
    put_bytes(&c, "media", "video/hot.bin", &data).await;
    let edge = Edge::start(
        &origin,
        EdgeOptions::new(vec![Dist::new("media", "video/")]),
    );
    let addr = edge.addr();
    let want = sha256_hex(&data);

    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..200 {
        tasks.spawn(async move {
            let r = raw_http(addr, "GET", "/media/video/hot.bin", &[], b"")
                .await
                .expect("edge GET");
            (
                r.status,
                r.header("x-cache").map(str::to_string),
                sha256_hex(&r.body),
            )
        });
    }
    let mut statuses = std::collections::BTreeMap::new();
    while let Some(res) = tasks.join_next().await {
        let (status, cache, sum) = res.expect("task");
        assert_eq!(status, 200);
        assert_eq!(sum, want, "a client got different bytes");
        *statuses.entry(cache.unwrap_or_default()).or_insert(0) += 1;
    }
    let fetches = edge.metric("gureum_edge_origin_fetches_total").await;
    assert_eq!(fetches, 1.0, "origin fetches (X-Cache counts {statuses:?})");
    let heads = edge
        .metric("gureum_edge_origin_requests_total{kind=\"head\"}")
        .await;
    assert_eq!(heads, 1.0, "metadata loads must coalesce too");
}
