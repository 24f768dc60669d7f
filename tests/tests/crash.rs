//! Crash safety: `kill -9` in the middle of a 100 MiB PUT leaves either
//! the previous version or no object, never a partial one, and the temp
//! area is clean after the restart; acknowledged writes survive `kill -9`.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use aws_sdk_s3::Client;
use aws_sdk_s3::error::DisplayErrorContext;
use aws_sdk_s3::primitives::ByteStream;
use bytes::Bytes;
use gureum_tests::*;
use http_body::{Body, Frame, SizeHint};
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;

const TOTAL: usize = 100 * MIB;

/// A request body fed chunk by chunk from a channel, announcing an exact
/// length, so the test decides how much of it the server ever sees.
struct ChannelBody {
    rx: mpsc::Receiver<Bytes>,
    len: u64,
}

impl Body for ChannelBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        match self.rx.poll_recv(cx) {
            Poll::Ready(Some(b)) => Poll::Ready(Some(Ok(Frame::data(b)))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.len)
    }
}

fn assert_tmp_empty(origin: &Origin) {
    for d in 0..origin.drive_count() {
        let tmp = origin.drive_path(d).join(".gureum").join("tmp");
        assert!(tmp.is_dir(), "drive {d}: {} missing", tmp.display());
        let left = walk(&tmp);
        assert!(
            left.is_empty(),
            "drive {d}: .gureum/tmp not empty after restart: {left:?}"
        );
    }
}

/// How long to let the interrupted upload run.
enum KillPoint {
    AfterBytes(usize),
    AfterTime(Duration),
}

/// Starts a 100 MiB PUT of `key` through the SDK (default settings, so
/// aws-chunked with a checksum trailer) and kills the server with SIGKILL
/// partway; the upload never completes.
async fn interrupted_sdk_put(origin: &mut Origin, bucket: &str, key: &str, kill: KillPoint) {
    let c = origin.client();
    let (tx, rx) = mpsc::channel::<Bytes>(1);
    let body = ByteStream::from_body_1_x(ChannelBody {
        rx,
        len: TOTAL as u64,
    });
    let (b, k) = (bucket.to_string(), key.to_string());
    let put = tokio::spawn(async move {
        c.put_object()
            .bucket(b)
            .key(k)
            .content_length(TOTAL as i64)
            .body(body)
            .send()
            .await
    });
    let chunk = Bytes::from(random_bytes(2, MIB));
    let started = Instant::now();
    let mut sent = 0usize;
    loop {
        let enough = match kill {
            KillPoint::AfterBytes(n) => sent >= n,
            KillPoint::AfterTime(t) => started.elapsed() >= t,
        };
        // Never send the whole body.
        if enough || sent + MIB >= TOTAL {
            break;
        }
        tokio::time::timeout(Duration::from_secs(60), tx.send(chunk.clone()))
            .await
            .expect("upload stalled before the kill point")
            .expect("upload task gone before the kill point");
        sent += MIB;
    }
    // Let what was handed to the client reach the server.
    tokio::time::sleep(Duration::from_millis(300)).await;
    eprintln!(
        "killing the origin after {} MiB of {}",
        sent / MIB,
        TOTAL / MIB
    );
    origin.kill9();
    drop(tx);
    let res = tokio::time::timeout(Duration::from_secs(60), put)
        .await
        .expect("interrupted PUT did not finish after the kill")
        .expect("PUT task panicked");
    assert!(
        res.is_err(),
        "a PUT whose body was never completed succeeded: {res:?}"
    );
}

/// Same with a raw signed request (UNSIGNED-PAYLOAD, plain Content-Length).
async fn interrupted_raw_put(origin: &mut Origin, bucket: &str, key: &str, send: usize) {
    let addr = origin.addr();
    let (ak, sk) = origin.creds();
    let target = format!("/{bucket}/{}", uri_encode(key, true));
    let headers = sigv4_headers(
        &addr.to_string(),
        &ak,
        &sk,
        "PUT",
        &target,
        &[],
        Payload::Unsigned,
    );
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let head = request_head(addr, "PUT", &target, &headers, Some(TOTAL as u64));
    stream.write_all(&head).await.expect("write head");
    let chunk = random_bytes(3, MIB);
    for _ in 0..send / MIB {
        stream.write_all(&chunk).await.expect("write body");
    }
    stream.flush().await.expect("flush");
    tokio::time::sleep(Duration::from_millis(300)).await;
    origin.kill9();
    drop(stream);
}

async fn assert_is_version(c: &Client, bucket: &str, key: &str, data: &[u8], when: &str) {
    let got = get_bytes(c, bucket, key).await;
    assert_eq!(got.len(), data.len(), "{when}: length of {key}");
    assert!(got == data, "{when}: {key} is not exactly v1");
    let head = c
        .head_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{when}: HeadObject: {}", DisplayErrorContext(&e)));
    assert_eq!(head.e_tag(), Some(etag_of(data).as_str()), "{when}: ETag");
    assert_eq!(
        head.content_length(),
        Some(data.len() as i64),
        "{when}: size"
    );
    let listed = list_all(c, bucket, "").await;
    assert_eq!(
        listed,
        vec![Listed {
            key: key.to_string(),
            etag: etag_of(data),
            size: data.len() as i64
        }],
        "{when}: listing"
    );
}

async fn assert_absent(c: &Client, bucket: &str, key: &str, when: &str) {
    let res = c.get_object().bucket(bucket).key(key).send().await;
    assert_s3_err(&format!("{when}: GET {key}"), res, 404, Some("NoSuchKey"));
    assert!(
        list_all(c, bucket, "").await.is_empty(),
        "{when}: listing not empty"
    );
}

/// After the crash the server must still take writes.
async fn assert_writable(c: &Client, bucket: &str) {
    let v3 = random_bytes(9, 2 * MIB + 1);
    put_bytes(c, bucket, "after-crash", &v3).await;
    assert!(get_bytes(c, bucket, "after-crash").await == v3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_during_overwrite_keeps_v1() {
    let mut origin = Origin::start(6);
    let c = origin.client();
    create_bucket(&c, "crash").await;
    let v1 = random_bytes(1, 3 * MIB + 11);
    put_bytes(&c, "crash", "video.mp4", &v1).await;

    interrupted_sdk_put(
        &mut origin,
        "crash",
        "video.mp4",
        KillPoint::AfterBytes(30 * MIB),
    )
    .await;
    origin.restart();
    assert_tmp_empty(&origin);
    let c = origin.client();
    assert_is_version(&c, "crash", "video.mp4", &v1, "after kill -9 mid-overwrite").await;
    assert_writable(&c, "crash").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_during_first_put_leaves_no_object() {
    let mut origin = Origin::start(6);
    let c = origin.client();
    create_bucket(&c, "crash").await;

    interrupted_sdk_put(
        &mut origin,
        "crash",
        "video.mp4",
        KillPoint::AfterTime(Duration::from_secs(1)),
    )
    .await;
    origin.restart();
    assert_tmp_empty(&origin);
    let c = origin.client();
    assert_absent(&c, "crash", "video.mp4", "after kill -9 mid-PUT").await;
    assert_writable(&c, "crash").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_during_raw_put() {
    let mut origin = Origin::start(6);
    let c = origin.client();
    create_bucket(&c, "crash").await;
    let v1 = random_bytes(4, 5 * MIB);
    put_bytes(&c, "crash", "with-v1", &v1).await;

    // Overwrite of an existing key.
    interrupted_raw_put(&mut origin, "crash", "with-v1", 40 * MIB).await;
    origin.restart();
    assert_tmp_empty(&origin);
    let c = origin.client();
    assert_is_version(
        &c,
        "crash",
        "with-v1",
        &v1,
        "after kill -9 mid raw overwrite",
    )
    .await;

    // First version of a new key, in a fresh bucket.
    create_bucket(&c, "crash2").await;
    interrupted_raw_put(&mut origin, "crash2", "new-key", 10 * MIB).await;
    origin.restart();
    assert_tmp_empty(&origin);
    let c = origin.client();
    assert_absent(&c, "crash2", "new-key", "after kill -9 mid raw PUT").await;
    assert_is_version(
        &c,
        "crash",
        "with-v1",
        &v1,
        "other bucket after second crash",
    )
    .await;
}

#[tokio::test]
async fn acknowledged_writes_survive_kill9() {
    let mut origin = Origin::start(6);
    let c = origin.client();
    create_bucket(&c, "durable").await;
    let mut objs: Vec<(String, Vec<u8>)> = Vec::new();
    for i in 0..20usize {
        let size = [0, 10, 4 * KIB, MIB + 1, 2 * MIB + 3][i % 5];
        let key = format!("k/{i:02}");
        let data = random_bytes(100 + i as u64, size);
        put_bytes(&c, "durable", &key, &data).await;
        objs.push((key, data));
    }
    // Overwrite one, delete one, right before the crash.
    let newer = random_bytes(999, 1234);
    put_bytes(&c, "durable", "k/03", &newer).await;
    objs[3].1 = newer;
    c.delete_object()
        .bucket("durable")
        .key("k/07")
        .send()
        .await
        .expect("DeleteObject");
    objs.remove(7);
    origin.kill9();

    for round in 0..2 {
        origin.restart();
        assert_tmp_empty(&origin);
        let c = origin.client();
        for (key, data) in &objs {
            let got = get_bytes(&c, "durable", key).await;
            assert!(got == *data, "restart {round}: {key} differs");
        }
        let listed: Vec<String> = list_all(&c, "durable", "")
            .await
            .into_iter()
            .map(|l| l.key)
            .collect();
        let expected: Vec<String> = objs.iter().map(|(k, _)| k.clone()).collect();
        assert_eq!(listed, expected, "restart {round}: listing");
        let res = c.get_object().bucket("durable").key("k/07").send().await;
        assert_s3_err("deleted key after restart", res, 404, Some("NoSuchKey"));
    }
}
