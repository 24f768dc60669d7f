//! Fallback for what is not distributed. `proxy`: the client's request
//! reaches the origin unchanged — an anonymous request to a private
//! object gets the origin's 403 (the edge lends no credentials), a
//! presigned URL made for the edge's host works, and signed writes pass
//! through; nothing is cached. `redirect`: 307 to the public URL.

use std::time::Duration;

use aws_sdk_s3::presigning::PresigningConfig;
use gureum_tests::edge::{Dist, Edge, EdgeOptions};
use gureum_tests::*;

#[tokio::test]
async fn proxy_forwards_the_clients_own_auth() {
    let origin = Origin::start(4);
    let c = origin.client();
    create_bucket(&c, "media").await;
    create_bucket(&c, "private").await;
    put_bytes(&c, "private", "secret.txt", b"top secret").await;
    let edge = Edge::start(
        &origin,
        EdgeOptions::new(vec![Dist::new("media", "video/")]),
    );

    let anon = edge.get("/private/secret.txt", &[]).await;
    assert_eq!(anon.status, 403, "{}", anon.text());
    assert_eq!(anon.header("x-cache"), Some("BYPASS"));
    assert_eq!(anon.error_code().as_deref(), Some("AccessDenied"));
    // Under a distribution's bucket but outside its prefix: same.
    put_bytes(&c, "media", "audio/a.mp3", b"audio").await;
    assert_eq!(edge.get("/media/audio/a.mp3", &[]).await.status, 403);

    let via_edge = edge.s3_client();
    let presigned = via_edge
        .get_object()
        .bucket("private")
        .key("secret.txt")
        .presigned(PresigningConfig::expires_in(Duration::from_secs(300)).expect("config"))
        .await
        .expect("presign");
    let uri = presigned.uri().to_string();
    let target = uri
        .strip_prefix(&edge.base_url())
        .unwrap_or_else(|| panic!("presigned for another host: {uri}"));
    let r = edge.get(target, &[]).await;
    assert_eq!(r.status, 200, "presigned through the edge: {}", r.text());
    assert_eq!(r.body, b"top secret");
    assert_eq!(r.header("x-cache"), Some("BYPASS"));

    // Signed SDK calls through the edge: write, read, list, delete.
    let body = random_bytes(40, 300 * KIB);
    put_bytes(&via_edge, "private", "up.bin", &body).await;
    assert!(get_bytes(&c, "private", "up.bin").await == body);
    assert!(get_bytes(&via_edge, "private", "up.bin").await == body);
    assert_eq!(list_all(&via_edge, "private", "").await.len(), 2);
    // Writes into a distribution go to the origin too.
    put_bytes(&via_edge, "media", "video/new.bin", b"fresh").await;
    assert_eq!(get_bytes(&c, "media", "video/new.bin").await, b"fresh");
    assert_eq!(edge.metric("gureum_edge_origin_fetches_total").await, 0.0);
    assert!(
        edge.metric("gureum_edge_requests_total{cache=\"bypass\"}")
            .await
            >= 6.0
    );
}

#[tokio::test]
async fn redirect_mode_sends_307() {
    let origin = Origin::start(1);
    let mut opts = EdgeOptions::new(vec![Dist::new("media", "video/")]);
    opts.fallback = "redirect".into();
    opts.public_url = Some("https://s3.example.com".into());
    let edge = Edge::start(&origin, opts);
    let r = edge.get("/private/a%20b.txt?versionId=1", &[]).await;
    assert_eq!(r.status, 307);
    assert_eq!(
        r.header("location"),
        Some("https://s3.example.com/private/a%20b.txt?versionId=1")
    );
    assert_eq!(r.header("x-cache"), Some("BYPASS"));
}
