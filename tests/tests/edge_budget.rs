//! Budgets hold: after pulling three times the disk budget through the
//! edge, the disk cache and the memory tier stay within their byte
//! budgets, evictions are counted, and every response was still right.

use std::time::Duration;

use gureum_tests::edge::{Dist, Edge, EdgeOptions, eventually};
use gureum_tests::*;

#[tokio::test]
async fn budgets_hold_after_three_times_the_budget() {
    let origin = Origin::start(4);
    let c = origin.client();
    create_bucket(&c, "media").await;
    let mut opts = EdgeOptions::new(vec![Dist::new("media", "video/")]);
    opts.memory_bytes = 2 * MIB as u64;
    opts.disk_bytes = 6 * MIB as u64;
    let edge = Edge::start(&origin, opts);
    // 18 MiB in objects of 1.5 MiB (two slices each).
    let mut objects = Vec::new();
    for i in 0..12 {
        let data = random_bytes(100 + i, MIB + MIB / 2);
        let key = format!("video/obj-{i}.bin");
        put_bytes(&c, "media", &key, &data).await;
        objects.push((key, data));
    }
    for (key, data) in &objects {
        let r = edge.get(&format!("/media/{key}"), &[]).await;
        assert_eq!(r.status, 200);
        assert!(r.body == *data, "{key}");
    }
    let limit = 6 * MIB as u64 + 4 * KIB as u64;
    let held = eventually(Duration::from_secs(5), || async {
        edge.disk_usage() <= limit
    })
    .await;
    assert!(
        held,
        "disk cache holds {} bytes, budget {limit}",
        edge.disk_usage()
    );
    let m = edge.metrics().await;
    let v = |s: &str| gureum_tests::edge::metric_value(&m, s);
    assert!(
        v("gureum_edge_cache_bytes{tier=\"memory\"}") <= (2 * MIB) as f64,
        "{m}"
    );
    assert!(
        v("gureum_edge_cache_bytes{tier=\"disk\"}") <= (6 * MIB) as f64,
        "{m}"
    );
    assert!(
        v("gureum_edge_cache_evictions_total{tier=\"disk\"}") > 0.0,
        "{m}"
    );
    assert!(
        v("gureum_edge_cache_evictions_total{tier=\"memory\"}") > 0.0,
        "{m}"
    );
    // The most recent objects are still served right (from whatever tier).
    for (key, data) in objects.iter().rev().take(3) {
        let r = edge.get(&format!("/media/{key}"), &[]).await;
        assert!(r.body == *data, "{key} after eviction");
    }
}
