//! Cache keys. An object version is named by (bucket, key, version id) and
//! a slice by that plus its index, so slices of two versions can never be
//! mixed into one response. Owns naming only; never touches bytes or disk.

use std::sync::Arc;

/// One version of one object.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectId {
    /// Bucket.
    pub bucket: String,
    /// Key.
    pub key: String,
    /// The origin's `x-gureum-version-id` of the bytes.
    pub version_id: String,
}

impl ObjectId {
    /// Hex blake3 of (bucket, key): the disk directory of every version of
    /// a key. Hashing keeps any key (`..`, NUL, 1 KiB long) inside the cache dir.
    pub fn key_hash(bucket: &str, key: &str) -> String {
        let mut h = blake3::Hasher::new();
        h.update(&(bucket.len() as u64).to_le_bytes());
        h.update(bucket.as_bytes());
        h.update(key.as_bytes());
        h.finalize().to_hex().to_string()
    }
}

/// One slice of one object version.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SliceKey {
    /// The version.
    pub id: Arc<ObjectId>,
    /// Slice index: bytes [index * slice_size, (index + 1) * slice_size).
    pub index: u32,
    /// The `generation` of the metadata record the slice was cached under.
    pub generation: u64,
}

/// (bucket, key) without a version: the key of the object table.
pub type NameKey = (String, String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_hash_separates_bucket_and_key() {
        assert_ne!(ObjectId::key_hash("ab", "c"), ObjectId::key_hash("a", "bc"));
        assert_eq!(ObjectId::key_hash("a", "b").len(), 64);
    }
}
