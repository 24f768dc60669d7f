//! Multipart uploads with aws-sdk-s3 (default checksum behaviour): the S3
//! ETag `md5(part md5s)-N`, GET/HEAD by partNumber, ListParts and
//! ListMultipartUploads, UploadPartCopy with ranges, the error cases S3
//! defines (EntityTooSmall, InvalidPart, InvalidPartOrder, NoSuchUpload),
//! aborted uploads leaving nothing on the drives, and the multipart
//! checksum types (COMPOSITE, FULL_OBJECT) returned with checksum mode.

use aws_sdk_s3::Client;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    ChecksumAlgorithm, ChecksumMode, ChecksumType, CompletedMultipartUpload, CompletedPart,
};
use gureum_tests::*;
use md5::{Digest, Md5};

async fn create(c: &Client, bucket: &str, key: &str, alg: Option<ChecksumAlgorithm>) -> String {
    c.create_multipart_upload()
        .bucket(bucket)
        .key(key)
        .set_checksum_algorithm(alg)
        .send()
        .await
        .expect("CreateMultipartUpload")
        .upload_id
        .expect("upload id")
}

async fn part(c: &Client, bucket: &str, key: &str, id: &str, n: i32, data: &[u8]) -> CompletedPart {
    part_with(c, bucket, key, id, n, data, None).await
}

/// UploadPart with the part checksum computed by the SDK with `alg` (the
/// SDK's own default is CRC32).
async fn part_with(
    c: &Client,
    bucket: &str,
    key: &str,
    id: &str,
    n: i32,
    data: &[u8],
    alg: Option<ChecksumAlgorithm>,
) -> CompletedPart {
    let out = c
        .upload_part()
        .bucket(bucket)
        .key(key)
        .upload_id(id)
        .part_number(n)
        .set_checksum_algorithm(alg)
        .body(ByteStream::from(data.to_vec()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("UploadPart {n}: {e:?}"));
    CompletedPart::builder()
        .part_number(n)
        .e_tag(out.e_tag().expect("part etag"))
        .set_checksum_crc32(out.checksum_crc32().map(str::to_string))
        .set_checksum_crc32_c(out.checksum_crc32_c().map(str::to_string))
        .set_checksum_crc64_nvme(out.checksum_crc64_nvme().map(str::to_string))
        .set_checksum_sha1(out.checksum_sha1().map(str::to_string))
        .set_checksum_sha256(out.checksum_sha256().map(str::to_string))
        .build()
}

async fn complete(
    c: &Client,
    bucket: &str,
    key: &str,
    id: &str,
    parts: Vec<CompletedPart>,
) -> Result<String, String> {
    c.complete_multipart_upload()
        .bucket(bucket)
        .key(key)
        .upload_id(id)
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .set_parts(Some(parts))
                .build(),
        )
        .send()
        .await
        .map(|o| o.e_tag().unwrap_or_default().to_string())
        .map_err(|e| err_code(&e).unwrap_or_else(|| format!("{e:?}")))
}

fn multipart_etag(parts: &[&[u8]]) -> String {
    let mut h = Md5::new();
    for p in parts {
        h.update(Md5::digest(p));
    }
    format!("\"{}-{}\"", hex::encode(h.finalize()), parts.len())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_complete_and_read_by_part() {
    let origin = Origin::start(6);
    let c = origin.client();
    create_bucket(&c, "mpart").await;
    let p1 = random_bytes(1, 5 * MIB);
    let p2 = random_bytes(2, 5 * MIB + 123);
    let p3 = random_bytes(3, 777);
    let id = create(&c, "mpart", "big.bin", None).await;
    let mut parts = Vec::new();
    for (n, data) in [(1, &p1), (2, &p2), (3, &p3)] {
        parts.push(part(&c, "mpart", "big.bin", &id, n, data).await);
    }
    // ListParts and ListMultipartUploads see the upload.
    let listed = c
        .list_parts()
        .bucket("mpart")
        .key("big.bin")
        .upload_id(&id)
        .send()
        .await
        .expect("ListParts");
    let sizes: Vec<i64> = listed.parts().iter().filter_map(|p| p.size()).collect();
    assert_eq!(
        sizes,
        vec![p1.len() as i64, p2.len() as i64, p3.len() as i64]
    );
    let ups = c
        .list_multipart_uploads()
        .bucket("mpart")
        .send()
        .await
        .expect("ListMultipartUploads");
    assert_eq!(ups.uploads().len(), 1);
    assert_eq!(ups.uploads()[0].upload_id(), Some(id.as_str()));

    let etag = complete(&c, "mpart", "big.bin", &id, parts)
        .await
        .expect("complete");
    assert_eq!(etag, multipart_etag(&[&p1, &p2, &p3]));
    let whole: Vec<u8> = [p1.clone(), p2.clone(), p3.clone()].concat();
    let got = get_bytes(&c, "mpart", "big.bin").await;
    assert_eq!(sha256_hex(&got), sha256_hex(&whole));
    let head = c
        .head_object()
        .bucket("mpart")
        .key("big.bin")
        .send()
        .await
        .expect("HEAD");
    assert_eq!(head.e_tag(), Some(etag.as_str()));
    assert_eq!(head.content_length(), Some(whole.len() as i64));

    // GET and HEAD by part number.
    for (n, data) in [(1, &p1), (2, &p2), (3, &p3)] {
        let out = c
            .get_object()
            .bucket("mpart")
            .key("big.bin")
            .part_number(n)
            .send()
            .await
            .expect("GET part");
        assert_eq!(out.parts_count(), Some(3));
        let body = out.body.collect().await.expect("body").into_bytes();
        assert_eq!(sha256_hex(&body), sha256_hex(data), "part {n}");
    }
    let res = c
        .get_object()
        .bucket("mpart")
        .key("big.bin")
        .part_number(4)
        .send()
        .await;
    assert_s3_err("GET part 4 of 3", res, 416, Some("InvalidPartNumber"));

    // The upload is gone: its parts left no files behind.
    let ups = c
        .list_multipart_uploads()
        .bucket("mpart")
        .send()
        .await
        .expect("ListMultipartUploads");
    assert!(ups.uploads().is_empty());
    for d in 0..6 {
        let uploads = origin.drive_path(d).join("buckets/mpart/.uploads");
        assert!(
            !uploads.exists() || dir_names(&uploads).is_empty(),
            "drive {d} keeps upload files"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multipart_errors_change_nothing() {
    let origin = Origin::start(6);
    let c = origin.client();
    create_bucket(&c, "mperr").await;
    let small = random_bytes(5, 1024);
    let big = random_bytes(6, 5 * MIB);
    let id = create(&c, "mperr", "k", None).await;
    let a = part(&c, "mperr", "k", &id, 1, &small).await;
    let b = part(&c, "mperr", "k", &id, 2, &big).await;

    assert_eq!(
        complete(&c, "mperr", "k", &id, vec![a.clone(), b.clone()]).await,
        Err("EntityTooSmall".into())
    );
    assert_eq!(
        complete(&c, "mperr", "k", &id, vec![b.clone(), a.clone()]).await,
        Err("InvalidPartOrder".into())
    );
    let wrong = CompletedPart::builder()
        .part_number(2)
        .e_tag("\"00000000000000000000000000000000\"")
        .build();
    assert_eq!(
        complete(&c, "mperr", "k", &id, vec![wrong]).await,
        Err("InvalidPart".into())
    );
    let missing = CompletedPart::builder()
        .part_number(9)
        .e_tag(b.e_tag().unwrap_or_default())
        .build();
    assert_eq!(
        complete(&c, "mperr", "k", &id, vec![missing]).await,
        Err("InvalidPart".into())
    );
    assert_eq!(
        complete(
            &c,
            "mperr",
            "k",
            "0123456789abcdef0123456789abcdef",
            vec![b.clone()]
        )
        .await,
        Err("NoSuchUpload".into())
    );
    let res = c.head_object().bucket("mperr").key("k").send().await;
    assert_s3_err("HEAD after failed completes", res, 404, None);

    // Abort leaves nothing: no object, no upload, no part files.
    c.abort_multipart_upload()
        .bucket("mperr")
        .key("k")
        .upload_id(&id)
        .send()
        .await
        .expect("abort");
    let res = c
        .list_parts()
        .bucket("mperr")
        .key("k")
        .upload_id(&id)
        .send()
        .await;
    assert_s3_err("ListParts after abort", res, 404, Some("NoSuchUpload"));
    for d in 0..6 {
        let uploads = origin.drive_path(d).join("buckets/mperr/.uploads");
        assert!(
            !uploads.exists() || dir_names(&uploads).is_empty(),
            "drive {d} keeps aborted parts"
        );
    }
    // A part number out of range.
    let id2 = create(&c, "mperr", "k2", None).await;
    let res = c
        .upload_part()
        .bucket("mperr")
        .key("k2")
        .upload_id(&id2)
        .part_number(10001)
        .body(ByteStream::from_static(b"x"))
        .send()
        .await;
    assert_s3_err("part 10001", res, 400, Some("InvalidArgument"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_part_copy_with_ranges() {
    let origin = Origin::start(6);
    let c = origin.client();
    create_bucket(&c, "cpy").await;
    let src = random_bytes(9, 12 * MIB + 5);
    put_bytes(&c, "cpy", "src", &src).await;
    let id = create(&c, "cpy", "dst", None).await;
    let ranges = [(0usize, 5 * MIB - 1), (5 * MIB, 12 * MIB + 4)];
    let mut parts = Vec::new();
    for (i, (a, b)) in ranges.iter().enumerate() {
        let out = c
            .upload_part_copy()
            .bucket("cpy")
            .key("dst")
            .upload_id(&id)
            .part_number(i as i32 + 1)
            .copy_source("cpy/src")
            .copy_source_range(format!("bytes={a}-{b}"))
            .send()
            .await
            .expect("UploadPartCopy");
        let etag = out
            .copy_part_result()
            .and_then(|r| r.e_tag())
            .expect("etag")
            .to_string();
        assert_eq!(etag, format!("\"{}\"", md5_hex(&src[*a..=*b])));
        parts.push(
            CompletedPart::builder()
                .part_number(i as i32 + 1)
                .e_tag(etag)
                .build(),
        );
    }
    complete(&c, "cpy", "dst", &id, parts)
        .await
        .expect("complete");
    assert_eq!(
        sha256_hex(&get_bytes(&c, "cpy", "dst").await),
        sha256_hex(&src)
    );
    // A range beyond the source is refused.
    let id = create(&c, "cpy", "dst2", None).await;
    let res = c
        .upload_part_copy()
        .bucket("cpy")
        .key("dst2")
        .upload_id(&id)
        .part_number(1)
        .copy_source("cpy/src")
        .copy_source_range(format!("bytes=0-{}", src.len()))
        .send()
        .await;
    assert_s3_err("range past the end", res, 400, Some("InvalidArgument"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multipart_checksums_composite_and_full_object() {
    let origin = Origin::start(6);
    let c = origin.client();
    create_bucket(&c, "mpsum").await;
    let p1 = random_bytes(11, 5 * MIB);
    let p2 = random_bytes(12, 1000);
    for (alg, want_type) in [
        (ChecksumAlgorithm::Sha256, ChecksumType::Composite),
        (ChecksumAlgorithm::Crc32, ChecksumType::Composite),
        (ChecksumAlgorithm::Crc64Nvme, ChecksumType::FullObject),
    ] {
        let key = format!("obj-{}", alg.as_str());
        let id = create(&c, "mpsum", &key, Some(alg.clone())).await;
        let a = part_with(&c, "mpsum", &key, &id, 1, &p1, Some(alg.clone())).await;
        let b = part_with(&c, "mpsum", &key, &id, 2, &p2, Some(alg.clone())).await;
        complete(&c, "mpsum", &key, &id, vec![a, b])
            .await
            .expect("complete");
        // The SDK validates full-object checksums of the body it reads.
        let out = c
            .get_object()
            .bucket("mpsum")
            .key(&key)
            .checksum_mode(ChecksumMode::Enabled)
            .send()
            .await
            .expect("GET with checksum mode");
        assert_eq!(out.checksum_type(), Some(&want_type), "{key}");
        let value = match alg {
            ChecksumAlgorithm::Sha256 => out.checksum_sha256(),
            ChecksumAlgorithm::Crc32 => out.checksum_crc32(),
            _ => out.checksum_crc64_nvme(),
        }
        .expect("checksum returned")
        .to_string();
        if want_type == ChecksumType::Composite {
            assert!(value.ends_with("-2"), "{key}: {value}");
        }
        let body = out.body.collect().await.expect("body").into_bytes();
        assert_eq!(body.len(), p1.len() + p2.len());
    }
    // A part whose Complete checksum disagrees with what was uploaded.
    let id = create(&c, "mpsum", "bad", Some(ChecksumAlgorithm::Crc32)).await;
    let a = part_with(
        &c,
        "mpsum",
        "bad",
        &id,
        1,
        &p2,
        Some(ChecksumAlgorithm::Crc32),
    )
    .await;
    // A part sent with another algorithm than the upload's is refused.
    let res = c
        .upload_part()
        .bucket("mpsum")
        .key("bad")
        .upload_id(&id)
        .part_number(2)
        .checksum_algorithm(ChecksumAlgorithm::Sha256)
        .body(ByteStream::from_static(b"x"))
        .send()
        .await;
    assert_s3_err(
        "part with another algorithm",
        res,
        400,
        Some("InvalidRequest"),
    );
    let tampered = CompletedPart::builder()
        .part_number(1)
        .e_tag(a.e_tag().unwrap_or_default())
        .checksum_crc32("AAAAAA==")
        .build();
    assert_eq!(
        complete(&c, "mpsum", "bad", &id, vec![tampered]).await,
        Err("InvalidPart".into())
    );
}
