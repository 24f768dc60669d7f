//! Range GETs on a multi-block object (random and block-boundary ranges,
//! suffix and open-ended forms, unsatisfiable ranges) and conditional GETs.

use std::time::{Duration, SystemTime};

use aws_sdk_s3::Client;
use aws_sdk_s3::error::DisplayErrorContext;
use aws_smithy_types::DateTime;
use gureum_tests::*;
use rand::{Rng, SeedableRng};

const SIZE: usize = 5 * MIB + 123;

/// GETs `range` and checks body, Content-Length and Content-Range against
/// the inclusive byte span `[start, end]`.
async fn check_range(c: &Client, data: &[u8], range: &str, start: usize, end: usize) {
    let out = c
        .get_object()
        .bucket("ranges")
        .key("obj")
        .range(range)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET Range {range}: {}", DisplayErrorContext(&e)));
    let len = end - start + 1;
    assert_eq!(
        out.content_length(),
        Some(len as i64),
        "Content-Length for {range}"
    );
    assert_eq!(
        out.content_range(),
        Some(format!("bytes {start}-{end}/{}", data.len()).as_str()),
        "Content-Range for {range}"
    );
    let body = out.body.collect().await.expect("body").into_bytes();
    assert_eq!(body.len(), len, "body length for {range}");
    assert!(body[..] == data[start..=end], "bytes differ for {range}");
}

async fn setup() -> (Origin, Vec<u8>) {
    let origin = Origin::start(6);
    let c = origin.client();
    create_bucket(&c, "ranges").await;
    let data = random_bytes(77, SIZE);
    put_bytes(&c, "ranges", "obj", &data).await;
    (origin, data)
}

#[tokio::test]
async fn explicit_ranges() {
    let (origin, data) = setup().await;
    let c = origin.client();
    let last = SIZE - 1;
    let mut cases: Vec<(usize, usize)> = vec![
        (0, 0),
        (last, last),
        (0, last),
        (0, 1),
        (1, 1),
        (last - 1, last),
    ];
    for b in 1..=5 {
        let edge = b * MIB;
        cases.extend([
            (edge - 1, edge),
            (edge - 1, edge - 1),
            (edge, edge),
            (edge - 10, edge + 10),
            (edge - MIB, edge - 1),
            (edge, (edge + MIB - 1).min(last)),
        ]);
    }
    // Shard boundaries inside a block (4 data shards of 256 KiB).
    for s in 1..4 {
        let edge = MIB + s * 256 * KIB;
        cases.push((edge - 1, edge));
    }
    cases.push((MIB - 1, 4 * MIB));
    for (start, end) in cases {
        check_range(&c, &data, &format!("bytes={start}-{end}"), start, end).await;
    }
    // An end past the object is clamped to the last byte.
    check_range(
        &c,
        &data,
        &format!("bytes={}-{}", last - 5, last + 1000),
        last - 5,
        last,
    )
    .await;
    // Suffix ranges.
    for n in [1, 123, 124, MIB, MIB + 123, SIZE] {
        check_range(&c, &data, &format!("bytes=-{n}"), SIZE - n, last).await;
    }
    // A suffix longer than the object is the whole object.
    check_range(&c, &data, &format!("bytes=-{}", SIZE + 10), 0, last).await;
    // Open-ended ranges.
    for start in [0, 1, MIB - 1, MIB, 5 * MIB, last] {
        check_range(&c, &data, &format!("bytes={start}-"), start, last).await;
    }
}

#[tokio::test]
async fn random_ranges() {
    let (origin, data) = setup().await;
    let c = origin.client();
    let mut rng = rand::rngs::StdRng::seed_from_u64(4242);
    for _ in 0..50 {
        let start = rng.random_range(0..SIZE);
        let max_len = if rng.random_bool(0.5) { 4096 } else { 3 * MIB };
        let end = (start + rng.random_range(0..max_len)).min(SIZE - 1);
        check_range(&c, &data, &format!("bytes={start}-{end}"), start, end).await;
    }
}

#[tokio::test]
async fn unsatisfiable_ranges() {
    let (origin, _data) = setup().await;
    let c = origin.client();
    for range in [
        format!("bytes={SIZE}-"),
        format!("bytes={}-{}", SIZE + 100, SIZE + 200),
        "bytes=-0".to_string(),
    ] {
        let res = c
            .get_object()
            .bucket("ranges")
            .key("obj")
            .range(&range)
            .send()
            .await;
        assert_s3_err(
            &format!("GET Range {range}"),
            res,
            416,
            Some("InvalidRange"),
        );
    }
    // Any range on an empty object is unsatisfiable.
    put_bytes(&c, "ranges", "empty", b"").await;
    let res = c
        .get_object()
        .bucket("ranges")
        .key("empty")
        .range("bytes=0-0")
        .send()
        .await;
    assert_s3_err(
        "GET Range bytes=0-0 of an empty object",
        res,
        416,
        Some("InvalidRange"),
    );
}

#[tokio::test]
async fn conditional_gets() {
    let (origin, data) = setup().await;
    let c = origin.client();
    let etag = etag_of(&data);
    let get = || c.get_object().bucket("ranges").key("obj");
    let future = DateTime::from(SystemTime::now() + Duration::from_secs(24 * 3600));
    let past = DateTime::from(SystemTime::now() - Duration::from_secs(24 * 3600));

    // If-None-Match with the current ETag: 304.
    let res = get().if_none_match(&etag).send().await;
    assert_s3_err("If-None-Match current ETag", res, 304, None);
    let res = get().if_none_match("*").send().await;
    assert_s3_err("If-None-Match *", res, 304, None);
    // If-None-Match with another ETag: 200 and the body.
    let out = get()
        .if_none_match("\"0123456789abcdef0123456789abcdef\"")
        .send()
        .await
        .unwrap_or_else(|e| panic!("If-None-Match other ETag: {}", DisplayErrorContext(&e)));
    assert_eq!(
        out.body.collect().await.expect("body").into_bytes().len(),
        SIZE
    );

    // If-Match with the current ETag: 200; with another: 412.
    let out = get()
        .if_match(&etag)
        .send()
        .await
        .unwrap_or_else(|e| panic!("If-Match current ETag: {}", DisplayErrorContext(&e)));
    assert_eq!(out.e_tag(), Some(etag.as_str()));
    let res = get()
        .if_match("\"0123456789abcdef0123456789abcdef\"")
        .send()
        .await;
    assert_s3_err("If-Match wrong ETag", res, 412, Some("PreconditionFailed"));

    // If-Modified-Since in the future: 304; in the past: 200.
    let res = get().if_modified_since(future).send().await;
    assert_s3_err("If-Modified-Since future", res, 304, None);
    get()
        .if_modified_since(past)
        .send()
        .await
        .unwrap_or_else(|e| panic!("If-Modified-Since past: {}", DisplayErrorContext(&e)));

    // If-Unmodified-Since in the past: 412; in the future: 200.
    let res = get().if_unmodified_since(past).send().await;
    assert_s3_err(
        "If-Unmodified-Since past",
        res,
        412,
        Some("PreconditionFailed"),
    );
    get()
        .if_unmodified_since(future)
        .send()
        .await
        .unwrap_or_else(|e| panic!("If-Unmodified-Since future: {}", DisplayErrorContext(&e)));

    // HEAD honours the same conditions.
    let res = c
        .head_object()
        .bucket("ranges")
        .key("obj")
        .if_none_match(&etag)
        .send()
        .await;
    assert_s3_err("HEAD If-None-Match current ETag", res, 304, None);
    let res = c
        .head_object()
        .bucket("ranges")
        .key("obj")
        .if_match("\"0123456789abcdef0123456789abcdef\"")
        .send()
        .await;
    assert_s3_err("HEAD If-Match wrong ETag", res, 412, None);

    // Conditions combine with a Range.
    let out = get()
        .if_match(&etag)
        .range("bytes=100-199")
        .send()
        .await
        .unwrap_or_else(|e| panic!("If-Match + Range: {}", DisplayErrorContext(&e)));
    let body = out.body.collect().await.expect("body").into_bytes();
    assert!(body[..] == data[100..200]);
}
