//! Deletes are all-or-nothing per key across a crash: an aborted process
//! right after a delete committed in the index (fault injection at the
//! exact step) and kill -9 at random moments of a 1,000-key DeleteObjects
//! both leave every key either fully readable or fully gone — never one
//! that lists or answers HEAD but cannot be read — and start-up finishes
//! the removal of the drive files.

use std::time::Duration;

use aws_sdk_s3::Client;
use aws_sdk_s3::types::{Delete, ObjectIdentifier};
use gureum_tests::*;

fn ids(keys: &[String]) -> Delete {
    Delete::builder()
        .set_objects(Some(
            keys.iter()
                .map(|k| ObjectIdentifier::builder().key(k).build().expect("id"))
                .collect(),
        ))
        .build()
        .expect("delete")
}

/// Every key of `keys` either reads back as `body(key)` or is gone from
/// HEAD, GET and the listing. Returns how many are gone.
async fn all_or_nothing(
    c: &Client,
    bucket: &str,
    keys: &[String],
    body: impl Fn(&str) -> Vec<u8>,
) -> usize {
    let listed: std::collections::BTreeSet<String> = list_all(c, bucket, "")
        .await
        .into_iter()
        .map(|l| l.key)
        .collect();
    let mut gone = 0;
    for k in keys {
        let head = c.head_object().bucket(bucket).key(k).send().await;
        match head {
            Ok(_) => {
                assert!(listed.contains(k), "{k}: HEAD 200 but not listed");
                let got = get_bytes(c, bucket, k).await;
                assert_eq!(got, body(k), "{k}: wrong bytes after the crash");
            }
            Err(e) => {
                assert_eq!(err_status(&e), Some(404), "{k}: HEAD after the crash");
                assert!(!listed.contains(k), "{k}: listed but HEAD 404");
                gone += 1;
            }
        }
    }
    gone
}

/// Version directories of `bucket` left on the drives.
fn version_dirs(origin: &Origin, bucket: &str) -> usize {
    (0..origin.drive_count())
        .map(|d| {
            find_files(
                &origin.drive_path(d).join("buckets").join(bucket),
                "meta.json",
            )
            .len()
        })
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abort_after_the_index_commit_of_a_delete() {
    let mut opts = OriginOptions::drives(6);
    opts.env = vec![(
        "GUREUM_TEST_FAULTS".into(),
        "delete.drive_files=abort".into(),
    )];
    let mut origin = Origin::start_with(opts);
    let c = origin.client();
    create_bucket(&c, "del").await;
    let keys: Vec<String> = (0..3).map(|i| format!("k{i}")).collect();
    for (i, k) in keys.iter().enumerate() {
        put_bytes(&c, "del", k, &random_bytes(i as u64, 3 * KIB)).await;
    }
    assert_eq!(version_dirs(&origin, "del"), 18);
    // The server aborts on the first key's drive-file step.
    let res = c
        .delete_objects()
        .bucket("del")
        .delete(ids(&keys))
        .send()
        .await;
    assert!(res.is_err(), "the server should have died mid-request");
    assert!(
        eventually(Duration::from_secs(10), || {
            let exited = origin.try_exit_status().is_some();
            async move { exited }
        })
        .await,
        "server still running"
    );
    assert!(
        origin
            .log_tail()
            .contains("fault injection: abort at delete.drive_files")
    );
    // Restart without the fault: the committed delete is finished.
    origin.options_mut().env.clear();
    origin.restart();
    let c = origin.client();
    let body = |k: &str| {
        let i: u64 = k.trim_start_matches('k').parse().expect("index");
        random_bytes(i, 3 * KIB)
    };
    let gone = all_or_nothing(&c, "del", &keys, body).await;
    assert_eq!(gone, 1, "exactly the key whose delete committed is gone");
    assert_eq!(
        version_dirs(&origin, "del"),
        12,
        "start-up removed the deleted version's files from every drive"
    );
    assert!(
        origin
            .log_tail()
            .contains("finished deletions interrupted by a crash"),
        "{}",
        origin.log_tail()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill9_during_a_thousand_key_delete_objects() {
    let mut origin = Origin::start(6);
    let c = origin.client();
    create_bucket(&c, "many").await;
    let keys: Vec<String> = (0..1000).map(|i| format!("obj/{i:04}")).collect();
    let body = |k: &str| k.as_bytes().repeat(3);
    // 8 concurrent writers: 1,000 small PUTs.
    let mut tasks = Vec::new();
    for chunk in keys.chunks(125) {
        let (c, chunk) = (c.clone(), chunk.to_vec());
        tasks.push(tokio::spawn(async move {
            for k in chunk {
                put_bytes(&c, "many", &k, &k.as_bytes().repeat(3)).await;
            }
        }));
    }
    for t in tasks {
        t.await.expect("put task");
    }
    // Three rounds: delete everything left, kill at a growing delay.
    let mut left = keys.clone();
    for (round, delay_ms) in [40u64, 150, 400].into_iter().enumerate() {
        let c2 = origin.client();
        let batch = left.clone();
        let req = tokio::spawn(async move {
            let _ = c2
                .delete_objects()
                .bucket("many")
                .delete(ids(&batch))
                .send()
                .await;
        });
        tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        origin.kill9();
        let _ = req.await;
        origin.restart();
        let c = origin.client();
        let gone = all_or_nothing(&c, "many", &keys, body).await;
        eprintln!("round {round}: killed after {delay_ms} ms, {gone} of 1000 keys gone");
        left = list_all(&c, "many", "")
            .await
            .into_iter()
            .map(|l| l.key)
            .collect();
        if left.is_empty() {
            break;
        }
    }
}
