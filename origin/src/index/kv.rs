//! The seam between the index and its storage engine: a small ordered
//! key-value interface (get, insert, remove, ordered range, atomic batch
//! across trees, flush). The index's logic is written against [`Kv`] only,
//! so the engine is swapped in one file (`sled_kv.rs` today; `mem_kv.rs`
//! for unit tests) — the reason sled was wrapped at all (Garage had to
//! leave it). Owns no record format and no index logic.

use std::ops::Bound;

/// The index's trees (named key spaces, each ordered by key bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tree {
    /// Bucket records.
    Buckets,
    /// Current version of each key.
    Objects,
    /// Every version of every key.
    Versions,
    /// The change feed.
    Changes,
    /// Multipart uploads in progress.
    Uploads,
    /// Their parts.
    Parts,
    /// Versions removed from the index whose drive files are still to go.
    Deletions,
}

impl Tree {
    /// Every tree, in a fixed order (the order engines open them).
    pub const ALL: [Tree; 7] = [
        Tree::Buckets,
        Tree::Objects,
        Tree::Versions,
        Tree::Changes,
        Tree::Uploads,
        Tree::Parts,
        Tree::Deletions,
    ];

    /// The tree's name in the engine (stable: it is on disk).
    pub fn name(self) -> &'static str {
        match self {
            Tree::Buckets => "buckets",
            Tree::Objects => "objects",
            Tree::Versions => "versions",
            Tree::Changes => "changes",
            Tree::Uploads => "uploads",
            Tree::Parts => "parts",
            Tree::Deletions => "deletions",
        }
    }
}

/// An engine failure, with the engine's own error as its source.
#[derive(Debug, thiserror::Error)]
#[error("index database: {0}")]
pub struct KvError(#[source] pub Box<dyn std::error::Error + Send + Sync>);

/// Result of a KV operation.
pub type KvResult<T> = Result<T, KvError>;

/// A key and its value.
pub type Entry = (Vec<u8>, Vec<u8>);

/// Rows in key order.
pub type KvIter = Box<dyn Iterator<Item = KvResult<Entry>> + Send>;

/// One write of a batch.
#[derive(Debug, Clone)]
pub enum Op {
    /// Set `key` to `value`.
    Insert(Tree, Vec<u8>, Vec<u8>),
    /// Remove `key` (absent is fine).
    Remove(Tree, Vec<u8>),
}

/// Writes applied all together or not at all, across trees.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    ops: Vec<Op>,
}

impl Batch {
    /// An empty batch.
    pub fn new() -> Batch {
        Batch::default()
    }

    /// Adds an insert.
    pub fn insert(&mut self, tree: Tree, key: Vec<u8>, value: Vec<u8>) {
        self.ops.push(Op::Insert(tree, key, value));
    }

    /// Adds a removal.
    pub fn remove(&mut self, tree: Tree, key: Vec<u8>) {
        self.ops.push(Op::Remove(tree, key));
    }

    /// The writes, in order (a later write to the same key wins).
    pub fn ops(&self) -> &[Op] {
        &self.ops
    }

    /// Whether nothing is to be written.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }
}

/// An ordered key-value engine. Writes are visible to readers at once;
/// they are durable after [`Kv::flush`] returns. Implementations must be
/// safe to call from many threads; `flush` blocks (call it off the reactor).
pub trait Kv: Send + Sync {
    /// The value of `key`.
    fn get(&self, tree: Tree, key: &[u8]) -> KvResult<Option<Vec<u8>>>;
    /// Sets `key`, returning the value it replaced (atomically).
    fn insert(&self, tree: Tree, key: &[u8], value: Vec<u8>) -> KvResult<Option<Vec<u8>>>;
    /// Removes `key`, returning its value (atomically).
    fn remove(&self, tree: Tree, key: &[u8]) -> KvResult<Option<Vec<u8>>>;
    /// Rows with `lo <= key < hi` (per the bounds), ascending.
    fn range(&self, tree: Tree, lo: Bound<Vec<u8>>, hi: Bound<Vec<u8>>) -> KvIter;
    /// The row with the highest key.
    fn last(&self, tree: Tree) -> KvResult<Option<Entry>>;
    /// Applies every write of `batch` atomically (readers see all or none).
    fn apply(&self, batch: &Batch) -> KvResult<()>;
    /// Empties a tree.
    fn clear(&self, tree: Tree) -> KvResult<()>;
    /// Makes every write so far durable.
    fn flush(&self) -> KvResult<()>;
}

/// Shorthand: every row whose key starts with `prefix`.
pub fn scan_prefix(kv: &dyn Kv, tree: Tree, prefix: &[u8]) -> KvIter {
    let lo = Bound::Included(prefix.to_vec());
    let hi = match prefix_end(prefix) {
        Some(end) => Bound::Excluded(end),
        None => Bound::Unbounded,
    };
    kv.range(tree, lo, hi)
}

/// The smallest key above every key starting with `prefix` (None when
/// `prefix` is all 0xFF bytes or empty).
pub fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xFF {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

/// The contract every engine must keep, run by each engine's tests.
#[cfg(test)]
pub(crate) fn check_engine(kv: &dyn Kv) {
    let t = Tree::Versions;
    assert_eq!(kv.get(t, b"a").expect("get"), None);
    assert_eq!(kv.insert(t, b"b", b"1".to_vec()).expect("insert"), None);
    assert_eq!(
        kv.insert(t, b"b", b"2".to_vec()).expect("insert"),
        Some(b"1".to_vec())
    );
    kv.insert(t, b"a", b"0".to_vec()).expect("insert");
    kv.insert(t, b"c", b"3".to_vec()).expect("insert");
    kv.insert(t, b"c\x00x", b"4".to_vec()).expect("insert");
    // Trees are separate key spaces.
    kv.insert(Tree::Objects, b"b", b"other".to_vec())
        .expect("insert");
    let keys = |it: KvIter| -> Vec<Vec<u8>> { it.map(|r| r.expect("row").0).collect() };
    assert_eq!(
        keys(kv.range(t, Bound::Unbounded, Bound::Unbounded)),
        [
            b"a".to_vec(),
            b"b".to_vec(),
            b"c".to_vec(),
            b"c\x00x".to_vec()
        ]
    );
    assert_eq!(
        keys(kv.range(
            t,
            Bound::Excluded(b"a".to_vec()),
            Bound::Excluded(b"c".to_vec())
        )),
        [b"b".to_vec()]
    );
    assert_eq!(
        keys(scan_prefix(kv, t, b"c")),
        [b"c".to_vec(), b"c\x00x".to_vec()]
    );
    assert_eq!(
        kv.last(t).expect("last").map(|e| e.0),
        Some(b"c\x00x".to_vec())
    );
    let mut batch = Batch::new();
    batch.remove(t, b"a".to_vec());
    batch.insert(Tree::Deletions, b"d".to_vec(), b"5".to_vec());
    batch.insert(t, b"e".to_vec(), b"6".to_vec());
    batch.insert(t, b"e".to_vec(), b"7".to_vec());
    kv.apply(&batch).expect("apply");
    assert_eq!(kv.get(t, b"a").expect("get"), None);
    assert_eq!(kv.get(t, b"e").expect("get"), Some(b"7".to_vec()));
    assert_eq!(
        kv.get(Tree::Deletions, b"d").expect("get"),
        Some(b"5".to_vec())
    );
    assert_eq!(kv.remove(t, b"e").expect("remove"), Some(b"7".to_vec()));
    assert_eq!(kv.remove(t, b"e").expect("remove"), None);
    kv.flush().expect("flush");
    kv.clear(t).expect("clear");
    assert_eq!(kv.last(t).expect("last"), None);
    assert_eq!(
        kv.get(Tree::Objects, b"b").expect("get"),
        Some(b"other".to_vec())
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_ends() {
        assert_eq!(prefix_end(b"ab"), Some(b"ac".to_vec()));
        assert_eq!(prefix_end(b"a\xff"), Some(b"b".to_vec()));
        assert_eq!(prefix_end(b"\xff\xff"), None);
        assert_eq!(prefix_end(b""), None);
    }
}
