//! The sled engine behind [`Kv`]: one sled tree per index tree, batches
//! as one multi-tree sled transaction. The only file that names sled.

use std::collections::BTreeMap;
use std::ops::Bound;

use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionError};

use super::kv::{Batch, Entry, Kv, KvError, KvIter, KvResult, Op, Tree};

fn err(e: sled::Error) -> KvError {
    KvError(Box::new(e))
}

/// The index's sled database.
pub struct SledKv {
    db: sled::Db,
    /// Open trees, in `Tree::ALL` order.
    trees: Vec<sled::Tree>,
}

impl SledKv {
    /// Opens (or creates) the database in `dir`.
    pub fn open(dir: &std::path::Path) -> KvResult<SledKv> {
        let db = sled::Config::new().path(dir).open().map_err(err)?;
        let trees = Tree::ALL
            .iter()
            .map(|t| db.open_tree(t.name()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(err)?;
        Ok(SledKv { db, trees })
    }

    fn tree(&self, t: Tree) -> &sled::Tree {
        // ALL lists every variant once, in declaration order.
        &self.trees[t as usize]
    }
}

impl Kv for SledKv {
    fn get(&self, tree: Tree, key: &[u8]) -> KvResult<Option<Vec<u8>>> {
        Ok(self.tree(tree).get(key).map_err(err)?.map(|v| v.to_vec()))
    }

    fn insert(&self, tree: Tree, key: &[u8], value: Vec<u8>) -> KvResult<Option<Vec<u8>>> {
        Ok(self
            .tree(tree)
            .insert(key, value)
            .map_err(err)?
            .map(|v| v.to_vec()))
    }

    fn remove(&self, tree: Tree, key: &[u8]) -> KvResult<Option<Vec<u8>>> {
        Ok(self
            .tree(tree)
            .remove(key)
            .map_err(err)?
            .map(|v| v.to_vec()))
    }

    fn range(&self, tree: Tree, lo: Bound<Vec<u8>>, hi: Bound<Vec<u8>>) -> KvIter {
        Box::new(
            self.tree(tree)
                .range::<Vec<u8>, _>((lo, hi))
                .map(|r| r.map(|(k, v)| (k.to_vec(), v.to_vec())).map_err(err)),
        )
    }

    fn last(&self, tree: Tree) -> KvResult<Option<Entry>> {
        Ok(self
            .tree(tree)
            .last()
            .map_err(err)?
            .map(|(k, v)| (k.to_vec(), v.to_vec())))
    }

    fn apply(&self, batch: &Batch) -> KvResult<()> {
        // One sled batch per tree touched, applied in one transaction.
        let mut per_tree: BTreeMap<Tree, sled::Batch> = BTreeMap::new();
        for op in batch.ops() {
            match op {
                Op::Insert(t, k, v) => per_tree
                    .entry(*t)
                    .or_default()
                    .insert(k.as_slice(), v.as_slice()),
                Op::Remove(t, k) => per_tree.entry(*t).or_default().remove(k.as_slice()),
            }
        }
        let (names, batches): (Vec<Tree>, Vec<sled::Batch>) = per_tree.into_iter().unzip();
        let trees: Vec<sled::Tree> = names.iter().map(|t| self.tree(*t).clone()).collect();
        let result: Result<(), TransactionError<()>> = trees.as_slice().transaction(|views| {
            for (view, b) in views.iter().zip(&batches) {
                view.apply_batch(b)
                    .map_err(ConflictableTransactionError::from)?;
            }
            Ok(())
        });
        match result {
            Ok(()) => Ok(()),
            Err(TransactionError::Storage(e)) => Err(err(e)),
            Err(TransactionError::Abort(())) => Err(KvError("transaction aborted".into())),
        }
    }

    fn clear(&self, tree: Tree) -> KvResult<()> {
        self.tree(tree).clear().map_err(err)
    }

    fn flush(&self) -> KvResult<()> {
        self.db.flush().map(|_| ()).map_err(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sled_keeps_the_contract() {
        let dir = tempfile::tempdir().expect("tempdir");
        let kv = SledKv::open(dir.path()).expect("open");
        super::super::kv::check_engine(&kv);
    }
}
