//! Round trips through the S3 API with default SDK settings: bodies of
//! every interesting size (block boundaries, 100 MiB), ETags, stored
//! headers and user metadata, Content-MD5, bucket operations, deletes and
//! the standard error codes.

use aws_sdk_s3::error::DisplayErrorContext;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{Delete, ObjectIdentifier};
use gureum_tests::*;

async fn check_roundtrip(origin: &Origin, bucket: &str, key: &str, data: &[u8]) {
    let c = origin.client();
    let etag = put_bytes(&c, bucket, key, data).await;
    assert_eq!(
        etag,
        etag_of(data),
        "PutObject ETag of {key} ({} B)",
        data.len()
    );
    let got = get_bytes(&c, bucket, key).await;
    assert_eq!(got.len(), data.len(), "GET length of {key}");
    assert_eq!(sha256_hex(&got), sha256_hex(data), "GET sha256 of {key}");
    let head = c
        .head_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .unwrap_or_else(|e| panic!("HeadObject {key}: {}", DisplayErrorContext(&e)));
    assert_eq!(
        head.content_length(),
        Some(data.len() as i64),
        "HEAD length of {key}"
    );
    assert_eq!(
        head.e_tag(),
        Some(etag_of(data).as_str()),
        "HEAD ETag of {key}"
    );
    // The SDK's aws-chunked transfer encoding must not leak into the object.
    assert!(
        !head
            .content_encoding()
            .unwrap_or_default()
            .contains("aws-chunked"),
        "stored Content-Encoding of {key}: {:?}",
        head.content_encoding()
    );
}

#[tokio::test]
async fn sizes_around_block_boundaries() {
    let origin = Origin::start(6);
    let c = origin.client();
    create_bucket(&c, "sizes").await;
    let sizes = [0, 1, KIB, MIB - 1, MIB, MIB + 1, 4 * MIB, 5 * MIB + 1];
    for (i, &size) in sizes.iter().enumerate() {
        let data = random_bytes(1000 + i as u64, size);
        check_roundtrip(&origin, "sizes", &format!("obj-{size}"), &data).await;
    }
    // The listing agrees on sizes and ETags.
    let listed = list_all(&c, "sizes", "").await;
    let mut expected: Vec<Listed> = sizes
        .iter()
        .enumerate()
        .map(|(i, &size)| Listed {
            key: format!("obj-{size}"),
            etag: etag_of(&random_bytes(1000 + i as u64, size)),
            size: size as i64,
        })
        .collect();
    expected.sort_by(|a, b| a.key.cmp(&b.key));
    assert_eq!(listed, expected);
}

#[tokio::test]
async fn hundred_mib_object() {
    let origin = Origin::start(6);
    let c = origin.client();
    create_bucket(&c, "big").await;
    let data = random_bytes(7, 100 * MIB);
    check_roundtrip(&origin, "big", "blob/100mib.bin", &data).await;
}

#[tokio::test]
async fn overwrite_replaces_body_and_etag() {
    let origin = Origin::start(6);
    let c = origin.client();
    create_bucket(&c, "overwrite").await;
    let v1 = random_bytes(1, 3 * MIB + 5);
    let v2 = random_bytes(2, 1234);
    put_bytes(&c, "overwrite", "k", &v1).await;
    put_bytes(&c, "overwrite", "k", &v2).await;
    assert_eq!(get_bytes(&c, "overwrite", "k").await, v2);
    let listed = list_all(&c, "overwrite", "").await;
    assert_eq!(
        listed,
        vec![Listed {
            key: "k".into(),
            etag: etag_of(&v2),
            size: v2.len() as i64
        }]
    );
}

#[tokio::test]
async fn headers_and_user_metadata_preserved() {
    let origin = Origin::start(6);
    let c = origin.client();
    create_bucket(&c, "meta").await;
    let data = random_bytes(3, 2 * MIB + 17);
    c.put_object()
        .bucket("meta")
        .key("video/clip.mp4")
        .body(ByteStream::from(data.clone()))
        .content_type("video/mp4")
        .cache_control("public, max-age=3600")
        .content_disposition("attachment; filename=\"clip.mp4\"")
        .content_language("ko-KR")
        .metadata("color", "blue")
        .metadata("camera-id", "A7 iii")
        .send()
        .await
        .unwrap_or_else(|e| panic!("PutObject: {}", DisplayErrorContext(&e)));

    let head = c
        .head_object()
        .bucket("meta")
        .key("video/clip.mp4")
        .send()
        .await
        .unwrap_or_else(|e| panic!("HeadObject: {}", DisplayErrorContext(&e)));
    assert_eq!(head.content_type(), Some("video/mp4"));
    assert_eq!(head.cache_control(), Some("public, max-age=3600"));
    assert_eq!(
        head.content_disposition(),
        Some("attachment; filename=\"clip.mp4\"")
    );
    assert_eq!(head.content_language(), Some("ko-KR"));
    let meta = head.metadata().cloned().unwrap_or_default();
    assert_eq!(
        meta.get("color").map(String::as_str),
        Some("blue"),
        "{meta:?}"
    );
    assert_eq!(
        meta.get("camera-id").map(String::as_str),
        Some("A7 iii"),
        "{meta:?}"
    );
    assert_eq!(meta.len(), 2, "unexpected user metadata: {meta:?}");
    assert_eq!(head.e_tag(), Some(etag_of(&data).as_str()));

    let get = c
        .get_object()
        .bucket("meta")
        .key("video/clip.mp4")
        .send()
        .await
        .unwrap_or_else(|e| panic!("GetObject: {}", DisplayErrorContext(&e)));
    assert_eq!(get.content_type(), Some("video/mp4"));
    assert_eq!(get.cache_control(), Some("public, max-age=3600"));
    assert_eq!(
        get.content_disposition(),
        Some("attachment; filename=\"clip.mp4\"")
    );
    assert_eq!(get.content_length(), Some(data.len() as i64));
    let meta = get.metadata().cloned().unwrap_or_default();
    assert_eq!(
        meta.get("color").map(String::as_str),
        Some("blue"),
        "{meta:?}"
    );
    let body = get.body.collect().await.expect("body").into_bytes();
    assert_eq!(sha256_hex(&body), sha256_hex(&data));

    // response-* query parameters override the stored headers on GET.
    let get = c
        .get_object()
        .bucket("meta")
        .key("video/clip.mp4")
        .response_content_type("application/octet-stream")
        .response_cache_control("no-store")
        .send()
        .await
        .unwrap_or_else(|e| panic!("GetObject response-*: {}", DisplayErrorContext(&e)));
    assert_eq!(get.content_type(), Some("application/octet-stream"));
    assert_eq!(get.cache_control(), Some("no-store"));

    // An object without a Content-Type gets a default one, not an empty one.
    put_bytes(&c, "meta", "plain", b"hello").await;
    let head = c
        .head_object()
        .bucket("meta")
        .key("plain")
        .send()
        .await
        .expect("HeadObject plain");
    assert!(
        !head.content_type().unwrap_or_default().is_empty(),
        "Content-Type missing on an object stored without one"
    );
}

#[tokio::test]
async fn content_md5_checked() {
    let origin = Origin::start(6);
    let c = origin.client();
    create_bucket(&c, "md5").await;
    let data = random_bytes(4, 300 * KIB);

    // Right Content-MD5: accepted.
    c.put_object()
        .bucket("md5")
        .key("good")
        .content_md5(content_md5(&data))
        .body(ByteStream::from(data.clone()))
        .send()
        .await
        .unwrap_or_else(|e| {
            panic!(
                "PutObject with right Content-MD5: {}",
                DisplayErrorContext(&e)
            )
        });
    assert_eq!(get_bytes(&c, "md5", "good").await, data);

    // Wrong Content-MD5 (the MD5 of other bytes): BadDigest, nothing stored.
    let res = c
        .put_object()
        .bucket("md5")
        .key("bad")
        .content_md5(content_md5(b"something else"))
        .body(ByteStream::from(data.clone()))
        .send()
        .await;
    assert_s3_err(
        "PutObject with wrong Content-MD5",
        res,
        400,
        Some("BadDigest"),
    );
    let res = c.head_object().bucket("md5").key("bad").send().await;
    assert_s3_err("HeadObject after BadDigest", res, 404, None);

    // Wrong Content-MD5 on an overwrite leaves the old object intact.
    let res = c
        .put_object()
        .bucket("md5")
        .key("good")
        .content_md5(content_md5(b"other"))
        .body(ByteStream::from(random_bytes(5, 1000)))
        .send()
        .await;
    assert_s3_err(
        "overwrite with wrong Content-MD5",
        res,
        400,
        Some("BadDigest"),
    );
    assert_eq!(get_bytes(&c, "md5", "good").await, data);

    let listed = list_all(&c, "md5", "").await;
    assert_eq!(
        listed.iter().map(|l| l.key.as_str()).collect::<Vec<_>>(),
        vec!["good"]
    );
}

#[tokio::test]
async fn bucket_operations() {
    let origin = Origin::start(6);
    let c = origin.client();
    create_bucket(&c, "alpha").await;
    create_bucket(&c, "beta-2").await;

    c.head_bucket()
        .bucket("alpha")
        .send()
        .await
        .unwrap_or_else(|e| panic!("HeadBucket alpha: {}", DisplayErrorContext(&e)));
    let res = c.head_bucket().bucket("missing-bucket").send().await;
    assert_s3_err("HeadBucket missing", res, 404, None);

    let list = c.list_buckets().send().await.expect("ListBuckets");
    let names: Vec<&str> = list.buckets().iter().filter_map(|b| b.name()).collect();
    assert_eq!(names, vec!["alpha", "beta-2"]);
    assert!(
        list.buckets().iter().all(|b| b.creation_date().is_some()),
        "CreationDate missing: {list:?}"
    );

    let loc = c
        .get_bucket_location()
        .bucket("alpha")
        .send()
        .await
        .unwrap_or_else(|e| panic!("GetBucketLocation: {}", DisplayErrorContext(&e)));
    // us-east-1 is reported as an empty LocationConstraint by S3.
    let constraint = loc
        .location_constraint()
        .map(|l| l.as_str().to_string())
        .unwrap_or_default();
    assert!(
        constraint.is_empty() || constraint == "us-east-1",
        "LocationConstraint {constraint:?}"
    );
    let res = c
        .get_bucket_location()
        .bucket("missing-bucket")
        .send()
        .await;
    assert_s3_err("GetBucketLocation missing", res, 404, Some("NoSuchBucket"));

    put_bytes(&c, "alpha", "x/y", b"data").await;
    let res = c.delete_bucket().bucket("alpha").send().await;
    assert_s3_err("DeleteBucket non-empty", res, 409, Some("BucketNotEmpty"));
    assert_eq!(get_bytes(&c, "alpha", "x/y").await, b"data");

    c.delete_object()
        .bucket("alpha")
        .key("x/y")
        .send()
        .await
        .expect("DeleteObject");
    c.delete_bucket()
        .bucket("alpha")
        .send()
        .await
        .unwrap_or_else(|e| panic!("DeleteBucket emptied: {}", DisplayErrorContext(&e)));
    let res = c.head_bucket().bucket("alpha").send().await;
    assert_s3_err("HeadBucket deleted", res, 404, None);
    let list = c.list_buckets().send().await.expect("ListBuckets");
    let names: Vec<&str> = list.buckets().iter().filter_map(|b| b.name()).collect();
    assert_eq!(names, vec!["beta-2"]);

    let res = c.delete_bucket().bucket("alpha").send().await;
    assert_s3_err("DeleteBucket missing", res, 404, Some("NoSuchBucket"));

    // A deleted bucket can be created again, empty.
    create_bucket(&c, "alpha").await;
    assert!(list_all(&c, "alpha", "").await.is_empty());
}

#[tokio::test]
async fn delete_object_and_error_codes() {
    let origin = Origin::start(6);
    let c = origin.client();
    create_bucket(&c, "del").await;
    put_bytes(&c, "del", "a", b"aaa").await;

    c.delete_object()
        .bucket("del")
        .key("a")
        .send()
        .await
        .expect("DeleteObject");
    let res = c.get_object().bucket("del").key("a").send().await;
    assert_s3_err("GetObject deleted", res, 404, Some("NoSuchKey"));
    let res = c.head_object().bucket("del").key("a").send().await;
    assert_s3_err("HeadObject deleted", res, 404, None);
    // Deleting a missing key succeeds (S3 is idempotent here).
    c.delete_object()
        .bucket("del")
        .key("a")
        .send()
        .await
        .unwrap_or_else(|e| panic!("DeleteObject missing key: {}", DisplayErrorContext(&e)));

    let res = c.get_object().bucket("del").key("never").send().await;
    assert_s3_err("GetObject missing key", res, 404, Some("NoSuchKey"));
    let res = c
        .get_object()
        .bucket("no-such-bucket")
        .key("a")
        .send()
        .await;
    assert_s3_err("GetObject missing bucket", res, 404, Some("NoSuchBucket"));
    let res = c
        .put_object()
        .bucket("no-such-bucket")
        .key("a")
        .body(ByteStream::from_static(b"x"))
        .send()
        .await;
    assert_s3_err("PutObject missing bucket", res, 404, Some("NoSuchBucket"));
    let res = c.list_objects_v2().bucket("no-such-bucket").send().await;
    assert_s3_err(
        "ListObjectsV2 missing bucket",
        res,
        404,
        Some("NoSuchBucket"),
    );
    let res = c
        .delete_object()
        .bucket("no-such-bucket")
        .key("a")
        .send()
        .await;
    assert_s3_err(
        "DeleteObject missing bucket",
        res,
        404,
        Some("NoSuchBucket"),
    );
}

#[tokio::test]
async fn delete_objects_batch() {
    let origin = Origin::start(6);
    let c = origin.client();
    create_bucket(&c, "batch").await;
    for k in ["k1", "k2", "dir/k3", "k4"] {
        put_bytes(&c, "batch", k, k.as_bytes()).await;
    }
    let ids: Vec<ObjectIdentifier> = ["k1", "k2", "dir/k3", "missing"]
        .iter()
        .map(|k| ObjectIdentifier::builder().key(*k).build().expect("id"))
        .collect();
    let out = c
        .delete_objects()
        .bucket("batch")
        .delete(
            Delete::builder()
                .set_objects(Some(ids))
                .build()
                .expect("delete"),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("DeleteObjects: {}", DisplayErrorContext(&e)));
    assert!(out.errors().is_empty(), "errors: {:?}", out.errors());
    let mut deleted: Vec<&str> = out.deleted().iter().filter_map(|d| d.key()).collect();
    deleted.sort();
    assert_eq!(deleted, vec!["dir/k3", "k1", "k2", "missing"]);
    let left: Vec<String> = list_all(&c, "batch", "")
        .await
        .into_iter()
        .map(|l| l.key)
        .collect();
    assert_eq!(left, vec!["k4".to_string()]);
    for k in ["k1", "k2", "dir/k3"] {
        let res = c.get_object().bucket("batch").key(k).send().await;
        assert_s3_err("GetObject after DeleteObjects", res, 404, Some("NoSuchKey"));
    }

    // Quiet mode reports no successes.
    let out = c
        .delete_objects()
        .bucket("batch")
        .delete(
            Delete::builder()
                .objects(ObjectIdentifier::builder().key("k4").build().expect("id"))
                .quiet(true)
                .build()
                .expect("delete"),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("DeleteObjects quiet: {}", DisplayErrorContext(&e)));
    assert!(
        out.deleted().is_empty(),
        "quiet mode listed {:?}",
        out.deleted()
    );
    assert!(out.errors().is_empty());
    assert!(list_all(&c, "batch", "").await.is_empty());
}
