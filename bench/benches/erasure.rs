//! Micro-benchmarks of the per-block costs in the origin's PUT and GET paths.
//!
//! - Reed-Solomon (reed-solomon-erasure 6) encode of a 1 MiB block into k data
//!   + m parity shards, for 4+2 and 8+4.
//! - Reconstruct of that block with 1 and with `m` data shards lost (the
//!   degraded read / heal path). Lost shards are data shards: losing parity only
//!   would be a plain re-encode.
//! - blake3 of one shard-block (1 MiB / k) and of a whole 1 MiB block (bitrot
//!   hashes), and md5 of 1 MiB (the S3 ETag): md-5 with its assembly
//!   compressor, and md5-many one stream and 8 / 16 streams side by side
//!   (what the origin's `md5_batch` does for concurrent uploads; throughput
//!   counts every lane's bytes).
//!
//! Throughput is reported per 1 MiB of object data for the erasure benches
//! (so encode and reconstruct compare directly against the network rate) and
//! per hashed byte for the hashes.
//!
//! The `simd` feature of gureum-bench (default on) turns on
//! `reed-solomon-erasure/simd-accel`; run with `--no-default-features` for the
//! pure-Rust kernels. The program prints which one it measured.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use md5::{Digest, Md5};
use rand::RngCore;
use rand::SeedableRng;
use rand::rngs::StdRng;
use reed_solomon_erasure::galois_8::ReedSolomon;

const BLOCK: usize = 1 << 20;
/// (data, parity) layouts: the 6-drive default and a 12-drive set.
const LAYOUTS: [(usize, usize); 2] = [(4, 2), (8, 4)];

fn kernel() -> &'static str {
    if cfg!(feature = "simd") {
        "simd"
    } else {
        "rust"
    }
}

fn random_block(len: usize, seed: u64) -> Vec<u8> {
    let mut buf = vec![0u8; len];
    StdRng::seed_from_u64(seed).fill_bytes(&mut buf);
    buf
}

/// Splits `block` into `k` data shards (the last one zero-padded) plus `m`
/// zeroed parity shards, as the origin lays out one stripe.
fn split_block(block: &[u8], k: usize, m: usize) -> Vec<Vec<u8>> {
    let shard_len = block.len().div_ceil(k);
    let mut shards: Vec<Vec<u8>> = block
        .chunks(shard_len)
        .map(|c| {
            let mut s = c.to_vec();
            s.resize(shard_len, 0);
            s
        })
        .collect();
    shards.resize_with(k + m, || vec![0u8; shard_len]);
    shards
}

fn bench_encode(c: &mut Criterion) {
    let block = random_block(BLOCK, 1);
    let mut group = c.benchmark_group(format!("rs_encode_{}", kernel()));
    group.throughput(Throughput::Bytes(BLOCK as u64));
    for (k, m) in LAYOUTS {
        let rs = ReedSolomon::new(k, m).expect("valid layout");
        let mut shards = split_block(&block, k, m);
        group.bench_function(BenchmarkId::from_parameter(format!("{k}+{m}/1MiB")), |b| {
            b.iter(|| rs.encode(black_box(&mut shards)).expect("encode"))
        });
    }
    group.finish();
}

fn bench_reconstruct(c: &mut Criterion) {
    let block = random_block(BLOCK, 2);
    let mut group = c.benchmark_group(format!("rs_reconstruct_{}", kernel()));
    group.throughput(Throughput::Bytes(BLOCK as u64));
    for (k, m) in LAYOUTS {
        let rs = ReedSolomon::new(k, m).expect("valid layout");
        let mut encoded = split_block(&block, k, m);
        rs.encode(&mut encoded).expect("encode");
        for lost in [1, m] {
            // (buffer, present) pairs: reconstruct writes into the buffers
            // marked absent, so no allocation sits inside the timed loop.
            let mut shards: Vec<(Vec<u8>, bool)> =
                encoded.iter().map(|s| (s.clone(), true)).collect();
            let id = format!("{k}+{m}/1MiB/lost{lost}");
            group.bench_function(BenchmarkId::from_parameter(id), |b| {
                b.iter(|| {
                    for (buf, present) in shards.iter_mut().take(lost) {
                        buf.fill(0);
                        *present = false;
                    }
                    rs.reconstruct(black_box(&mut shards)).expect("reconstruct");
                })
            });
            // The rebuilt shards must equal the originals (the library leaves
            // the `present` flags as they were).
            for (got, want) in shards.iter().zip(&encoded) {
                assert!(got.0 == *want, "reconstruct produced wrong data");
            }
        }
    }
    group.finish();
}

fn bench_hashes(c: &mut Criterion) {
    let block = random_block(BLOCK, 3);
    let mut group = c.benchmark_group("hash");
    let mut sizes: Vec<(String, usize)> = LAYOUTS
        .iter()
        .map(|&(k, _)| (format!("shard-block 1MiB/{k}"), BLOCK.div_ceil(k)))
        .collect();
    sizes.push(("1MiB".to_string(), BLOCK));
    for (label, len) in sizes {
        let data = &block[..len];
        group.throughput(Throughput::Bytes(len as u64));
        group.bench_function(BenchmarkId::new("blake3", &label), |b| {
            b.iter(|| blake3::hash(black_box(data)))
        });
    }
    group.throughput(Throughput::Bytes(BLOCK as u64));
    group.bench_function(BenchmarkId::new("md5", "1MiB"), |b| {
        b.iter(|| Md5::digest(black_box(&block[..])))
    });
    let engine = md5_many::Md5Many::new();
    for lanes in [1usize, 8, 16] {
        group.throughput(Throughput::Bytes((BLOCK * lanes) as u64));
        group.bench_function(
            BenchmarkId::new("md5-many", format!("1MiB x{lanes}")),
            |b| {
                let inputs: Vec<&[u8]> = vec![&block[..]; lanes];
                b.iter(|| {
                    let mut states = vec![md5_many::Md5State::new(); lanes];
                    if lanes == 1 {
                        states[0].update(black_box(&block[..]));
                    } else {
                        engine.update_many(&mut states, black_box(&inputs));
                    }
                    states
                })
            },
        );
    }
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench_encode, bench_reconstruct, bench_hashes
}
criterion_main!(benches);
