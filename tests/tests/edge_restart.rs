//! The disk tier survives a restart: a restarted edge rebuilds its index
//! from the files and serves HITs (no origin fetch) with identical bytes.

use std::time::Duration;

use gureum_tests::edge::{Dist, Edge, EdgeOptions, eventually, slice_files};
use gureum_tests::*;

#[tokio::test]
async fn restart_keeps_disk_hits() {
    let origin = Origin::start(4);
    let c = origin.client();
    create_bucket(&c, "media").await;
    let big = random_bytes(20, 3 * MIB + 1000);
    let small = random_bytes(21, 1234);
    put_bytes(&c, "media", "video/big.bin", &big).await;
    put_bytes(&c, "media", "video/small.bin", &small).await;
    let mut edge = Edge::start(
        &origin,
        EdgeOptions::new(vec![Dist::new("media", "video/")]),
    );
    assert!(edge.get("/media/video/big.bin", &[]).await.body == big);
    assert!(edge.get("/media/video/small.bin", &[]).await.body == small);
    let disk = edge.disk_dir();
    assert!(
        eventually(Duration::from_secs(5), || async {
            slice_files(&disk).len() == 5
        })
        .await,
        "slices not on disk: {:?}",
        slice_files(&disk)
    );

    edge.restart();
    for (path, data) in [
        ("/media/video/big.bin", &big),
        ("/media/video/small.bin", &small),
    ] {
        let r = edge.get(path, &[]).await;
        assert_eq!(r.status, 200);
        assert_eq!(r.header("x-cache"), Some("HIT"), "{path} after restart");
        assert!(r.body == *data, "{path}: bytes differ after restart");
    }
    let ranged = edge
        .get("/media/video/big.bin", &[("range", "bytes=-10")])
        .await;
    assert_eq!(ranged.header("x-cache"), Some("HIT"));
    assert!(ranged.body[..] == big[big.len() - 10..]);
    assert_eq!(edge.metric("gureum_edge_origin_fetches_total").await, 0.0);
}
