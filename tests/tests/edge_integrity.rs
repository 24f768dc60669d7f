//! Integrity end to end: a slice corrupted on the edge's disk is dropped
//! and fetched again, never served; bytes flipped on the way from the
//! origin fail verification and are refetched; a response the origin cuts
//! short is never cached nor served as complete. The origin-side faults
//! come from a small TCP proxy between edge and origin.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use gureum_tests::edge::{Dist, Edge, EdgeOptions, eventually, slice_files};
use gureum_tests::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[tokio::test]
async fn corrupted_disk_slice_is_never_served() {
    let origin = Origin::start(4);
    let c = origin.client();
    create_bucket(&c, "media").await;
    let data = random_bytes(50, 3 * MIB + 77);
    put_bytes(&c, "media", "video/c.bin", &data).await;
    let mut opts = EdgeOptions::new(vec![Dist::new("media", "video/")]);
    // No memory tier: every hit is read (and verified) from disk.
    opts.memory_bytes = 0;
    let edge = Edge::start(&origin, opts);
    assert!(edge.get("/media/video/c.bin", &[]).await.body == data);
    let disk = edge.disk_dir();
    assert!(
        eventually(Duration::from_secs(5), || async {
            slice_files(&disk).len() == 4
        })
        .await
    );
    for f in slice_files(&disk) {
        let len = std::fs::metadata(&f).expect("slice file").len();
        flip_byte(&f, len / 2);
    }
    for round in 0..2 {
        let r = edge.get("/media/video/c.bin", &[]).await;
        assert_eq!(r.status, 200);
        assert!(r.body == data, "round {round}: corrupted bytes served");
    }
    let fails = edge
        .metric("gureum_edge_verify_failures_total{source=\"disk\"}")
        .await;
    assert_eq!(fails, 4.0);
    // A range inside a corrupted-then-repaired slice is right too.
    let mid = MIB / 2;
    let r = edge
        .get(
            "/media/video/c.bin",
            &[("range", &format!("bytes={mid}-{mid}"))],
        )
        .await;
    assert_eq!(r.body, vec![data[mid]]);
}

/// A TCP proxy in front of the origin that can flip one byte or cut
/// responses off once a byte budget (over all connections) is spent.
struct FaultProxy {
    addr: SocketAddr,
    /// Bytes still forwarded to the edge; i64::MAX = unlimited.
    budget: Arc<AtomicI64>,
    /// Downstream offset (over all connections) of a byte to flip once; -1 = none.
    flip_at: Arc<AtomicI64>,
}

impl FaultProxy {
    async fn start(upstream: SocketAddr) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().expect("addr");
        let budget = Arc::new(AtomicI64::new(i64::MAX));
        let flip_at = Arc::new(AtomicI64::new(-1));
        let seen = Arc::new(AtomicI64::new(0));
        let (b, f) = (budget.clone(), flip_at.clone());
        tokio::spawn(async move {
            while let Ok((down, _)) = listener.accept().await {
                let (b, f, seen) = (b.clone(), f.clone(), seen.clone());
                tokio::spawn(async move {
                    let Ok(up) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    let _ = up.set_nodelay(true);
                    let _ = down.set_nodelay(true);
                    let (mut up_r, mut up_w) = up.into_split();
                    let (mut down_r, mut down_w) = down.into_split();
                    tokio::spawn(async move {
                        let _ = tokio::io::copy(&mut down_r, &mut up_w).await;
                    });
                    let mut buf = vec![0u8; 64 * 1024];
                    loop {
                        let n = match up_r.read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => n,
                        };
                        let allowed =
                            b.fetch_sub(n as i64, Ordering::SeqCst).clamp(0, n as i64) as usize;
                        let start = seen.fetch_add(allowed as i64, Ordering::SeqCst);
                        let target = f.load(Ordering::SeqCst);
                        if target >= start && target < start + allowed as i64 {
                            buf[(target - start) as usize] ^= 0xFF;
                            f.store(-1, Ordering::SeqCst);
                        }
                        if down_w.write_all(&buf[..allowed]).await.is_err() || allowed < n {
                            break;
                        }
                    }
                    let _ = down_w.shutdown().await;
                });
            }
        });
        FaultProxy {
            addr,
            budget,
            flip_at,
        }
    }
}

fn through(origin: &Origin, proxy: &FaultProxy) -> EdgeOptions {
    let _ = origin;
    let mut opts = EdgeOptions::new(vec![Dist::new("media", "video/")]);
    opts.origin_url = Some(format!("http://{}", proxy.addr));
    opts
}

// Multi-thread: the proxy must keep serving (the edge's first change-feed
// poll goes through it) while `Edge::start` blocks waiting for readiness.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flipped_origin_bytes_are_refetched() {
    let origin = Origin::start(4);
    let c = origin.client();
    create_bucket(&c, "media").await;
    let data = random_bytes(51, 3 * MIB);
    put_bytes(&c, "media", "video/f.bin", &data).await;
    let proxy = FaultProxy::start(origin.addr()).await;
    let edge = Edge::start(&origin, through(&origin, &proxy));
    // Past the small metadata answers: lands inside the object bytes.
    proxy.flip_at.store(200 * KIB as i64, Ordering::SeqCst);
    let r = edge.get("/media/video/f.bin", &[]).await;
    assert_eq!(r.status, 200);
    assert!(r.body == data, "flipped bytes reached the client");
    assert_eq!(
        proxy.flip_at.load(Ordering::SeqCst),
        -1,
        "no byte was flipped"
    );
    assert_eq!(
        edge.metric("gureum_edge_verify_failures_total{source=\"origin\"}")
            .await,
        1.0
    );
    let hit = edge.get("/media/video/f.bin", &[]).await;
    assert_eq!(hit.header("x-cache"), Some("HIT"));
    assert!(hit.body == data);
}

// Multi-thread: the proxy must keep serving (the edge's first change-feed
// poll goes through it) while `Edge::start` blocks waiting for readiness.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cut_short_responses_are_never_served_complete() {
    let origin = Origin::start(4);
    let c = origin.client();
    create_bucket(&c, "media").await;
    let data = random_bytes(52, 4 * MIB);
    put_bytes(&c, "media", "video/cut.bin", &data).await;
    let proxy = FaultProxy::start(origin.addr()).await;
    let edge = Edge::start(&origin, through(&origin, &proxy));

    // Not even the first slice gets through. A miss answers once the
    // metadata is in (time to first byte), so the response breaks: never a
    // short body that looks complete, never a byte that was not verified.
    proxy.budget.store(512 * KIB as i64, Ordering::SeqCst);
    match raw_http(edge.addr(), "GET", "/media/video/cut.bin", &[], b"").await {
        Err(_) => {}
        Ok(r) => {
            assert!(
                r.status >= 500 || r.body.len() < data.len(),
                "a broken first slice was served as complete: {} {} bytes",
                r.status,
                r.body.len()
            );
            assert!(
                r.body.is_empty() || r.status >= 500,
                "unverified bytes served"
            );
        }
    }

    // Slices 0 and 1 get through, then the origin goes quiet: the client
    // sees its response break, never a short body that looks complete.
    proxy
        .budget
        .store((2 * MIB + 600 * KIB) as i64, Ordering::SeqCst);
    let addr = edge.addr();
    match raw_http(addr, "GET", "/media/video/cut.bin", &[], b"").await {
        Err(_) => {}
        Ok(r) => {
            assert_eq!(r.status, 200);
            assert!(
                r.body.len() < data.len(),
                "a broken fill was served as complete ({} bytes)",
                r.body.len()
            );
            assert!(
                r.body[..] == data[..r.body.len()],
                "wrong bytes before the break"
            );
        }
    }

    // Healthy again: the whole object, right, with nothing wrong cached.
    proxy.budget.store(i64::MAX, Ordering::SeqCst);
    let ok = edge.get("/media/video/cut.bin", &[]).await;
    assert_eq!(ok.status, 200);
    assert!(ok.body == data);
    let hit = edge.get("/media/video/cut.bin", &[]).await;
    assert_eq!(hit.header("x-cache"), Some("HIT"));
    assert!(hit.body == data);
}
