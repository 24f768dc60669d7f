//! Erasure layout arithmetic: how an object of `size` bytes maps to blocks and
//! how each block maps to `data + parity` shards and byte offsets in a shard
//! file. Pure functions; never touches the disk.

use serde::{Deserialize, Serialize};

use gureum_common::hash::BLAKE3_LEN;

/// Object bytes per erasure block. Edge slices align to this.
pub const DEFAULT_BLOCK_SIZE: u32 = 1024 * 1024;

/// Shape of one erasure-coded object, recorded with every object version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Layout {
    /// Number of data shards (k).
    pub data: usize,
    /// Number of parity shards (m).
    pub parity: usize,
    /// Object bytes per block.
    pub block_size: u32,
}

impl Layout {
    /// Total shards per block (one per drive).
    pub fn shards(&self) -> usize {
        self.data + self.parity
    }

    /// Number of blocks an object of `size` bytes occupies.
    pub fn block_count(&self, size: u64) -> u64 {
        size.div_ceil(u64::from(self.block_size))
    }

    /// Length of block `index` of an object of `size` bytes.
    pub fn block_len(&self, size: u64, index: u64) -> usize {
        let bs = u64::from(self.block_size);
        let start = index * bs;
        // Never more than block_size, so it fits usize.
        size.saturating_sub(start).min(bs) as usize
    }

    /// Bytes of each shard for a block of `block_len` bytes.
    pub fn shard_len(&self, block_len: usize) -> usize {
        block_len.div_ceil(self.data)
    }

    /// Offset in a shard file where block `index` starts. Every block before
    /// the last is full, so the offset is a multiple of one full shard record.
    pub fn shard_offset(&self, index: u64) -> u64 {
        index * (self.shard_len(self.block_size as usize) + BLAKE3_LEN) as u64
    }

    /// Which blocks hold the object bytes `range` (end exclusive, non-empty).
    pub fn blocks_for(&self, range: &std::ops::Range<u64>) -> std::ops::Range<u64> {
        let bs = u64::from(self.block_size);
        (range.start / bs)..range.end.div_ceil(bs)
    }
}

/// Default parity for `drives` drives (DESIGN.md): 0 for 1, 1 for 2-3,
/// 2 for 4-7, 4 for 8 and more.
pub fn default_parity(drives: usize) -> usize {
    match drives {
        0 | 1 => 0,
        2..=3 => 1,
        4..=7 => 2,
        _ => 4,
    }
}

/// Drives that must accept a write for it to count: k, or k+1 when k == m so
/// two disjoint halves can never both hold a "committed" write.
pub fn write_quorum(layout: &Layout) -> usize {
    if layout.data == layout.parity {
        layout.data + 1
    } else {
        layout.data
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const L42: Layout = Layout {
        data: 4,
        parity: 2,
        block_size: 1024 * 1024,
    };

    #[test]
    fn block_math() {
        assert_eq!(L42.block_count(0), 0);
        assert_eq!(L42.block_count(1), 1);
        assert_eq!(L42.block_count(1024 * 1024), 1);
        assert_eq!(L42.block_count(1024 * 1024 + 1), 2);
        assert_eq!(L42.block_len(1024 * 1024 + 1, 1), 1);
        assert_eq!(L42.shard_len(1), 1);
        assert_eq!(L42.shard_len(1024 * 1024), 262_144);
        assert_eq!(L42.shard_offset(2), 2 * (262_144 + 32));
        assert_eq!(L42.blocks_for(&(1_048_575..1_048_577)), 0..2);
    }

    #[test]
    fn parity_defaults_and_quorum() {
        assert_eq!(default_parity(1), 0);
        assert_eq!(default_parity(3), 1);
        assert_eq!(default_parity(6), 2);
        assert_eq!(default_parity(12), 4);
        assert_eq!(write_quorum(&L42), 4);
        let even = Layout {
            data: 2,
            parity: 2,
            block_size: 1,
        };
        assert_eq!(write_quorum(&even), 3);
    }
}
