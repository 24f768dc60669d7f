//! Object operations beyond PUT/GET, with aws-sdk-s3: CopyObject (metadata
//! COPY and REPLACE, copy onto itself, `x-amz-copy-source-if-*`, a copy of
//! a specific version), object tagging, GetObjectAttributes, and
//! conditional writes (`If-None-Match: *`, `If-Match`) on PutObject and
//! CompleteMultipartUpload.

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    BucketVersioningStatus, CompletedMultipartUpload, CompletedPart, MetadataDirective,
    ObjectAttributes, Tag, Tagging, TaggingDirective, VersioningConfiguration,
};
use gureum_tests::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copy_object_directives_and_conditions() {
    let origin = Origin::start(6);
    let c = origin.client();
    create_bucket(&c, "src").await;
    create_bucket(&c, "dst").await;
    let data = random_bytes(31, 3 * MIB + 9);
    c.put_object()
        .bucket("src")
        .key("a")
        .content_type("video/mp4")
        .metadata("owner", "alice")
        .tagging("team=media")
        .body(ByteStream::from(data.clone()))
        .send()
        .await
        .expect("PUT");
    let etag = format!("\"{}\"", md5_hex(&data));

    // COPY keeps metadata and tags.
    let out = c
        .copy_object()
        .bucket("dst")
        .key("b")
        .copy_source("src/a")
        .send()
        .await
        .expect("copy");
    assert_eq!(
        out.copy_object_result().and_then(|r| r.e_tag()),
        Some(etag.as_str())
    );
    let head = c
        .head_object()
        .bucket("dst")
        .key("b")
        .send()
        .await
        .expect("HEAD copy");
    assert_eq!(head.content_type(), Some("video/mp4"));
    assert_eq!(
        head.metadata()
            .and_then(|m| m.get("owner"))
            .map(String::as_str),
        Some("alice")
    );
    assert_eq!(
        sha256_hex(&get_bytes(&c, "dst", "b").await),
        sha256_hex(&data)
    );
    let tags = c
        .get_object_tagging()
        .bucket("dst")
        .key("b")
        .send()
        .await
        .expect("tags");
    assert_eq!(tags.tag_set().len(), 1);

    // REPLACE takes the request's metadata.
    c.copy_object()
        .bucket("dst")
        .key("c")
        .copy_source("src/a")
        .metadata_directive(MetadataDirective::Replace)
        .content_type("application/octet-stream")
        .metadata("owner", "bob")
        .tagging_directive(TaggingDirective::Replace)
        .tagging("a=1&b=2")
        .send()
        .await
        .expect("copy REPLACE");
    let head = c
        .head_object()
        .bucket("dst")
        .key("c")
        .send()
        .await
        .expect("HEAD");
    assert_eq!(head.content_type(), Some("application/octet-stream"));
    assert_eq!(
        head.metadata()
            .and_then(|m| m.get("owner"))
            .map(String::as_str),
        Some("bob")
    );
    let tags = c
        .get_object_tagging()
        .bucket("dst")
        .key("c")
        .send()
        .await
        .expect("tags");
    assert_eq!(tags.tag_set().len(), 2);

    // Copy onto itself needs REPLACE.
    let res = c
        .copy_object()
        .bucket("src")
        .key("a")
        .copy_source("src/a")
        .send()
        .await;
    assert_s3_err(
        "self copy without REPLACE",
        res,
        400,
        Some("InvalidRequest"),
    );
    c.copy_object()
        .bucket("src")
        .key("a")
        .copy_source("src/a")
        .metadata_directive(MetadataDirective::Replace)
        .content_type("text/plain")
        .send()
        .await
        .expect("self copy REPLACE");
    let head = c
        .head_object()
        .bucket("src")
        .key("a")
        .send()
        .await
        .expect("HEAD");
    assert_eq!(head.content_type(), Some("text/plain"));
    assert_eq!(head.e_tag(), Some(etag.as_str()), "same bytes, same ETag");

    // x-amz-copy-source-if-*.
    let res = c
        .copy_object()
        .bucket("dst")
        .key("d")
        .copy_source("src/a")
        .copy_source_if_match("\"0000\"")
        .send()
        .await;
    assert_s3_err(
        "copy-source-if-match mismatch",
        res,
        412,
        Some("PreconditionFailed"),
    );
    let res = c
        .copy_object()
        .bucket("dst")
        .key("d")
        .copy_source("src/a")
        .copy_source_if_none_match(&etag)
        .send()
        .await;
    assert_s3_err(
        "copy-source-if-none-match match",
        res,
        412,
        Some("PreconditionFailed"),
    );
    c.copy_object()
        .bucket("dst")
        .key("d")
        .copy_source("src/a")
        .copy_source_if_match(&etag)
        .send()
        .await
        .expect("copy-source-if-match ok");
    let res = c
        .copy_object()
        .bucket("dst")
        .key("e")
        .copy_source("src/missing")
        .send()
        .await;
    assert_s3_err("copy of a missing key", res, 404, Some("NoSuchKey"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copy_of_an_older_version() {
    let origin = Origin::start(6);
    let c = origin.client();
    create_bucket(&c, "cvers").await;
    c.put_bucket_versioning()
        .bucket("cvers")
        .versioning_configuration(
            VersioningConfiguration::builder()
                .status(BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .expect("versioning");
    let v1 = c
        .put_object()
        .bucket("cvers")
        .key("k")
        .body(ByteStream::from_static(b"old"))
        .send()
        .await
        .expect("v1")
        .version_id
        .expect("v1 id");
    put_bytes(&c, "cvers", "k", b"new").await;
    let out = c
        .copy_object()
        .bucket("cvers")
        .key("restored")
        .copy_source(format!("cvers/k?versionId={v1}"))
        .send()
        .await
        .expect("copy version");
    assert_eq!(out.copy_source_version_id(), Some(v1.as_str()));
    assert_eq!(get_bytes(&c, "cvers", "restored").await, b"old");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tagging_and_attributes() {
    let origin = Origin::start(6);
    let c = origin.client();
    create_bucket(&c, "tags").await;
    put_bytes(&c, "tags", "k", b"tagged body").await;
    let set = |pairs: &[(&str, &str)]| {
        Tagging::builder()
            .set_tag_set(Some(
                pairs
                    .iter()
                    .map(|(k, v)| Tag::builder().key(*k).value(*v).build().expect("tag"))
                    .collect(),
            ))
            .build()
            .expect("tagging")
    };
    c.put_object_tagging()
        .bucket("tags")
        .key("k")
        .tagging(set(&[("color", "blue"), ("size", "xl")]))
        .send()
        .await
        .expect("PutObjectTagging");
    let got = c
        .get_object_tagging()
        .bucket("tags")
        .key("k")
        .send()
        .await
        .expect("GetObjectTagging");
    let mut pairs: Vec<(String, String)> = got
        .tag_set()
        .iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect();
    pairs.sort();
    assert_eq!(
        pairs,
        vec![
            ("color".into(), "blue".into()),
            ("size".into(), "xl".into())
        ]
    );
    let get = c
        .get_object()
        .bucket("tags")
        .key("k")
        .send()
        .await
        .expect("GET");
    assert_eq!(get.tag_count(), Some(2));
    assert_eq!(
        get.body
            .collect()
            .await
            .expect("body")
            .into_bytes()
            .as_ref(),
        b"tagged body",
        "tags never touch the body"
    );

    // S3's limits.
    let eleven: Vec<(String, String)> = (0..11)
        .map(|i| (format!("k{i}"), "v".to_string()))
        .collect();
    let eleven: Vec<(&str, &str)> = eleven
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let res = c
        .put_object_tagging()
        .bucket("tags")
        .key("k")
        .tagging(set(&eleven))
        .send()
        .await;
    assert_s3_err("11 tags", res, 400, Some("InvalidTag"));
    let long = "x".repeat(129);
    let res = c
        .put_object_tagging()
        .bucket("tags")
        .key("k")
        .tagging(set(&[(long.as_str(), "v")]))
        .send()
        .await;
    assert_s3_err("129-char tag key", res, 400, Some("InvalidTag"));
    let res = c
        .put_object_tagging()
        .bucket("tags")
        .key("missing")
        .tagging(set(&[("a", "b")]))
        .send()
        .await;
    assert_s3_err("tags on a missing key", res, 404, Some("NoSuchKey"));
    // Refused changes changed nothing.
    let got = c
        .get_object_tagging()
        .bucket("tags")
        .key("k")
        .send()
        .await
        .expect("GetObjectTagging");
    assert_eq!(got.tag_set().len(), 2);

    c.delete_object_tagging()
        .bucket("tags")
        .key("k")
        .send()
        .await
        .expect("DeleteObjectTagging");
    let got = c
        .get_object_tagging()
        .bucket("tags")
        .key("k")
        .send()
        .await
        .expect("GetObjectTagging");
    assert!(got.tag_set().is_empty());

    // GetObjectAttributes of a multipart object.
    let p1 = random_bytes(41, 5 * MIB);
    let p2 = random_bytes(42, 100);
    put_multipart(&c, "tags", "mp", &[&p1, &p2]).await;
    let attrs = c
        .get_object_attributes()
        .bucket("tags")
        .key("mp")
        .object_attributes(ObjectAttributes::Etag)
        .object_attributes(ObjectAttributes::ObjectSize)
        .object_attributes(ObjectAttributes::ObjectParts)
        .object_attributes(ObjectAttributes::StorageClass)
        .object_attributes(ObjectAttributes::Checksum)
        .send()
        .await
        .expect("GetObjectAttributes");
    assert_eq!(attrs.object_size(), Some((p1.len() + p2.len()) as i64));
    assert!(
        attrs
            .e_tag()
            .is_some_and(|e| e.trim_matches('"').ends_with("-2")),
        "{:?}",
        attrs.e_tag()
    );
    assert_eq!(
        attrs.object_parts().and_then(|p| p.total_parts_count()),
        Some(2)
    );
    assert!(attrs.storage_class().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conditional_writes() {
    let origin = Origin::start(6);
    let c = origin.client();
    create_bucket(&c, "cond").await;
    c.put_object()
        .bucket("cond")
        .key("k")
        .if_none_match("*")
        .body(ByteStream::from_static(b"first"))
        .send()
        .await
        .expect("create-only PUT of a new key");
    let res = c
        .put_object()
        .bucket("cond")
        .key("k")
        .if_none_match("*")
        .body(ByteStream::from_static(b"second"))
        .send()
        .await;
    assert_s3_err(
        "If-None-Match: * on an existing key",
        res,
        412,
        Some("PreconditionFailed"),
    );
    assert_eq!(get_bytes(&c, "cond", "k").await, b"first");
    let res = c
        .put_object()
        .bucket("cond")
        .key("k")
        .if_match("\"00000000000000000000000000000000\"")
        .body(ByteStream::from_static(b"third"))
        .send()
        .await;
    assert_s3_err("If-Match mismatch", res, 412, Some("PreconditionFailed"));
    let etag = format!("\"{}\"", md5_hex(b"first"));
    c.put_object()
        .bucket("cond")
        .key("k")
        .if_match(&etag)
        .body(ByteStream::from_static(b"fourth"))
        .send()
        .await
        .expect("If-Match hit");
    assert_eq!(get_bytes(&c, "cond", "k").await, b"fourth");

    // On CompleteMultipartUpload too.
    let id = c
        .create_multipart_upload()
        .bucket("cond")
        .key("k")
        .send()
        .await
        .expect("create")
        .upload_id
        .expect("id");
    let e = c
        .upload_part()
        .bucket("cond")
        .key("k")
        .upload_id(&id)
        .part_number(1)
        .body(ByteStream::from_static(b"mp"))
        .send()
        .await
        .expect("part")
        .e_tag
        .expect("etag");
    let res = c
        .complete_multipart_upload()
        .bucket("cond")
        .key("k")
        .upload_id(&id)
        .if_none_match("*")
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .parts(CompletedPart::builder().part_number(1).e_tag(e).build())
                .build(),
        )
        .send()
        .await;
    assert_s3_err(
        "Complete with If-None-Match: *",
        res,
        412,
        Some("PreconditionFailed"),
    );
    assert_eq!(get_bytes(&c, "cond", "k").await, b"fourth");
}
