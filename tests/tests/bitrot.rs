//! Bitrot: corrupted shard files are detected by their blake3 hashes and
//! repaired from parity on read; corruption beyond parity is an error,
//! never wrong bytes. Also checks the on-disk shard layout the tests rely
//! on (1 MiB blocks; per block: shard bytes + 32-byte blake3 of them).

use std::path::PathBuf;

use aws_sdk_s3::Client;
use aws_sdk_s3::error::DisplayErrorContext;
use gureum_tests::*;

/// 6 drives -> 4 data shards: a full 1 MiB block has 256 KiB shards.
const K: usize = 4;
const FULL_SHARD: usize = BLOCK / K;
const FULL_SHARD_BLOCK: usize = FULL_SHARD + HASH_LEN;

/// The one `shard.bin` of the only object in `bucket` on drive `drive`.
fn shard_file(origin: &Origin, drive: usize, bucket: &str) -> PathBuf {
    let dir = origin.drive_path(drive).join("buckets").join(bucket);
    let found = find_files(&dir, "shard.bin");
    assert_eq!(
        found.len(),
        1,
        "expected exactly one shard.bin under {} (one object in the bucket), found {found:?}",
        dir.display()
    );
    found[0].clone()
}

async fn get_range(c: &Client, bucket: &str, key: &str, start: usize, end: usize) -> Vec<u8> {
    let out = c
        .get_object()
        .bucket(bucket)
        .key(key)
        .range(format!("bytes={start}-{end}"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {key} bytes={start}-{end}: {}", DisplayErrorContext(&e)));
    out.body
        .collect()
        .await
        .expect("body")
        .into_bytes()
        .to_vec()
}

#[tokio::test]
async fn shard_file_layout_matches_contract() {
    let origin = Origin::start(6);
    let c = origin.client();
    create_bucket(&c, "layout").await;
    let data = random_bytes(11, 2 * BLOCK);
    put_bytes(&c, "layout", "two-blocks", &data).await;
    for d in 0..6 {
        let drive = origin.drive_path(d);
        let format = std::fs::read(drive.join(".gureum/format"))
            .unwrap_or_else(|e| panic!("drive {d}: .gureum/format: {e}"));
        serde_json::from_slice::<serde_json::Value>(&format)
            .unwrap_or_else(|e| panic!("drive {d}: .gureum/format is not JSON: {e}"));
        assert!(
            drive.join(".gureum/tmp").is_dir(),
            "drive {d}: no .gureum/tmp"
        );

        let shard = shard_file(&origin, d, "layout");
        let meta = shard.with_file_name("meta.json");
        let meta_bytes =
            std::fs::read(&meta).unwrap_or_else(|e| panic!("drive {d}: {}: {e}", meta.display()));
        serde_json::from_slice::<serde_json::Value>(&meta_bytes)
            .unwrap_or_else(|e| panic!("drive {d}: meta.json is not JSON: {e}"));

        let bytes = std::fs::read(&shard).expect("read shard.bin");
        assert_eq!(
            bytes.len(),
            2 * FULL_SHARD_BLOCK,
            "drive {d}: shard.bin of a 2-block object, 4+2: 2 x (256 KiB + 32)"
        );
        for (b, block) in bytes.chunks(FULL_SHARD_BLOCK).enumerate() {
            let (shard_bytes, hash) = block.split_at(FULL_SHARD);
            assert_eq!(
                blake3::hash(shard_bytes).as_bytes(),
                hash,
                "drive {d} block {b}: stored hash is not blake3 of the shard bytes"
            );
        }
    }
}

#[tokio::test]
async fn flipped_byte_in_one_shard_is_repaired_on_read() {
    let origin = Origin::start(6);
    let c = origin.client();
    for drive in [0, 2, 5] {
        let bucket = format!("rot-drive{drive}");
        create_bucket(&c, &bucket).await;
        let data = random_bytes(20 + drive as u64, 3 * MIB + 7);
        put_bytes(&c, &bucket, "obj", &data).await;
        let shard = shard_file(&origin, drive, &bucket);
        let len = std::fs::metadata(&shard).expect("stat").len();
        flip_byte(&shard, len / 2);
        for round in 0..2 {
            let got = get_bytes(&c, &bucket, "obj").await;
            assert!(
                got == data,
                "drive {drive}, read {round}: object differs after one flipped byte"
            );
        }
        let got = get_range(&c, &bucket, "obj", MIB + 5, 2 * MIB + 5).await;
        assert!(
            got[..] == data[MIB + 5..=2 * MIB + 5],
            "drive {drive}: range differs"
        );
    }
}

#[tokio::test]
async fn corrupt_data_shards_of_multiblock_object() {
    let origin = Origin::start(6);
    let c = origin.client();
    create_bucket(&c, "rot").await;
    let size = 5 * MIB + 123;
    let data = random_bytes(33, size);
    put_bytes(&c, "rot", "video.bin", &data).await;

    let d0 = shard_file(&origin, 0, "rot");
    let d1 = shard_file(&origin, 1, "rot");
    let d3 = shard_file(&origin, 3, "rot");
    let fsb = FULL_SHARD_BLOCK as u64;
    // Drive 0 (data shard 0): block 0 data, block 2 data, block 4 hash.
    flip_byte(&d0, 10);
    flip_byte(&d0, 2 * fsb + 100);
    flip_byte(&d0, 4 * fsb + FULL_SHARD as u64 + 5);
    // Drive 1: block 1; drive 3: block 2 (block 2 now has 2 bad shards).
    flip_byte(&d1, fsb + 77);
    flip_byte(&d3, 2 * fsb + 4242);
    // Last (partial) block on drive 0: truncate nothing, flip its first byte.
    flip_byte(&d0, 5 * fsb);

    for round in 0..2 {
        let got = get_bytes(&c, "rot", "video.bin").await;
        assert_eq!(got.len(), size);
        assert!(
            got == data,
            "read {round}: object differs after corrupting data shards"
        );
    }
    // Ranged reads of each corrupted block, and across boundaries.
    for (start, end) in [
        (0, 10),
        (5, 300 * KIB),
        (MIB, 2 * MIB - 1),
        (2 * MIB + 1000, 3 * MIB + 1000),
        (4 * MIB, 5 * MIB + 122),
        (5 * MIB, 5 * MIB + 122),
    ] {
        let got = get_range(&c, "rot", "video.bin", start, end).await;
        assert!(got[..] == data[start..=end], "range {start}-{end} differs");
    }
}

/// Three corrupt shards of one block (only 3 good ones left, 4 needed):
/// the read must fail, never return the wrong bytes as a complete body.
#[tokio::test]
async fn corruption_beyond_parity_is_an_error() {
    let origin = Origin::start(6);
    let c = origin.client();
    create_bucket(&c, "rot3").await;
    let data = random_bytes(44, 3 * MIB + 9);
    put_bytes(&c, "rot3", "obj", &data).await;
    let fsb = FULL_SHARD_BLOCK as u64;
    for d in [0, 2, 4] {
        flip_byte(&shard_file(&origin, d, "rot3"), 2 * fsb + 1000);
    }
    let res = c.get_object().bucket("rot3").key("obj").send().await;
    match res {
        Err(e) => {
            let status = err_status(&e);
            assert!(
                status.is_some_and(|s| s >= 500),
                "expected a 5xx, got {status:?}: {}",
                DisplayErrorContext(&e)
            );
        }
        Ok(out) => {
            // Headers may already be out when block 2 turns out bad; then the
            // body must break off instead of ending as if complete.
            if let Ok(b) = out.body.collect().await {
                let b = b.into_bytes();
                panic!(
                    "GET with 3 corrupt shards in block 2 returned a complete body ({} B, {}); \
                     it must fail",
                    b.len(),
                    if b[..] == data[..] {
                        "right bytes"
                    } else {
                        "WRONG bytes"
                    }
                );
            }
        }
    }
    // Blocks 0-1 are intact and still readable by range.
    let got = get_range(&c, "rot3", "obj", 0, 2 * MIB - 1).await;
    assert!(got[..] == data[..2 * MIB], "intact blocks differ");
    assert_eq!(origin.http_get("/health/live").await.status, 200);
}
