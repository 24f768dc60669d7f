//! Pending deletions: a version removed from the index keeps a row here
//! (written in the same atomic batch as its removal) until its drive
//! files are gone too. A crash in between leaves the row, and start-up
//! finishes the job, so a delete is all-or-nothing per version: committed
//! in the index first, drive files after, never an object that lists but
//! cannot be read.

use std::ops::Bound;

use super::kv::Tree;
use super::rows::DeletionRow;
use super::{Index, IndexError, object_key};

/// Row key: bucket NUL key NUL version id.
pub(super) fn deletion_key(d: &DeletionRow) -> Vec<u8> {
    let mut k = object_key(&d.bucket, d.key.as_bytes());
    k.push(0);
    k.extend_from_slice(d.version_id.as_bytes());
    k
}

impl Index {
    /// Every version whose drive files may still need removing.
    pub fn pending_deletions(&self) -> Result<Vec<DeletionRow>, IndexError> {
        self.rows(Tree::Deletions, Bound::Unbounded, Bound::Unbounded)
            .collect()
    }

    /// Forgets a pending deletion once its files are gone (not flushed on
    /// its own: redoing a finished removal is harmless).
    pub async fn finish_deletion(&self, d: &DeletionRow) -> Result<(), IndexError> {
        self.kv.remove(Tree::Deletions, &deletion_key(d))?;
        Ok(())
    }
}
