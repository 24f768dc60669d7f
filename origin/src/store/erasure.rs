//! Reed-Solomon over one block: split a block into `data` shards plus parity,
//! and rebuild missing shards. CPU-bound: callers run it on blocking threads,
//! never on the async reactor.

use reed_solomon_erasure::galois_8::ReedSolomon;

use super::error::StoreError;
use super::layout::Layout;

/// Encoder/decoder for one layout; cheap to share behind an `Arc`.
pub struct Codec {
    layout: Layout,
    /// `None` when parity is 0: a single-drive store has nothing to compute.
    rs: Option<ReedSolomon>,
}

impl Codec {
    /// Builds the codec for `layout`.
    pub fn new(layout: Layout) -> Result<Self, StoreError> {
        let rs = if layout.parity == 0 {
            None
        } else {
            Some(
                ReedSolomon::new(layout.data, layout.parity)
                    .map_err(|e| StoreError::Config(format!("erasure layout: {e:?}")))?,
            )
        };
        Ok(Self { layout, rs })
    }

    /// Computes parity shards for `block`. Data shards are not copied: shard i
    /// is `block[i*s..(i+1)*s]`, except that the tail shard is zero-padded in
    /// `tail` when the block does not divide evenly.
    pub fn encode(&self, block: &[u8]) -> Result<Encoded, StoreError> {
        let k = self.layout.data;
        let s = self.layout.shard_len(block.len());
        let mut tail = Vec::new();
        // Index of the first data shard that is not a plain slice of `block`.
        let full = block.len().checked_div(s).unwrap_or(k);
        if full < k {
            let mut t = vec![0u8; (k - full) * s];
            t[..block.len() - full * s].copy_from_slice(&block[full * s..]);
            tail = t;
        }
        let mut parity = vec![vec![0u8; s]; self.layout.parity];
        if let Some(rs) = &self.rs
            && s > 0
        {
            let data: Vec<&[u8]> = (0..k)
                .map(|i| data_shard(block, &tail, full, s, i))
                .collect();
            let mut par: Vec<&mut [u8]> = parity.iter_mut().map(|p| p.as_mut_slice()).collect();
            rs.encode_sep(&data, &mut par)
                .map_err(|e| StoreError::Internal(format!("erasure encode: {e:?}")))?;
        }
        Ok(Encoded {
            data: k,
            shard_len: s,
            full,
            tail,
            parity,
        })
    }

    /// Rebuilds the missing data shards in place; needs at least `data` shards.
    pub fn reconstruct_data(&self, shards: &mut [Option<Vec<u8>>]) -> Result<(), StoreError> {
        match &self.rs {
            Some(rs) => rs
                .reconstruct_data(shards)
                .map_err(|_| StoreError::NotEnoughShards),
            None if shards.iter().all(Option::is_some) => Ok(()),
            None => Err(StoreError::NotEnoughShards),
        }
    }

    /// Rebuilds every missing shard (data and parity) in place, for healing.
    pub fn reconstruct_all(&self, shards: &mut [Option<Vec<u8>>]) -> Result<(), StoreError> {
        match &self.rs {
            Some(rs) => rs
                .reconstruct(shards)
                .map_err(|_| StoreError::NotEnoughShards),
            None if shards.iter().all(Option::is_some) => Ok(()),
            None => Err(StoreError::NotEnoughShards),
        }
    }
}

fn data_shard<'a>(block: &'a [u8], tail: &'a [u8], full: usize, s: usize, i: usize) -> &'a [u8] {
    if i < full {
        &block[i * s..(i + 1) * s]
    } else {
        &tail[(i - full) * s..(i - full + 1) * s]
    }
}

/// One encoded block: borrowed data shards plus owned parity.
pub struct Encoded {
    /// Number of data shards.
    data: usize,
    /// Bytes per shard.
    pub shard_len: usize,
    /// Data shards that are whole slices of the block.
    full: usize,
    /// Zero-padded copy of the data shards past `full`.
    tail: Vec<u8>,
    /// Parity shards.
    pub parity: Vec<Vec<u8>>,
}

impl Encoded {
    /// Shard `i` (data shards first, then parity) of the block it was made from.
    pub fn shard<'a>(&'a self, block: &'a [u8], i: usize) -> &'a [u8] {
        let k = self.data;
        if i < k {
            data_shard(block, &self.tail, self.full, self.shard_len, i)
        } else {
            &self.parity[i - k]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(k: usize, m: usize, len: usize, lose: &[usize]) {
        let layout = Layout {
            data: k,
            parity: m,
            block_size: 1 << 20,
        };
        let codec = Codec::new(layout).expect("codec");
        let block: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
        let enc = codec.encode(&block).expect("encode");
        let mut shards: Vec<Option<Vec<u8>>> = (0..k + m)
            .map(|i| Some(enc.shard(&block, i).to_vec()))
            .collect();
        for &l in lose {
            shards[l] = None;
        }
        codec.reconstruct_data(&mut shards).expect("reconstruct");
        let mut out = Vec::new();
        for s in shards.iter().take(k) {
            out.extend_from_slice(s.as_ref().expect("data shard"));
        }
        out.truncate(len);
        assert_eq!(out, block);
    }

    #[test]
    fn encode_and_rebuild() {
        roundtrip(4, 2, 1 << 20, &[0, 3]);
        roundtrip(4, 2, 1_000_003, &[1, 5]);
        roundtrip(4, 2, 3, &[0, 1]);
        roundtrip(3, 1, 1_048_576, &[2]);
        roundtrip(8, 4, 777_777, &[0, 1, 2, 3]);
        roundtrip(1, 0, 10, &[]);
    }

    #[test]
    fn too_many_lost_fails() {
        let layout = Layout {
            data: 4,
            parity: 2,
            block_size: 1 << 20,
        };
        let codec = Codec::new(layout).expect("codec");
        let block = vec![7u8; 1000];
        let enc = codec.encode(&block).expect("encode");
        let mut shards: Vec<Option<Vec<u8>>> = (0..6)
            .map(|i| Some(enc.shard(&block, i).to_vec()))
            .collect();
        shards[0] = None;
        shards[1] = None;
        shards[2] = None;
        assert!(codec.reconstruct_data(&mut shards).is_err());
    }
}
