//! `gureum-origin reindex`: with the meta dir deleted, the index is
//! rebuilt from the drives alone: buckets, keys, bytes, ETags, headers and
//! user metadata come back; deleted and overwritten versions do not.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_s3::Client;
use aws_sdk_s3::error::DisplayErrorContext;
use aws_sdk_s3::primitives::ByteStream;
use gureum_tests::*;

struct Snapshot {
    buckets: Vec<String>,
    listings: BTreeMap<String, Vec<Listed>>,
}

async fn snapshot(c: &Client) -> Snapshot {
    let out = c.list_buckets().send().await.expect("ListBuckets");
    let buckets: Vec<String> = out
        .buckets()
        .iter()
        .filter_map(|b| b.name().map(String::from))
        .collect();
    let mut listings = BTreeMap::new();
    for b in &buckets {
        listings.insert(b.clone(), list_all(c, b, "").await);
    }
    Snapshot { buckets, listings }
}

#[tokio::test]
async fn reindex_rebuilds_everything_from_the_drives() {
    let mut origin = Origin::start(6);
    let c = origin.client();
    create_bucket(&c, "photos").await;
    create_bucket(&c, "videos").await;
    create_bucket(&c, "empty-bucket").await;

    let mut objs: Vec<(String, String, Vec<u8>)> = Vec::new();
    let keys = [
        ("photos", "2024/01/a.jpg", 10 * KIB),
        ("photos", "2024/01/b.jpg", 0),
        ("photos", "2024/02/deep/nested/c.jpg", 777),
        ("photos", "top.txt", 5),
        ("videos", "video/clip.mp4", 3 * MIB + 7),
        ("videos", "video/short.mp4", MIB),
        ("videos", "유니코드 key.bin", 1000),
    ];
    for (i, (bucket, key, size)) in keys.iter().enumerate() {
        let data = random_bytes(300 + i as u64, *size);
        put_bytes(&c, bucket, key, &data).await;
        objs.push((bucket.to_string(), key.to_string(), data));
    }
    // Headers and user metadata are part of the truth on the drives.
    let with_meta = random_bytes(7, 2 * MIB + 5);
    c.put_object()
        .bucket("videos")
        .key("video/meta.mp4")
        .content_type("video/mp4")
        .cache_control("max-age=60")
        .metadata("origin", "camera-7")
        .body(ByteStream::from(with_meta.clone()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("PutObject with metadata: {}", DisplayErrorContext(&e)));
    objs.push(("videos".into(), "video/meta.mp4".into(), with_meta));
    // An overwritten key must come back as its latest version, a deleted
    // key must stay deleted.
    put_bytes(&c, "photos", "overwritten", &random_bytes(1, 4 * KIB)).await;
    let latest = random_bytes(2, 2 * MIB + 1);
    put_bytes(&c, "photos", "overwritten", &latest).await;
    objs.push(("photos".into(), "overwritten".into(), latest));
    put_bytes(&c, "photos", "deleted", &random_bytes(3, 100)).await;
    c.delete_object()
        .bucket("photos")
        .key("deleted")
        .send()
        .await
        .expect("DeleteObject");

    let before = snapshot(&c).await;
    assert_eq!(before.buckets, vec!["empty-bucket", "photos", "videos"]);

    origin.kill9();
    std::fs::remove_dir_all(origin.meta_dir()).expect("remove meta dir");
    let (status, stdout, stderr) =
        run_with_timeout(&mut origin.reindex_command(), Duration::from_secs(120));
    assert!(
        status.success(),
        "reindex failed ({status}):\nstdout: {stdout}\nstderr: {stderr}"
    );
    origin.start_again();
    let c = origin.client();

    let after = snapshot(&c).await;
    assert_eq!(after.buckets, before.buckets, "buckets after reindex");
    for b in &before.buckets {
        assert_eq!(
            after.listings[b], before.listings[b],
            "listing of {b} after reindex"
        );
    }
    for (bucket, key, data) in &objs {
        let got = get_bytes(&c, bucket, key).await;
        assert!(got == *data, "{bucket}/{key} differs after reindex");
    }
    let res = c.get_object().bucket("photos").key("deleted").send().await;
    assert_s3_err("deleted key after reindex", res, 404, Some("NoSuchKey"));

    let head = c
        .head_object()
        .bucket("videos")
        .key("video/meta.mp4")
        .send()
        .await
        .unwrap_or_else(|e| panic!("HeadObject after reindex: {}", DisplayErrorContext(&e)));
    assert_eq!(head.content_type(), Some("video/mp4"));
    assert_eq!(head.cache_control(), Some("max-age=60"));
    assert_eq!(
        head.metadata()
            .and_then(|m| m.get("origin"))
            .map(String::as_str),
        Some("camera-7")
    );

    // The rebuilt index takes writes and deletes like the old one.
    put_bytes(&c, "empty-bucket", "new", b"new").await;
    let res = c.delete_bucket().bucket("photos").send().await;
    assert_s3_err(
        "DeleteBucket non-empty after reindex",
        res,
        409,
        Some("BucketNotEmpty"),
    );
}

#[tokio::test]
async fn reindex_is_idempotent_with_an_existing_index() {
    let mut origin = Origin::start(6);
    let c = origin.client();
    create_bucket(&c, "bkt1").await;
    for i in 0..30usize {
        put_bytes(
            &c,
            "bkt1",
            &format!("dir{}/k{i}", i % 4),
            &random_bytes(i as u64, i * 100),
        )
        .await;
    }
    let before = snapshot(&c).await;
    origin.kill9();
    // Twice over the existing meta dir.
    for _ in 0..2 {
        let (status, stdout, stderr) =
            run_with_timeout(&mut origin.reindex_command(), Duration::from_secs(120));
        assert!(status.success(), "reindex: {status}\n{stdout}\n{stderr}");
    }
    origin.start_again();
    let after = snapshot(&origin.client()).await;
    assert_eq!(after.buckets, before.buckets);
    assert_eq!(after.listings, before.listings);
}
