//! Drive loss while running (6 drives, 4 data + 2 parity): any 2 wiped
//! drives lose nothing, a 3rd makes reads fail with a 5xx, never with
//! wrong bytes.

use std::time::Duration;

use aws_sdk_s3::Client;
use aws_sdk_s3::error::DisplayErrorContext;
use gureum_tests::*;

const BUCKET: &str = "degraded";

fn objects() -> Vec<(String, Vec<u8>)> {
    let sizes = [
        0,
        1,
        4 * KIB,
        MIB - 1,
        MIB,
        MIB + 1,
        3 * MIB + 7,
        5 * MIB + 123,
    ];
    sizes
        .iter()
        .enumerate()
        .map(|(i, &size)| {
            (
                format!("obj/{i}-{size}"),
                random_bytes(500 + i as u64, size),
            )
        })
        .collect()
}

async fn put_all(c: &Client, objs: &[(String, Vec<u8>)]) {
    create_bucket(c, BUCKET).await;
    for (key, data) in objs {
        put_bytes(c, BUCKET, key, data).await;
    }
}

async fn check_all(c: &Client, objs: &[(String, Vec<u8>)], when: &str) {
    for (key, data) in objs {
        let got = get_bytes(c, BUCKET, key).await;
        assert_eq!(got.len(), data.len(), "{when}: length of {key}");
        assert!(got == *data, "{when}: bytes of {key} differ");
        let head = c
            .head_object()
            .bucket(BUCKET)
            .key(key)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{when}: HeadObject {key}: {}", DisplayErrorContext(&e)));
        assert_eq!(
            head.e_tag(),
            Some(etag_of(data).as_str()),
            "{when}: ETag of {key}"
        );
    }
    // A range that spans a block boundary of the multi-block object.
    let (key, data) = objs
        .iter()
        .find(|(_, d)| d.len() == 3 * MIB + 7)
        .expect("3 MiB + 7 object");
    let (start, end) = (MIB - 100, 2 * MIB + 100);
    let out = c
        .get_object()
        .bucket(BUCKET)
        .key(key)
        .range(format!("bytes={start}-{end}"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{when}: ranged GET: {}", DisplayErrorContext(&e)));
    let body = out.body.collect().await.expect("range body").into_bytes();
    assert!(
        body[..] == data[start..=end],
        "{when}: ranged GET bytes differ"
    );
}

/// Every non-empty object must now fail with a 5xx, and must never come
/// back with a body (right or wrong).
async fn check_all_fail(c: &Client, objs: &[(String, Vec<u8>)]) {
    for (key, data) in objs.iter().filter(|(_, d)| !d.is_empty()) {
        let Ok(res) = tokio::time::timeout(
            Duration::from_secs(120),
            c.get_object().bucket(BUCKET).key(key).send(),
        )
        .await
        else {
            panic!("GET {key} with 3 drives lost hung for 120 s");
        };
        match res {
            Ok(out) => {
                let body = out.body.collect().await.map(|b| b.into_bytes());
                match body {
                    Ok(b) if b[..] == data[..] => panic!(
                        "GET {key} ({} B) with 3 of 6 drives wiped returned 200 with the right \
                         bytes; expected a 5xx (4 data shards cannot be left)",
                        data.len()
                    ),
                    Ok(b) => panic!(
                        "GET {key} ({} B) with 3 of 6 drives wiped returned 200 with WRONG bytes \
                         ({} B)",
                        data.len(),
                        b.len()
                    ),
                    Err(e) => panic!(
                        "GET {key} ({} B) with 3 of 6 drives wiped returned 200 and then broke \
                         the body ({e}); expected a 5xx status",
                        data.len()
                    ),
                }
            }
            Err(e) => {
                let status = err_status(&e);
                assert!(
                    status.is_some_and(|s| s >= 500),
                    "GET {key} with 3 drives lost: expected a 5xx S3 error, got status {status:?}: {}",
                    DisplayErrorContext(&e)
                );
            }
        }
    }
}

async fn wipe_two_then_a_third(lost: [usize; 2], third: usize) {
    let origin = Origin::start(6);
    let c = origin.client();
    let objs = objects();
    put_all(&c, &objs).await;
    check_all(&c, &objs, "healthy").await;

    for d in lost {
        origin.wipe_drive(d);
    }
    let when = format!("drives {lost:?} wiped");
    check_all(&c, &objs, &when).await;
    // Read twice: a heal or cache triggered by the first read must not
    // change what the second one returns.
    check_all(&c, &objs, &format!("{when}, second read")).await;

    // Listing still shows everything.
    let listed = list_all(&c, BUCKET, "").await;
    let mut expected: Vec<Listed> = objs
        .iter()
        .map(|(k, d)| Listed {
            key: k.clone(),
            etag: etag_of(d),
            size: d.len() as i64,
        })
        .collect();
    expected.sort_by(|a, b| a.key.cmp(&b.key));
    assert_eq!(listed, expected, "{when}: listing");

    // Four drives are still a write quorum (k = 4): writes go on.
    let fresh = random_bytes(99, 2 * MIB + 3);
    put_bytes(&c, BUCKET, "written-degraded", &fresh).await;
    assert!(
        get_bytes(&c, BUCKET, "written-degraded").await == fresh,
        "{when}: new object"
    );

    origin.wipe_drive(third);
    check_all_fail(&c, &objs).await;

    // The server is still up and answers.
    assert_eq!(origin.http_get("/health/live").await.status, 200);
}

#[tokio::test]
async fn wipe_drives_0_and_5_then_2() {
    wipe_two_then_a_third([0, 5], 2).await;
}

#[tokio::test]
async fn wipe_drives_1_and_2_then_4() {
    wipe_two_then_a_third([1, 2], 4).await;
}

/// Losing data drives only (0 and 1 hold data shards) means every read
/// goes through reconstruction from parity.
#[tokio::test]
async fn wipe_two_data_drives() {
    let origin = Origin::start(6);
    let c = origin.client();
    let objs = objects();
    put_all(&c, &objs).await;
    origin.wipe_drive(0);
    origin.wipe_drive(1);
    check_all(&c, &objs, "drives 0 and 1 wiped").await;
}
