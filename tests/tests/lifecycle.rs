//! Lifecycle rules applied by the origin's background sweep, with a
//! lifecycle "day" shortened to one second (GUREUM_LIFECYCLE_DAY_SECS) so
//! a test can watch objects expire by prefix and age, incomplete uploads
//! get aborted, and noncurrent versions go, while others stay.

use std::time::Duration;

use aws_sdk_s3::Client;
use aws_sdk_s3::types::{
    AbortIncompleteMultipartUpload, BucketLifecycleConfiguration, BucketVersioningStatus,
    ExpirationStatus, LifecycleExpiration, LifecycleRule, LifecycleRuleFilter,
    NoncurrentVersionExpiration, Transition, TransitionStorageClass, VersioningConfiguration,
};
use gureum_tests::*;

fn fast_lifecycle_origin() -> Origin {
    let mut opts = OriginOptions::drives(6);
    opts.env = vec![
        ("GUREUM_LIFECYCLE_DAY_SECS".into(), "1".into()),
        ("GUREUM_LIFECYCLE_INTERVAL_SECS".into(), "0.3".into()),
    ];
    Origin::start_with(opts)
}

/// Waits for `f` with the harness's one wait helper; panics naming `what`.
async fn wait_until<F, Fut>(what: &str, limit: Duration, f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    assert!(eventually(limit, f).await, "timed out waiting for {what}");
}

fn rule(id: &str, prefix: &str) -> aws_sdk_s3::types::builders::LifecycleRuleBuilder {
    LifecycleRule::builder()
        .id(id)
        .status(ExpirationStatus::Enabled)
        .filter(LifecycleRuleFilter::builder().prefix(prefix).build())
}

async fn keys(c: &Client, bucket: &str) -> Vec<String> {
    list_all(c, bucket, "")
        .await
        .into_iter()
        .map(|l| l.key)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expiration_by_prefix_and_aborted_uploads() {
    let origin = fast_lifecycle_origin();
    let c = origin.client();
    create_bucket(&c, "life").await;
    for k in ["tmp/a", "tmp/b", "keep/c"] {
        put_bytes(&c, "life", k, k.as_bytes()).await;
    }
    let up = c
        .create_multipart_upload()
        .bucket("life")
        .key("tmp/upload")
        .send()
        .await
        .expect("create");
    let up_id = up.upload_id().expect("id").to_string();
    let config = BucketLifecycleConfiguration::builder()
        .rules(
            rule("expire-tmp", "tmp/")
                .expiration(LifecycleExpiration::builder().days(2).build())
                .abort_incomplete_multipart_upload(
                    AbortIncompleteMultipartUpload::builder()
                        .days_after_initiation(1)
                        .build(),
                )
                .build()
                .expect("rule"),
        )
        .build()
        .expect("config");
    c.put_bucket_lifecycle_configuration()
        .bucket("life")
        .lifecycle_configuration(config)
        .send()
        .await
        .expect("PutBucketLifecycleConfiguration");
    let got = c
        .get_bucket_lifecycle_configuration()
        .bucket("life")
        .send()
        .await
        .expect("get");
    assert_eq!(got.rules().len(), 1);
    assert_eq!(got.rules()[0].expiration().and_then(|e| e.days()), Some(2));

    wait_until("tmp/ to expire", Duration::from_secs(20), || async {
        keys(&c, "life").await == vec!["keep/c".to_string()]
    })
    .await;
    let res = c
        .list_parts()
        .bucket("life")
        .key("tmp/upload")
        .upload_id(&up_id)
        .send()
        .await;
    assert_s3_err(
        "ListParts of the aborted upload",
        res,
        404,
        Some("NoSuchUpload"),
    );
    assert_eq!(get_bytes(&c, "life", "keep/c").await, b"keep/c");

    c.delete_bucket_lifecycle()
        .bucket("life")
        .send()
        .await
        .expect("delete lifecycle");
    let res = c
        .get_bucket_lifecycle_configuration()
        .bucket("life")
        .send()
        .await;
    assert_s3_err(
        "lifecycle after delete",
        res,
        404,
        Some("NoSuchLifecycleConfiguration"),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn versioned_expiration_and_noncurrent_cleanup() {
    let origin = fast_lifecycle_origin();
    let c = origin.client();
    create_bucket(&c, "lvers").await;
    c.put_bucket_versioning()
        .bucket("lvers")
        .versioning_configuration(
            VersioningConfiguration::builder()
                .status(BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .expect("versioning");
    put_bytes(&c, "lvers", "logs/x", b"v1").await;
    put_bytes(&c, "lvers", "logs/x", b"v2").await;
    let config = BucketLifecycleConfiguration::builder()
        .rules(
            rule("old-versions", "logs/")
                .noncurrent_version_expiration(
                    NoncurrentVersionExpiration::builder()
                        .noncurrent_days(1)
                        .build(),
                )
                .build()
                .expect("rule"),
        )
        .build()
        .expect("config");
    c.put_bucket_lifecycle_configuration()
        .bucket("lvers")
        .lifecycle_configuration(config)
        .send()
        .await
        .expect("put lifecycle");
    wait_until(
        "the noncurrent version to go",
        Duration::from_secs(20),
        || async {
            let v = c
                .list_object_versions()
                .bucket("lvers")
                .send()
                .await
                .expect("versions");
            v.versions().len() == 1
        },
    )
    .await;
    assert_eq!(
        get_bytes(&c, "lvers", "logs/x").await,
        b"v2",
        "current version kept"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsupported_rules_are_refused() {
    let origin = Origin::start(6);
    let c = origin.client();
    create_bucket(&c, "lrules").await;
    let transition = rule("t", "")
        .transitions(
            Transition::builder()
                .days(30)
                .storage_class(TransitionStorageClass::Glacier)
                .build(),
        )
        .build()
        .expect("rule");
    let res = c
        .put_bucket_lifecycle_configuration()
        .bucket("lrules")
        .lifecycle_configuration(
            BucketLifecycleConfiguration::builder()
                .rules(transition)
                .build()
                .expect("config"),
        )
        .send()
        .await;
    assert_s3_err("transition rule", res, 501, Some("NotImplemented"));
    let zero = rule("z", "")
        .expiration(LifecycleExpiration::builder().days(0).build())
        .build()
        .expect("rule");
    let res = c
        .put_bucket_lifecycle_configuration()
        .bucket("lrules")
        .lifecycle_configuration(
            BucketLifecycleConfiguration::builder()
                .rules(zero)
                .build()
                .expect("config"),
        )
        .send()
        .await;
    assert_s3_err("zero days", res, 400, Some("InvalidArgument"));
    let res = c
        .get_bucket_lifecycle_configuration()
        .bucket("lrules")
        .send()
        .await;
    assert_s3_err(
        "nothing stored",
        res,
        404,
        Some("NoSuchLifecycleConfiguration"),
    );
}
