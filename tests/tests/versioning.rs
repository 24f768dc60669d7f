//! Versioning with aws-sdk-s3: Enabled and Suspended buckets, version ids,
//! delete markers (and undelete by deleting the marker), GET/HEAD/DELETE
//! by versionId, ListObjectVersions paging with markers and delimiters,
//! and versions surviving a reindex from the drives alone.

use std::time::Duration;

use aws_sdk_s3::Client;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{BucketVersioningStatus, VersioningConfiguration};
use gureum_tests::*;

async fn set_versioning(c: &Client, bucket: &str, status: BucketVersioningStatus) {
    c.put_bucket_versioning()
        .bucket(bucket)
        .versioning_configuration(VersioningConfiguration::builder().status(status).build())
        .send()
        .await
        .expect("PutBucketVersioning");
}

async fn put_v(c: &Client, bucket: &str, key: &str, body: &[u8]) -> Option<String> {
    c.put_object()
        .bucket(bucket)
        .key(key)
        .body(ByteStream::from(body.to_vec()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("PUT {key}: {e:?}"))
        .version_id
}

async fn get_v(c: &Client, bucket: &str, key: &str, version: &str) -> Vec<u8> {
    c.get_object()
        .bucket(bucket)
        .key(key)
        .version_id(version)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {key}?versionId={version}: {e:?}"))
        .body
        .collect()
        .await
        .expect("body")
        .into_bytes()
        .to_vec()
}

/// (key, version id, is latest, is delete marker) of every entry, paging
/// with `max_keys` per request.
async fn all_versions(
    c: &Client,
    bucket: &str,
    prefix: &str,
    max_keys: i32,
) -> Vec<(String, String, bool, bool)> {
    let mut out = Vec::new();
    let mut key_marker: Option<String> = None;
    let mut version_marker: Option<String> = None;
    for _ in 0..1000 {
        let page = c
            .list_object_versions()
            .bucket(bucket)
            .prefix(prefix)
            .max_keys(max_keys)
            .set_key_marker(key_marker.clone())
            .set_version_id_marker(version_marker.clone())
            .send()
            .await
            .expect("ListObjectVersions");
        let mut entries: Vec<(String, String, bool, bool)> = Vec::new();
        for v in page.versions() {
            entries.push((
                v.key().unwrap_or_default().to_string(),
                v.version_id().unwrap_or_default().to_string(),
                v.is_latest().unwrap_or(false),
                false,
            ));
        }
        for m in page.delete_markers() {
            entries.push((
                m.key().unwrap_or_default().to_string(),
                m.version_id().unwrap_or_default().to_string(),
                m.is_latest().unwrap_or(false),
                true,
            ));
        }
        assert!(
            entries.len() <= max_keys as usize,
            "page larger than max-keys"
        );
        out.extend(entries);
        if !page.is_truncated().unwrap_or(false) {
            return out;
        }
        key_marker = page.next_key_marker().map(str::to_string);
        version_marker = page.next_version_id_marker().map(str::to_string);
    }
    panic!("ListObjectVersions did not end");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn versions_markers_and_undelete() {
    let origin = Origin::start(6);
    let c = origin.client();
    create_bucket(&c, "vers").await;

    // Unversioned: no version ids reported, GetBucketVersioning empty.
    assert_eq!(put_v(&c, "vers", "plain", b"p").await, None);
    let st = c
        .get_bucket_versioning()
        .bucket("vers")
        .send()
        .await
        .expect("get versioning");
    assert!(st.status().is_none());

    set_versioning(&c, "vers", BucketVersioningStatus::Enabled).await;
    let st = c
        .get_bucket_versioning()
        .bucket("vers")
        .send()
        .await
        .expect("get versioning");
    assert_eq!(st.status(), Some(&BucketVersioningStatus::Enabled));

    let v1 = put_v(&c, "vers", "doc", b"one").await.expect("v1 id");
    let v2 = put_v(&c, "vers", "doc", b"two").await.expect("v2 id");
    assert_ne!(v1, v2);
    assert_eq!(get_bytes(&c, "vers", "doc").await, b"two");
    assert_eq!(get_v(&c, "vers", "doc", &v1).await, b"one");
    assert_eq!(get_v(&c, "vers", "doc", &v2).await, b"two");
    let head = c
        .head_object()
        .bucket("vers")
        .key("doc")
        .version_id(&v1)
        .send()
        .await
        .expect("HEAD v1");
    assert_eq!(head.content_length(), Some(3));
    assert_eq!(head.version_id(), Some(v1.as_str()));

    // DELETE without a version adds a marker; the key is gone but not lost.
    let del = c
        .delete_object()
        .bucket("vers")
        .key("doc")
        .send()
        .await
        .expect("DELETE");
    assert_eq!(del.delete_marker(), Some(true));
    let marker = del.version_id().expect("marker id").to_string();
    let res = c.get_object().bucket("vers").key("doc").send().await;
    assert_s3_err("GET after delete", res, 404, Some("NoSuchKey"));
    let raw = origin.signed("GET", "/vers/doc", &[], b"").await;
    assert_eq!(raw.status, 404);
    assert_eq!(raw.header("x-amz-delete-marker"), Some("true"));
    assert_eq!(raw.header("x-amz-version-id"), Some(marker.as_str()));
    assert!(
        list_all(&c, "vers", "doc").await.is_empty(),
        "deleted key still listed"
    );
    assert_eq!(
        get_v(&c, "vers", "doc", &v1).await,
        b"one",
        "old version survives the marker"
    );
    // GET of the marker itself is 405.
    let raw = origin
        .signed("GET", &format!("/vers/doc?versionId={marker}"), &[], b"")
        .await;
    assert_eq!(raw.status, 405, "{}", raw.text());
    assert_eq!(raw.error_code().as_deref(), Some("MethodNotAllowed"));

    let versions = all_versions(&c, "vers", "doc", 1000).await;
    assert_eq!(versions.len(), 3);
    let latest: Vec<_> = versions.iter().filter(|v| v.2).collect();
    assert_eq!(latest.len(), 1);
    assert_eq!(latest[0].1, marker);
    assert!(latest[0].3, "latest is the delete marker");

    // Undelete: remove the marker.
    let del = c
        .delete_object()
        .bucket("vers")
        .key("doc")
        .version_id(&marker)
        .send()
        .await
        .expect("DELETE marker");
    assert_eq!(del.delete_marker(), Some(true));
    assert_eq!(get_bytes(&c, "vers", "doc").await, b"two");

    // Permanently delete v2: v1 is current again.
    c.delete_object()
        .bucket("vers")
        .key("doc")
        .version_id(&v2)
        .send()
        .await
        .expect("DELETE v2");
    assert_eq!(get_bytes(&c, "vers", "doc").await, b"one");
    let res = c
        .get_object()
        .bucket("vers")
        .key("doc")
        .version_id(&v2)
        .send()
        .await;
    assert_s3_err("GET deleted version", res, 404, Some("NoSuchVersion"));
    let res = c
        .get_object()
        .bucket("vers")
        .key("doc")
        .version_id("not-a-version")
        .send()
        .await;
    assert_s3_err("GET bad version id", res, 400, Some("InvalidArgument"));

    // The object written before versioning is the "null" version.
    let versions = all_versions(&c, "vers", "plain", 1000).await;
    assert_eq!(versions.len(), 1);
    assert_eq!(versions[0].1, "null");
    assert_eq!(get_v(&c, "vers", "plain", "null").await, b"p");

    // DeleteBucket refuses while versions or markers remain.
    let res = c.delete_bucket().bucket("vers").send().await;
    assert_s3_err(
        "DeleteBucket with versions",
        res,
        409,
        Some("BucketNotEmpty"),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suspended_buckets_write_null_versions() {
    let origin = Origin::start(6);
    let c = origin.client();
    create_bucket(&c, "susp").await;
    set_versioning(&c, "susp", BucketVersioningStatus::Enabled).await;
    let kept = put_v(&c, "susp", "k", b"versioned").await.expect("id");
    set_versioning(&c, "susp", BucketVersioningStatus::Suspended).await;
    assert_eq!(
        put_v(&c, "susp", "k", b"null-1").await.as_deref(),
        Some("null")
    );
    assert_eq!(
        put_v(&c, "susp", "k", b"null-2").await.as_deref(),
        Some("null")
    );
    // The second null write replaced the first; the versioned one stays.
    let versions = all_versions(&c, "susp", "k", 1000).await;
    let ids: Vec<&str> = versions.iter().map(|v| v.1.as_str()).collect();
    assert_eq!(ids, vec!["null", kept.as_str()], "{versions:?}");
    assert_eq!(get_bytes(&c, "susp", "k").await, b"null-2");
    assert_eq!(get_v(&c, "susp", "k", &kept).await, b"versioned");
    // Only the kept version's and the current null version's data remain.
    let metas = find_files(&origin.drive_path(0), "meta.json");
    assert_eq!(metas.len(), 2, "stale null version data left: {metas:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn version_listing_pages_and_delimiters() {
    let origin = Origin::start(6);
    let c = origin.client();
    create_bucket(&c, "pages").await;
    set_versioning(&c, "pages", BucketVersioningStatus::Enabled).await;
    let mut expected = Vec::new();
    for k in ["a", "b/1", "b/2", "c", "c/x", "d"] {
        for n in 0..3 {
            let id = put_v(&c, "pages", k, format!("{k}{n}").as_bytes())
                .await
                .expect("id");
            expected.push((k.to_string(), id));
        }
    }
    c.delete_object()
        .bucket("pages")
        .key("d")
        .send()
        .await
        .expect("marker on d");
    // Every page size sees every version exactly once, in order.
    let full = all_versions(&c, "pages", "", 1000).await;
    assert_eq!(full.len(), 19);
    for max in [1, 2, 5, 7] {
        let mut paged: Vec<_> = all_versions(&c, "pages", "", max)
            .await
            .into_iter()
            .map(|v| (v.0, v.1))
            .collect();
        let mut whole: Vec<_> = full.iter().map(|v| (v.0.clone(), v.1.clone())).collect();
        paged.sort();
        whole.sort();
        assert_eq!(paged, whole, "max-keys {max}");
    }
    for (k, id) in &expected {
        assert!(
            full.iter().any(|v| &v.0 == k && &v.1 == id),
            "{k} {id} missing"
        );
    }
    // Exactly one latest per key.
    for k in ["a", "b/1", "b/2", "c", "c/x", "d"] {
        assert_eq!(full.iter().filter(|v| v.0 == k && v.2).count(), 1, "{k}");
    }
    // Delimiter: b/ and c/ roll up.
    let page = c
        .list_object_versions()
        .bucket("pages")
        .delimiter("/")
        .send()
        .await
        .expect("delimited");
    let prefixes: Vec<&str> = page
        .common_prefixes()
        .iter()
        .filter_map(|p| p.prefix())
        .collect();
    assert_eq!(prefixes, vec!["b/", "c/"]);
    let keys: std::collections::BTreeSet<&str> =
        page.versions().iter().filter_map(|v| v.key()).collect();
    assert_eq!(keys.into_iter().collect::<Vec<_>>(), vec!["a", "c", "d"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn versions_survive_reindex() {
    let mut origin = Origin::start(6);
    let c = origin.client();
    create_bucket(&c, "rvers").await;
    set_versioning(&c, "rvers", BucketVersioningStatus::Enabled).await;
    let v1 = put_v(&c, "rvers", "k", b"first").await.expect("v1");
    put_v(&c, "rvers", "k", b"second").await.expect("v2");
    c.delete_object()
        .bucket("rvers")
        .key("k")
        .send()
        .await
        .expect("marker");
    origin.kill9();
    std::fs::remove_dir_all(origin.meta_dir()).expect("rm meta");
    std::fs::create_dir_all(origin.meta_dir()).expect("mkdir meta");
    let (status, out, err) =
        run_with_timeout(&mut origin.reindex_command(), Duration::from_secs(60));
    assert!(status.success(), "reindex: {out}\n{err}");
    origin.start_again();
    let c = origin.client();
    let st = c
        .get_bucket_versioning()
        .bucket("rvers")
        .send()
        .await
        .expect("versioning");
    assert_eq!(
        st.status(),
        Some(&BucketVersioningStatus::Enabled),
        "bucket setting restored"
    );
    let versions = all_versions(&c, "rvers", "", 1000).await;
    assert_eq!(versions.len(), 3, "{versions:?}");
    assert!(versions.iter().any(|v| v.2 && v.3), "marker still latest");
    assert_eq!(get_v(&c, "rvers", "k", &v1).await, b"first");
    let res = c.get_object().bucket("rvers").key("k").send().await;
    assert_s3_err("GET behind marker", res, 404, Some("NoSuchKey"));
}
