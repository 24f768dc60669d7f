//! Ranges through the edge: a cold range pulls only the slices it
//! touches; 50 random ranges (single, open-ended, suffix) plus every slice
//! boundary are byte-compared against the origin.

use gureum_tests::edge::{Dist, Edge, EdgeOptions};
use gureum_tests::*;
use rand::{Rng, SeedableRng};

const SIZE: usize = 5 * MIB + 123;

fn expect(data: &[u8], r: &RawResponse, start: usize, end: usize, what: &str) {
    assert_eq!(r.status, 206, "{what}: {}", r.text());
    assert_eq!(
        r.header("content-range"),
        Some(format!("bytes {start}-{end}/{}", data.len()).as_str()),
        "{what}"
    );
    assert_eq!(r.body.len(), end - start + 1, "{what}: length");
    assert!(r.body[..] == data[start..=end], "{what}: bytes differ");
}

#[tokio::test]
async fn ranges_match_the_origin() {
    let origin = Origin::start(4);
    let c = origin.client();
    create_bucket(&c, "media").await;
    let data = random_bytes(3, SIZE);
    put_bytes(&c, "media", "video/seek.mp4", &data).await;
    let edge = Edge::start(
        &origin,
        EdgeOptions::new(vec![Dist::new("media", "video/")]),
    );
    let path = "/media/video/seek.mp4";

    // A seek into slice 2 pulls slice 2 only.
    let r = edge.get(path, &[("range", "bytes=2097200-2097300")]).await;
    expect(&data, &r, 2_097_200, 2_097_300, "cold seek");
    assert_eq!(r.header("x-cache"), Some("MISS"));
    let again = edge.get(path, &[("range", "bytes=2097152-3145727")]).await;
    expect(&data, &again, 2 * MIB, 3 * MIB - 1, "same slice");
    assert_eq!(again.header("x-cache"), Some("HIT"));
    let other = edge.get(path, &[("range", "bytes=0-10")]).await;
    expect(&data, &other, 0, 10, "slice 0");
    assert_eq!(
        other.header("x-cache"),
        Some("MISS"),
        "slice 0 was not pulled by the seek"
    );
    assert_eq!(edge.metric("gureum_edge_origin_fetches_total").await, 2.0);

    // Slice boundaries, suffix and open-ended forms.
    let last = SIZE - 1;
    let mut cases: Vec<(String, usize, usize)> = Vec::new();
    for b in 1..=5 {
        let e = b * MIB;
        cases.push((
            format!("bytes={}-{}", e - 1, e.min(last)),
            e - 1,
            e.min(last),
        ));
        cases.push((
            format!("bytes={}-{}", e - 10, (e + 10).min(last)),
            e - 10,
            (e + 10).min(last),
        ));
    }
    cases.push(("bytes=-1".into(), last, last));
    cases.push(("bytes=-123".into(), SIZE - 123, last));
    cases.push((format!("bytes=-{}", MIB + 1), SIZE - MIB - 1, last));
    cases.push((format!("bytes={}-", 4 * MIB), 4 * MIB, last));
    cases.push(("bytes=0-".into(), 0, last));
    cases.push((format!("bytes=100-{}", SIZE * 2), 100, last));
    let mut rng = rand::rngs::StdRng::seed_from_u64(99);
    for _ in 0..50 {
        let form = rng.random_range(0..3);
        let a = rng.random_range(0..SIZE);
        match form {
            0 => {
                let b = rng.random_range(a..SIZE.min(a + 3 * MIB));
                cases.push((format!("bytes={a}-{b}"), a, b));
            }
            1 => cases.push((format!("bytes={a}-"), a, last)),
            _ => {
                let n = rng.random_range(1..=SIZE);
                cases.push((format!("bytes=-{n}"), SIZE - n, last));
            }
        }
    }
    for (range, start, end) in &cases {
        let r = edge.get(path, &[("range", range.as_str())]).await;
        expect(&data, &r, *start, *end, range);
        // The origin agrees on the same range.
        let o = c
            .get_object()
            .bucket("media")
            .key("video/seek.mp4")
            .range(range.as_str())
            .send()
            .await
            .expect("origin range GET");
        assert_eq!(o.content_range(), r.header("content-range"), "{range}");
        let ob = o.body.collect().await.expect("origin body").into_bytes();
        assert!(ob[..] == r.body[..], "{range}: edge and origin differ");
    }

    let bad = edge
        .get(path, &[("range", &format!("bytes={SIZE}-"))])
        .await;
    assert_eq!(bad.status, 416);
    assert_eq!(
        bad.header("content-range"),
        Some(format!("bytes */{SIZE}").as_str())
    );
    // Every slice is now cached: the whole object is a HIT.
    let whole = edge.get(path, &[]).await;
    assert_eq!(whole.header("x-cache"), Some("HIT"));
    assert!(whole.body == data);
}

fn error_code(r: &RawResponse) -> Option<String> {
    let t = r.text();
    let start = t.find("<Code>")? + "<Code>".len();
    let len = t.get(start..)?.find("</Code>")?;
    t.get(start..start + len).map(str::to_string)
}

/// Bad Range headers get the same answer through the edge as from the
/// origin (status and S3 error code), cold and cached alike, and never a
/// 200 with the whole body.
#[tokio::test]
async fn bad_ranges_get_the_origins_answer() {
    let origin = Origin::start(4);
    let c = origin.client();
    create_bucket(&c, "media").await;
    let data = random_bytes(4, 3000);
    put_bytes(&c, "media", "video/a.bin", &data).await;
    let edge = Edge::start(
        &origin,
        EdgeOptions::new(vec![Dist::new("media", "video/")]),
    );
    let path = "/media/video/a.bin";
    let cases = [
        "bytes=5-2",
        "bytes=0-1,4-5",
        "items=0-1",
        "bytes=abc",
        "bytes= 1-2",
        "bytes=1-2-3",
        "bytes=-0",
        "bytes=3000-",
        "bytes=9000-9999",
    ];
    for round in ["cold", "cached"] {
        for range in cases {
            let from_edge = edge.get(path, &[("range", range)]).await;
            let from_origin = origin.signed("GET", path, &[("range", range)], b"").await;
            assert!(
                from_origin.status == 400 || from_origin.status == 416,
                "{range}: origin said {}",
                from_origin.status
            );
            assert_eq!(
                from_edge.status,
                from_origin.status,
                "{round} {range}: {}",
                from_edge.text()
            );
            assert_eq!(
                error_code(&from_edge),
                error_code(&from_origin),
                "{round} {range}"
            );
        }
        // Warm the cache for the second round.
        let whole = edge.get(path, &[]).await;
        assert_eq!(whole.status, 200);
        assert!(whole.body == data);
    }
}
