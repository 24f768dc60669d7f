//! Payload integrity: S3's additional checksums (CRC32, CRC32C, CRC64NVME,
//! SHA1, SHA256) verified on upload, stored and returned with checksum
//! mode (the SDK re-verifies what it downloads); wrong values refused
//! with BadDigest and nothing stored; signed aws-chunked streaming bodies
//! whose every chunk signature is checked, a tampered one refused with
//! SignatureDoesNotMatch; and never any chunk framing inside an object.

use std::time::SystemTime;

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{ChecksumAlgorithm, ChecksumMode, Delete, ObjectIdentifier};
use gureum_tests::*;

fn crc(alg: crc_fast::CrcAlgorithm, data: &[u8], len: usize) -> String {
    let v = crc_fast::checksum(alg, data).to_be_bytes();
    base64_encode(&v[8 - len..])
}

fn expected(alg: &ChecksumAlgorithm, data: &[u8]) -> String {
    use sha1::Digest as _;
    match alg {
        ChecksumAlgorithm::Crc32 => crc(crc_fast::CrcAlgorithm::Crc32IsoHdlc, data, 4),
        ChecksumAlgorithm::Crc32C => crc(crc_fast::CrcAlgorithm::Crc32Iscsi, data, 4),
        ChecksumAlgorithm::Crc64Nvme => crc(crc_fast::CrcAlgorithm::Crc64Nvme, data, 8),
        ChecksumAlgorithm::Sha1 => base64_encode(&sha1::Sha1::digest(data)),
        ChecksumAlgorithm::Sha256 => {
            use sha2::Digest as _;
            base64_encode(&sha2::Sha256::digest(data))
        }
        other => panic!("unexpected algorithm {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_algorithm_is_verified_stored_and_returned() {
    let origin = Origin::start(6);
    let c = origin.client();
    create_bucket(&c, "sums").await;
    let data = random_bytes(21, 3 * MIB + 17);
    for alg in [
        ChecksumAlgorithm::Crc32,
        ChecksumAlgorithm::Crc32C,
        ChecksumAlgorithm::Crc64Nvme,
        ChecksumAlgorithm::Sha1,
        ChecksumAlgorithm::Sha256,
    ] {
        let key = format!("k-{}", alg.as_str());
        let want = expected(&alg, &data);
        let put = c
            .put_object()
            .bucket("sums")
            .key(&key)
            .checksum_algorithm(alg.clone())
            .body(ByteStream::from(data.clone()))
            .send()
            .await
            .unwrap_or_else(|e| panic!("PUT {key}: {e:?}"));
        let returned = match alg {
            ChecksumAlgorithm::Crc32 => put.checksum_crc32(),
            ChecksumAlgorithm::Crc32C => put.checksum_crc32_c(),
            ChecksumAlgorithm::Crc64Nvme => put.checksum_crc64_nvme(),
            ChecksumAlgorithm::Sha1 => put.checksum_sha1(),
            _ => put.checksum_sha256(),
        };
        assert_eq!(returned, Some(want.as_str()), "PUT response {key}");
        let head = c
            .head_object()
            .bucket("sums")
            .key(&key)
            .checksum_mode(ChecksumMode::Enabled)
            .send()
            .await
            .expect("HEAD");
        let stored = match alg {
            ChecksumAlgorithm::Crc32 => head.checksum_crc32(),
            ChecksumAlgorithm::Crc32C => head.checksum_crc32_c(),
            ChecksumAlgorithm::Crc64Nvme => head.checksum_crc64_nvme(),
            ChecksumAlgorithm::Sha1 => head.checksum_sha1(),
            _ => head.checksum_sha256(),
        };
        assert_eq!(stored, Some(want.as_str()), "HEAD {key}");
        // The SDK validates the returned checksum against the body.
        let got = c
            .get_object()
            .bucket("sums")
            .key(&key)
            .checksum_mode(ChecksumMode::Enabled)
            .send()
            .await
            .expect("GET")
            .body
            .collect()
            .await
            .expect("GET body (checksum validated by the SDK)")
            .into_bytes();
        assert_eq!(sha256_hex(&got), sha256_hex(&data), "{key}");
    }
    // Without checksum mode nothing is returned; a range never carries one.
    let head = c
        .head_object()
        .bucket("sums")
        .key("k-CRC32")
        .send()
        .await
        .expect("HEAD");
    assert!(head.checksum_crc32().is_none());
    let raw = origin
        .signed(
            "GET",
            "/sums/k-CRC32",
            &[("range", "bytes=0-9"), ("x-amz-checksum-mode", "ENABLED")],
            b"",
        )
        .await;
    assert_eq!(raw.status, 206);
    assert!(
        raw.header("x-amz-checksum-crc32").is_none(),
        "checksum on a range"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_sdk_uploads_get_a_checksum_and_no_framing() {
    let origin = Origin::start(6);
    let c = origin.client();
    create_bucket(&c, "dflt").await;
    let data = random_bytes(22, 2 * MIB + 3);
    c.put_object()
        .bucket("dflt")
        .key("k")
        .body(ByteStream::from(data.clone()))
        .send()
        .await
        .expect("PUT with SDK defaults");
    let out = c
        .get_object()
        .bucket("dflt")
        .key("k")
        .checksum_mode(ChecksumMode::Enabled)
        .send()
        .await
        .expect("GET");
    let any = [
        out.checksum_crc32(),
        out.checksum_crc32_c(),
        out.checksum_crc64_nvme(),
        out.checksum_sha1(),
        out.checksum_sha256(),
    ];
    assert!(
        any.iter().any(Option::is_some),
        "object stored without any checksum"
    );
    let body = out.body.collect().await.expect("body").into_bytes();
    assert_eq!(body.len(), data.len(), "chunk framing stored in the object");
    assert_eq!(sha256_hex(&body), sha256_hex(&data));
    // An unsigned upload naming no algorithm still gets CRC64NVME.
    let raw = origin.signed("PUT", "/dflt/plain", &[], b"hello").await;
    assert_eq!(raw.status, 200, "{}", raw.text());
    let head = origin
        .signed(
            "HEAD",
            "/dflt/plain",
            &[("x-amz-checksum-mode", "ENABLED")],
            b"",
        )
        .await;
    assert_eq!(
        head.header("x-amz-checksum-crc64nvme"),
        Some(expected(&ChecksumAlgorithm::Crc64Nvme, b"hello").as_str())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_checksums_are_bad_digest_and_store_nothing() {
    let origin = Origin::start(6);
    let c = origin.client();
    create_bucket(&c, "bad").await;
    let res = c
        .put_object()
        .bucket("bad")
        .key("k")
        .checksum_crc32("AAAAAA==")
        .body(ByteStream::from_static(b"some body"))
        .send()
        .await;
    assert_s3_err("wrong CRC32", res, 400, Some("BadDigest"));
    let wrong_sha = base64_encode(&[7u8; 32]);
    let raw = origin
        .signed(
            "PUT",
            "/bad/k2",
            &[("x-amz-checksum-sha256", wrong_sha.as_str())],
            b"body",
        )
        .await;
    assert_eq!(raw.status, 400, "{}", raw.text());
    assert_eq!(raw.error_code().as_deref(), Some("BadDigest"));
    // Malformed value and two algorithms at once.
    let raw = origin
        .signed(
            "PUT",
            "/bad/k3",
            &[("x-amz-checksum-crc32", "not base64!")],
            b"body",
        )
        .await;
    assert_eq!(raw.status, 400);
    assert_eq!(raw.error_code().as_deref(), Some("InvalidRequest"));
    let crc = expected(&ChecksumAlgorithm::Crc32, b"body");
    let sha = expected(&ChecksumAlgorithm::Sha256, b"body");
    let raw = origin
        .signed(
            "PUT",
            "/bad/k4",
            &[
                ("x-amz-checksum-crc32", crc.as_str()),
                ("x-amz-checksum-sha256", sha.as_str()),
            ],
            b"body",
        )
        .await;
    assert_eq!(raw.error_code().as_deref(), Some("InvalidRequest"));
    for k in ["k", "k2", "k3", "k4"] {
        let res = c.head_object().bucket("bad").key(k).send().await;
        assert_s3_err("HEAD after refused PUT", res, 404, None);
    }
    // The right value is accepted.
    let raw = origin
        .signed(
            "PUT",
            "/bad/ok",
            &[("x-amz-checksum-crc32", crc.as_str())],
            b"body",
        )
        .await;
    assert_eq!(raw.status, 200, "{}", raw.text());
    assert_eq!(raw.header("x-amz-checksum-crc32"), Some(crc.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_objects_with_sdk_default_checksum() {
    // New SDKs send DeleteObjects with a CRC32 checksum and no Content-MD5.
    let origin = Origin::start(6);
    let c = origin.client();
    create_bucket(&c, "dels").await;
    for k in ["a", "b", "c"] {
        put_bytes(&c, "dels", k, k.as_bytes()).await;
    }
    let del = Delete::builder()
        .objects(ObjectIdentifier::builder().key("a").build().expect("id"))
        .objects(ObjectIdentifier::builder().key("b").build().expect("id"))
        .build()
        .expect("delete");
    let out = c
        .delete_objects()
        .bucket("dels")
        .delete(del)
        .checksum_algorithm(ChecksumAlgorithm::Crc32)
        .send()
        .await
        .expect("DeleteObjects");
    assert_eq!(out.deleted().len(), 2);
    let left: Vec<String> = list_all(&c, "dels", "")
        .await
        .into_iter()
        .map(|l| l.key)
        .collect();
    assert_eq!(left, vec!["c".to_string()]);
}

/// A signed streaming upload (STREAMING-AWS4-HMAC-SHA256-PAYLOAD): the seed
/// signature covers the headers, each chunk's signature chains from the
/// previous one. `tamper` flips one hex digit of chunk `n`'s signature.
async fn streaming_put(
    origin: &Origin,
    target: &str,
    data: &[u8],
    chunk: usize,
    tamper: Option<usize>,
) -> RawResponse {
    let (ak, sk) = origin.creds();
    let host = origin.addr().to_string();
    let time = SystemTime::now();
    let decoded = data.len().to_string();
    let headers = [
        ("content-encoding", "aws-chunked"),
        ("x-amz-decoded-content-length", decoded.as_str()),
    ];
    let signer = Signer::s3(&ak, &sk, "us-east-1");
    let url = format!("http://{host}{target}");
    let (signed, seed) = signer
        .sign_with_seed(
            time,
            "PUT",
            &url,
            &headers,
            Payload::Precomputed("STREAMING-AWS4-HMAC-SHA256-PAYLOAD"),
        )
        .expect("sign");
    let mut body = Vec::new();
    let mut prev = seed;
    let mut pieces: Vec<&[u8]> = data.chunks(chunk).collect();
    pieces.push(&[]);
    for (i, piece) in pieces.iter().enumerate() {
        let mut sig = signer
            .chunk_signature(time, piece, &prev)
            .expect("sign chunk");
        prev = sig.clone();
        if tamper == Some(i) {
            let flipped = if sig.starts_with('0') { "1" } else { "0" };
            sig.replace_range(0..1, flipped);
        }
        body.extend_from_slice(format!("{:x};chunk-signature={sig}\r\n", piece.len()).as_bytes());
        body.extend_from_slice(piece);
        body.extend_from_slice(b"\r\n");
    }
    let mut all: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    all.extend(signed);
    raw_http(origin.addr(), "PUT", target, &all, &body)
        .await
        .expect("streaming PUT")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_streaming_chunks_are_verified() {
    let origin = Origin::start(6);
    let c = origin.client();
    create_bucket(&c, "stream").await;
    let data = random_bytes(23, 200 * KIB + 11);
    let ok = streaming_put(&origin, "/stream/good", &data, 64 * KIB, None).await;
    assert_eq!(ok.status, 200, "{}", ok.text());
    let got = get_bytes(&c, "stream", "good").await;
    assert_eq!(got.len(), data.len(), "framing leaked into the object");
    assert_eq!(sha256_hex(&got), sha256_hex(&data));
    for n in [0usize, 2, 4] {
        let bad = streaming_put(&origin, "/stream/bad", &data, 64 * KIB, Some(n)).await;
        assert_eq!(bad.status, 403, "tampered chunk {n}: {}", bad.text());
        assert_eq!(
            bad.error_code().as_deref(),
            Some("SignatureDoesNotMatch"),
            "chunk {n}"
        );
        let res = c.head_object().bucket("stream").key("bad").send().await;
        assert_s3_err("HEAD after tampered upload", res, 404, None);
    }
}
