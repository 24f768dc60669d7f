//! An in-memory [`Kv`]: ordered maps under one lock, for the index's unit
//! tests (no files, no fsync) and as the reference the engine contract is
//! checked against. Nothing survives a drop; never used by a server.

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;
use std::sync::RwLock;

use super::kv::{Batch, Entry, Kv, KvIter, KvResult, Op, Tree};

/// Each tree's rows, by key.
type Trees = HashMap<Tree, BTreeMap<Vec<u8>, Vec<u8>>>;

/// Every tree in memory.
#[derive(Default)]
pub struct MemKv {
    trees: RwLock<Trees>,
}

impl MemKv {
    /// An empty store.
    pub fn new() -> MemKv {
        MemKv::default()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Trees> {
        self.trees.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Trees> {
        self.trees.write().unwrap_or_else(|e| e.into_inner())
    }
}

impl Kv for MemKv {
    fn get(&self, tree: Tree, key: &[u8]) -> KvResult<Option<Vec<u8>>> {
        Ok(self.read().get(&tree).and_then(|t| t.get(key).cloned()))
    }

    fn insert(&self, tree: Tree, key: &[u8], value: Vec<u8>) -> KvResult<Option<Vec<u8>>> {
        Ok(self
            .write()
            .entry(tree)
            .or_default()
            .insert(key.to_vec(), value))
    }

    fn remove(&self, tree: Tree, key: &[u8]) -> KvResult<Option<Vec<u8>>> {
        Ok(self.write().get_mut(&tree).and_then(|t| t.remove(key)))
    }

    fn range(&self, tree: Tree, lo: Bound<Vec<u8>>, hi: Bound<Vec<u8>>) -> KvIter {
        // A snapshot: the lock is not held while the caller iterates.
        let rows: Vec<KvResult<Entry>> = self
            .read()
            .get(&tree)
            .map(|t| {
                t.range::<Vec<u8>, _>((lo, hi))
                    .map(|(k, v)| Ok((k.clone(), v.clone())))
                    .collect()
            })
            .unwrap_or_default();
        Box::new(rows.into_iter())
    }

    fn last(&self, tree: Tree) -> KvResult<Option<Entry>> {
        Ok(self
            .read()
            .get(&tree)
            .and_then(|t| t.iter().next_back().map(|(k, v)| (k.clone(), v.clone()))))
    }

    fn apply(&self, batch: &Batch) -> KvResult<()> {
        let mut trees = self.write();
        for op in batch.ops() {
            match op {
                Op::Insert(t, k, v) => {
                    trees.entry(*t).or_default().insert(k.clone(), v.clone());
                }
                Op::Remove(t, k) => {
                    if let Some(tree) = trees.get_mut(t) {
                        tree.remove(k);
                    }
                }
            }
        }
        Ok(())
    }

    fn clear(&self, tree: Tree) -> KvResult<()> {
        self.write().remove(&tree);
        Ok(())
    }

    fn flush(&self) -> KvResult<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_keeps_the_contract() {
        super::super::kv::check_engine(&MemKv::new());
    }
}
