//! Listings over 10,000 keys: ListObjectsV2 pagination (max-keys 1000 and
//! 7) returns exactly the sorted key set, delimiter/prefix listings return
//! the CommonPrefixes and Contents computed locally across pages,
//! start-after, ListObjects v1 with marker, and encoding-type=url.

use std::sync::Arc;

use aws_sdk_s3::Client;
use aws_sdk_s3::error::DisplayErrorContext;
use aws_sdk_s3::types::EncodingType;
use gureum_tests::*;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

const MAX_PAGES: usize = 5000;

fn all_keys() -> Vec<String> {
    let mut keys: Vec<String> = (0..9900)
        .map(|i| format!("dir{}/sub{}/file{:05}", i % 37, i % 5, i))
        .collect();
    keys.extend((0..96).map(|i| format!("top{i:03}")));
    // Keys that sort right next to common prefixes: '-' and '.' sort before
    // '/', and "dir10"/"dir3/sub0" are both objects and prefixes.
    keys.extend(["dir1-a", "dir1.b", "dir10", "dir3/sub0"].map(String::from));
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), 10_000);
    keys
}

async fn create_keys(c: &Client, bucket: &str, keys: &[String]) {
    let sem = Arc::new(Semaphore::new(32));
    let mut set = JoinSet::new();
    for key in keys {
        let permit = sem.clone().acquire_owned().await.expect("semaphore");
        let c = c.clone();
        let key = key.clone();
        let bucket = bucket.to_string();
        set.spawn(async move {
            let _permit = permit;
            put_bytes(&c, &bucket, &key, key.as_bytes()).await;
        });
    }
    while let Some(res) = set.join_next().await {
        res.expect("PUT task");
    }
}

/// `(contents, common prefixes)` that a delimiter listing must return.
fn expected_listing(
    keys: &[String],
    prefix: &str,
    delimiter: Option<&str>,
    start_after: Option<&str>,
) -> (Vec<String>, Vec<String>) {
    let mut contents = Vec::new();
    let mut prefixes: Vec<String> = Vec::new();
    for k in keys {
        if !k.starts_with(prefix) || start_after.is_some_and(|s| k.as_str() <= s) {
            continue;
        }
        let rest = &k[prefix.len()..];
        match delimiter.and_then(|d| rest.find(d).map(|i| (i, d))) {
            Some((i, d)) => {
                let p = format!("{prefix}{}", &rest[..i + d.len()]);
                if prefixes.last() != Some(&p) {
                    prefixes.push(p);
                }
            }
            None => contents.push(k.clone()),
        }
    }
    (contents, prefixes)
}

struct Listing {
    contents: Vec<String>,
    prefixes: Vec<String>,
    pages: usize,
}

async fn list_v2(
    c: &Client,
    bucket: &str,
    prefix: Option<&str>,
    delimiter: Option<&str>,
    max_keys: i32,
    start_after: Option<&str>,
) -> Listing {
    let what = format!(
        "ListObjectsV2 prefix={prefix:?} delimiter={delimiter:?} max-keys={max_keys} \
         start-after={start_after:?}"
    );
    let mut out = Listing {
        contents: Vec::new(),
        prefixes: Vec::new(),
        pages: 0,
    };
    let mut token: Option<String> = None;
    loop {
        out.pages += 1;
        assert!(
            out.pages <= MAX_PAGES,
            "{what}: more than {MAX_PAGES} pages"
        );
        let page = c
            .list_objects_v2()
            .bucket(bucket)
            .set_prefix(prefix.map(String::from))
            .set_delimiter(delimiter.map(String::from))
            .max_keys(max_keys)
            .set_start_after(start_after.map(String::from))
            .set_continuation_token(token.clone())
            .send()
            .await
            .unwrap_or_else(|e| panic!("{what}: {}", DisplayErrorContext(&e)));
        let n = page.contents().len() + page.common_prefixes().len();
        assert!(
            n <= max_keys as usize,
            "{what}: page {} has {n} entries",
            out.pages
        );
        if let Some(kc) = page.key_count() {
            assert_eq!(kc as usize, n, "{what}: KeyCount of page {}", out.pages);
        }
        assert_eq!(page.max_keys(), Some(max_keys), "{what}: MaxKeys echoed");
        out.contents.extend(
            page.contents()
                .iter()
                .map(|o| o.key().unwrap_or_default().to_string()),
        );
        out.prefixes.extend(
            page.common_prefixes()
                .iter()
                .map(|p| p.prefix().unwrap_or_default().to_string()),
        );
        if page.is_truncated() == Some(true) {
            assert!(
                n > 0,
                "{what}: truncated page {} without entries",
                out.pages
            );
            token = Some(
                page.next_continuation_token()
                    .unwrap_or_else(|| {
                        panic!("{what}: truncated page without NextContinuationToken")
                    })
                    .to_string(),
            );
        } else {
            assert!(
                page.next_continuation_token().is_none(),
                "{what}: NextContinuationToken on the last page"
            );
            break;
        }
    }
    out
}

async fn list_v1(
    c: &Client,
    bucket: &str,
    prefix: Option<&str>,
    delimiter: Option<&str>,
    max_keys: i32,
) -> Listing {
    let what =
        format!("ListObjects (v1) prefix={prefix:?} delimiter={delimiter:?} max-keys={max_keys}");
    let mut out = Listing {
        contents: Vec::new(),
        prefixes: Vec::new(),
        pages: 0,
    };
    let mut marker: Option<String> = None;
    loop {
        out.pages += 1;
        assert!(
            out.pages <= MAX_PAGES,
            "{what}: more than {MAX_PAGES} pages"
        );
        let page = c
            .list_objects()
            .bucket(bucket)
            .set_prefix(prefix.map(String::from))
            .set_delimiter(delimiter.map(String::from))
            .max_keys(max_keys)
            .set_marker(marker.clone())
            .send()
            .await
            .unwrap_or_else(|e| panic!("{what}: {}", DisplayErrorContext(&e)));
        let keys: Vec<String> = page
            .contents()
            .iter()
            .map(|o| o.key().unwrap_or_default().to_string())
            .collect();
        let prefixes: Vec<String> = page
            .common_prefixes()
            .iter()
            .map(|p| p.prefix().unwrap_or_default().to_string())
            .collect();
        let n = keys.len() + prefixes.len();
        assert!(
            n <= max_keys as usize,
            "{what}: page {} has {n} entries",
            out.pages
        );
        assert_eq!(
            page.marker().unwrap_or_default(),
            marker.as_deref().unwrap_or_default()
        );
        out.contents.extend(keys.iter().cloned());
        out.prefixes.extend(prefixes.iter().cloned());
        if page.is_truncated() == Some(true) {
            assert!(
                n > 0,
                "{what}: truncated page {} without entries",
                out.pages
            );
            let next = match page.next_marker() {
                Some(m) => m.to_string(),
                None => {
                    assert!(
                        delimiter.is_none(),
                        "{what}: truncated page with a delimiter but no NextMarker"
                    );
                    keys.last().expect("last key").clone()
                }
            };
            marker = Some(next);
        } else {
            break;
        }
    }
    out
}

fn assert_listing(what: &str, got: &Listing, expected: &(Vec<String>, Vec<String>)) {
    assert_eq!(
        got.contents.len(),
        expected.0.len(),
        "{what}: number of Contents ({} pages)",
        got.pages
    );
    assert!(
        got.contents == expected.0,
        "{what}: Contents differ (order, loss or repeat)"
    );
    assert_eq!(got.prefixes, expected.1, "{what}: CommonPrefixes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_keys() {
    let origin = Origin::start(6);
    let c = origin.client();
    create_bucket(&c, "many").await;
    let keys = all_keys();
    let t = std::time::Instant::now();
    create_keys(&c, "many", &keys).await;
    eprintln!("created {} keys in {:?}", keys.len(), t.elapsed());

    // Full listings, large and small pages.
    for max_keys in [1000, 7] {
        let t = std::time::Instant::now();
        let got = list_v2(&c, "many", None, None, max_keys, None).await;
        eprintln!(
            "max-keys {max_keys}: {} pages in {:?}",
            got.pages,
            t.elapsed()
        );
        assert_listing(
            &format!("full listing, max-keys {max_keys}"),
            &got,
            &(keys.clone(), vec![]),
        );
        if max_keys == 1000 {
            assert_eq!(got.pages, 10, "10,000 keys in pages of 1000");
        }
    }

    // Delimiter listings at several prefixes, across pages.
    let cases: &[(&str, i32)] = &[
        ("", 5),
        ("", 1000),
        ("dir3/", 2),
        ("dir1", 3),
        ("dir12/sub3/", 50),
        ("dir12/sub3/file", 1000),
        ("top", 10),
        ("nothing-here/", 10),
    ];
    for &(prefix, max_keys) in cases {
        let got = list_v2(&c, "many", Some(prefix), Some("/"), max_keys, None).await;
        let expected = expected_listing(&keys, prefix, Some("/"), None);
        assert_listing(
            &format!("prefix {prefix:?} delimiter '/' max-keys {max_keys}"),
            &got,
            &expected,
        );
    }
    // Sanity of the local model for the root level: 37 dirs + top-level keys.
    let root = expected_listing(&keys, "", Some("/"), None);
    assert_eq!(root.1.len(), 37);
    assert_eq!(root.0.len(), 96 + 3);

    // Prefix without delimiter.
    for (prefix, max_keys) in [("dir12/", 100), ("dir7/sub2/", 13)] {
        let got = list_v2(&c, "many", Some(prefix), None, max_keys, None).await;
        let expected = expected_listing(&keys, prefix, None, None);
        assert!(!expected.0.is_empty());
        assert_listing(&format!("prefix {prefix:?}"), &got, &expected);
    }

    // start-after: a key that exists, one that does not, and with a prefix.
    for (prefix, start_after, max_keys) in [
        ("", "dir20/sub1/file00020", 1000),
        ("", "dir20/sub", 333),
        ("", "top095", 10),
        ("dir5/", "dir5/sub3/", 17),
    ] {
        let p = (!prefix.is_empty()).then_some(prefix);
        let got = list_v2(&c, "many", p, None, max_keys, Some(start_after)).await;
        let expected = expected_listing(&keys, prefix, None, Some(start_after));
        assert_listing(
            &format!("prefix {prefix:?} start-after {start_after:?}"),
            &got,
            &expected,
        );
    }

    // ListObjects v1 with marker.
    let got = list_v1(&c, "many", None, None, 1000).await;
    assert_listing("v1 full listing", &got, &(keys.clone(), vec![]));
    let got = list_v1(&c, "many", Some("dir3/"), Some("/"), 2).await;
    assert_listing(
        "v1 prefix dir3/ delimiter /",
        &got,
        &expected_listing(&keys, "dir3/", Some("/"), None),
    );
    let got = list_v1(&c, "many", None, Some("/"), 9).await;
    assert_listing(
        "v1 delimiter / at the root",
        &got,
        &expected_listing(&keys, "", Some("/"), None),
    );
}

const ODD_KEYS: &[&str] = &[
    "plain.txt",
    "sp ace/file one.txt",
    "유니코드/파일 이름.txt",
    "plus+sign.txt",
    "percent%20literal.txt",
    "amp&lt<gt>\"quote'.txt",
    "tab\there.txt",
    "emoji/🙂.png",
];

#[tokio::test]
async fn odd_keys_and_encoding_type_url() {
    let origin = Origin::start(6);
    let c = origin.client();
    create_bucket(&c, "odd").await;
    for k in ODD_KEYS {
        put_bytes(&c, "odd", k, k.as_bytes()).await;
        assert_eq!(get_bytes(&c, "odd", k).await, k.as_bytes(), "GET {k:?}");
    }
    let mut sorted: Vec<String> = ODD_KEYS.iter().map(|s| s.to_string()).collect();
    sorted.sort();

    // Without encoding-type the keys come back verbatim (XML-escaped on
    // the wire, decoded by the SDK).
    let plain = list_v2(&c, "odd", None, None, 1000, None).await;
    assert_eq!(
        plain.contents, sorted,
        "ListObjectsV2 without encoding-type"
    );

    // With encoding-type=url every key is URL-encoded.
    let page = c
        .list_objects_v2()
        .bucket("odd")
        .encoding_type(EncodingType::Url)
        .send()
        .await
        .unwrap_or_else(|e| {
            panic!(
                "ListObjectsV2 encoding-type=url: {}",
                DisplayErrorContext(&e)
            )
        });
    assert_eq!(page.encoding_type(), Some(&EncodingType::Url));
    let encoded: Vec<String> = page
        .contents()
        .iter()
        .map(|o| o.key().unwrap_or_default().to_string())
        .collect();
    assert_eq!(encoded.len(), sorted.len(), "encoded listing: {encoded:?}");
    for (enc, orig) in encoded.iter().zip(&sorted) {
        assert!(
            enc.is_ascii() && !enc.contains([' ', '\t', '<', '>', '&']),
            "key {orig:?} not URL-encoded: {enc:?}"
        );
        assert_eq!(&url_decode_plus(enc), orig, "decoding {enc:?}");
    }

    // Delimiter + encoding-type: CommonPrefixes are encoded too.
    let page = c
        .list_objects_v2()
        .bucket("odd")
        .delimiter("/")
        .encoding_type(EncodingType::Url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("ListObjectsV2 delimiter + url: {}", DisplayErrorContext(&e)));
    let mut prefixes: Vec<String> = page
        .common_prefixes()
        .iter()
        .map(|p| url_decode_plus(p.prefix().unwrap_or_default()))
        .collect();
    prefixes.sort();
    let mut expected_prefixes = vec![
        "emoji/".to_string(),
        "sp ace/".to_string(),
        "유니코드/".to_string(),
    ];
    expected_prefixes.sort();
    assert_eq!(prefixes, expected_prefixes);
    for p in page.common_prefixes() {
        let raw = p.prefix().unwrap_or_default();
        assert!(
            raw.is_ascii() && !raw.contains(' '),
            "prefix not encoded: {raw:?}"
        );
    }

    // A unicode prefix as a request parameter.
    let got = list_v2(&c, "odd", Some("유니코드/"), None, 1000, None).await;
    assert_eq!(got.contents, vec!["유니코드/파일 이름.txt".to_string()]);

    // v1 with encoding-type=url.
    let page = c
        .list_objects()
        .bucket("odd")
        .encoding_type(EncodingType::Url)
        .send()
        .await
        .unwrap_or_else(|e| {
            panic!(
                "ListObjects v1 encoding-type=url: {}",
                DisplayErrorContext(&e)
            )
        });
    let decoded: Vec<String> = page
        .contents()
        .iter()
        .map(|o| url_decode_plus(o.key().unwrap_or_default()))
        .collect();
    assert_eq!(decoded, sorted, "v1 encoding-type=url");
}

#[tokio::test]
async fn empty_bucket_and_missing_bucket() {
    let origin = Origin::start(6);
    let c = origin.client();
    create_bucket(&c, "empty").await;
    let page = c
        .list_objects_v2()
        .bucket("empty")
        .send()
        .await
        .expect("ListObjectsV2 empty");
    assert!(page.contents().is_empty());
    assert!(page.common_prefixes().is_empty());
    assert_eq!(page.key_count(), Some(0));
    assert_eq!(page.is_truncated(), Some(false));
    let res = c.list_objects_v2().bucket("nope-bucket").send().await;
    assert_s3_err(
        "ListObjectsV2 missing bucket",
        res,
        404,
        Some("NoSuchBucket"),
    );
    let res = c.list_objects().bucket("nope-bucket").send().await;
    assert_s3_err("ListObjects missing bucket", res, 404, Some("NoSuchBucket"));

    // Deleted keys disappear from listings; overwritten keys are listed once.
    put_bytes(&c, "empty", "a", b"1").await;
    put_bytes(&c, "empty", "a", b"22").await;
    put_bytes(&c, "empty", "b", b"3").await;
    c.delete_object()
        .bucket("empty")
        .key("b")
        .send()
        .await
        .expect("DeleteObject");
    let listed = list_all(&c, "empty", "").await;
    assert_eq!(
        listed,
        vec![Listed {
            key: "a".into(),
            etag: etag_of(b"22"),
            size: 2
        }]
    );
}
