//! Every version of every key, and which one is current.
//!
//! Two trees: `versions` holds each version (delete markers included) under
//! `bucket NUL key NUL inv(version id)`, so one key's versions are adjacent
//! and newest first (version ids are UUIDv7, ordered by creation; `inv`
//! flips each byte so an ascending scan meets the newest first); `objects`
//! holds the current version of each key that has one, which is what plain
//! listings scan. `objects` is derived: after every change to a key's
//! versions it is recomputed from them under one lock, so the two never
//! disagree, whatever order racing commits arrive in.

use std::ops::Bound;

use super::kv::{Batch, Tree};
use super::rows::{DeletionRow, VersionRow};
use super::{Index, IndexError, bucket_end, encode, object_key};

/// What a change to a key's versions did.
#[derive(Debug, Default)]
pub struct VersionChange {
    /// Versions dropped from the index by this change (a `null` version
    /// replaced by a new one); their data is the caller's to delete, and a
    /// pending-deletion row says so until it is done.
    pub dropped: Vec<VersionRow>,
    /// The newest version before (maybe a delete marker).
    pub before: Option<VersionRow>,
    /// The newest version after (maybe a delete marker).
    pub after: Option<VersionRow>,
}

impl VersionChange {
    /// The current object changed (what edges must hear about).
    pub fn current_changed(&self) -> bool {
        let id = |v: &Option<VersionRow>| {
            v.as_ref()
                .filter(|i| !i.delete_marker)
                .map(|i| i.version_id.clone())
        };
        id(&self.before) != id(&self.after)
    }
}

/// `inv` of a version id: bytes flipped so newer ids sort first.
fn inv(version_id: &str) -> Vec<u8> {
    version_id.bytes().map(|b| !b).collect()
}

/// Row key of one version.
pub(super) fn version_key(bucket: &str, key: &str, version_id: &str) -> Vec<u8> {
    let mut k = object_key(bucket, key.as_bytes());
    k.push(0);
    k.extend(inv(version_id));
    k
}

/// First row key of `key`'s versions (all of them sort at or after it).
fn key_start(bucket: &str, key: &[u8]) -> Vec<u8> {
    let mut k = object_key(bucket, key);
    k.push(0);
    k
}

/// Above every version row of `key` and below any longer key's rows.
fn key_end(bucket: &str, key: &[u8]) -> Vec<u8> {
    let mut k = object_key(bucket, key);
    k.push(1);
    k
}

/// Where a version listing starts.
#[derive(Debug, Clone)]
pub enum VersionsFrom {
    /// From the first version of the first key at or after this key.
    Key(Vec<u8>),
    /// After every version of this key.
    AfterKey(Vec<u8>),
    /// After this version (internal id) of this key.
    AfterVersion(String, String),
}

/// Sets (or clears) the `objects` row of `key` in `batch` from `latest`,
/// the key's newest version once the batch is applied.
fn set_current(
    batch: &mut Batch,
    bucket: &str,
    key: &str,
    latest: Option<&VersionRow>,
) -> Result<(), IndexError> {
    let row = object_key(bucket, key.as_bytes());
    match latest {
        Some(v) if !v.delete_marker => batch.insert(Tree::Objects, row, encode(v)?),
        _ => batch.remove(Tree::Objects, row),
    }
    Ok(())
}

/// Newest first, as the `versions` tree orders them.
fn newest(versions: &[VersionRow]) -> Option<&VersionRow> {
    versions
        .iter()
        .max_by(|a, b| a.version_id.cmp(&b.version_id))
}

impl Index {
    /// Every version of `key`, newest first.
    pub fn key_versions(&self, bucket: &str, key: &str) -> Result<Vec<VersionRow>, IndexError> {
        self.rows(
            Tree::Versions,
            Bound::Included(key_start(bucket, key.as_bytes())),
            Bound::Excluded(key_end(bucket, key.as_bytes())),
        )
        .collect()
    }

    /// The newest version of `key`, delete markers included.
    pub fn latest_version(
        &self,
        bucket: &str,
        key: &str,
    ) -> Result<Option<VersionRow>, IndexError> {
        self.rows(
            Tree::Versions,
            Bound::Included(key_start(bucket, key.as_bytes())),
            Bound::Excluded(key_end(bucket, key.as_bytes())),
        )
        .next()
        .transpose()
    }

    /// The version S3 calls `s3_version_id` (`null` included).
    pub fn find_version(
        &self,
        bucket: &str,
        key: &str,
        s3_version_id: &str,
    ) -> Result<Option<VersionRow>, IndexError> {
        if s3_version_id != "null" {
            return self.get_row(Tree::Versions, &version_key(bucket, key, s3_version_id));
        }
        Ok(self
            .key_versions(bucket, key)?
            .into_iter()
            .find(|v| v.null_version))
    }

    /// Versions of `bucket` in (key ascending, newest first) order.
    pub fn scan_versions(
        &self,
        bucket: &str,
        from: VersionsFrom,
    ) -> impl Iterator<Item = Result<VersionRow, IndexError>> + use<> {
        let lo = match from {
            VersionsFrom::Key(k) => Bound::Included(key_start(bucket, &k)),
            VersionsFrom::AfterKey(k) => Bound::Included(key_end(bucket, &k)),
            VersionsFrom::AfterVersion(k, v) => Bound::Excluded(version_key(bucket, &k, &v)),
        };
        self.rows(Tree::Versions, lo, Bound::Excluded(bucket_end(bucket)))
    }

    /// Adds a version (already on the drives) and recomputes the current
    /// one, in one atomic batch. A new `null` version replaces the old
    /// `null` version, which gets a pending-deletion row.
    pub async fn commit_version(&self, info: &VersionRow) -> Result<VersionChange, IndexError> {
        let change = {
            let _guard = self.commit_lock.lock().map_err(|_| IndexError::Poisoned)?;
            let mut versions = self.key_versions(&info.bucket, &info.key)?;
            let before = versions.first().cloned();
            let mut batch = Batch::new();
            let mut dropped = Vec::new();
            if info.null_version {
                versions.retain(|v| {
                    let replaced = v.null_version && v.version_id != info.version_id;
                    if replaced {
                        dropped.push(v.clone());
                    }
                    !replaced
                });
                for v in &dropped {
                    self.stage_removal(&mut batch, v)?;
                }
            }
            batch.insert(
                Tree::Versions,
                version_key(&info.bucket, &info.key, &info.version_id),
                encode(info)?,
            );
            versions.retain(|v| v.version_id != info.version_id);
            versions.push(info.clone());
            let after = newest(&versions).cloned();
            set_current(&mut batch, &info.bucket, &info.key, after.as_ref())?;
            self.kv.apply(&batch)?;
            VersionChange {
                dropped,
                before,
                after,
            }
        };
        self.flush().await?;
        Ok(change)
    }

    /// Removes one version (internal id) and recomputes the current one,
    /// atomically and durably, leaving a pending-deletion row for its
    /// drive files (see `deletions`). Returns the version (None when it was
    /// not there) and what changed.
    pub async fn remove_version(
        &self,
        bucket: &str,
        key: &str,
        version_id: &str,
    ) -> Result<(Option<VersionRow>, VersionChange), IndexError> {
        let (removed, change) = {
            let _guard = self.commit_lock.lock().map_err(|_| IndexError::Poisoned)?;
            let mut versions = self.key_versions(bucket, key)?;
            let before = versions.first().cloned();
            let pos = versions.iter().position(|v| v.version_id == version_id);
            let removed = pos.map(|p| versions.remove(p));
            if let Some(r) = &removed {
                let mut batch = Batch::new();
                self.stage_removal(&mut batch, r)?;
                set_current(&mut batch, bucket, key, newest(&versions))?;
                self.kv.apply(&batch)?;
            }
            let after = newest(&versions).cloned();
            (
                removed,
                VersionChange {
                    dropped: Vec::new(),
                    before,
                    after,
                },
            )
        };
        self.flush().await?;
        Ok((removed, change))
    }

    /// Adds to `batch` the removal of version `v` and its pending-deletion row.
    fn stage_removal(&self, batch: &mut Batch, v: &VersionRow) -> Result<(), IndexError> {
        batch.remove(
            Tree::Versions,
            version_key(&v.bucket, &v.key, &v.version_id),
        );
        let pending = DeletionRow {
            bucket: v.bucket.clone(),
            key: v.key.clone(),
            version_id: v.version_id.clone(),
        };
        batch.insert(
            Tree::Deletions,
            super::deletions::deletion_key(&pending),
            encode(&pending)?,
        );
        Ok(())
    }

    /// Rewrites a version's record in place (tags); the current row too
    /// when it is that version. False when the version is gone.
    pub async fn update_version(&self, info: &VersionRow) -> Result<bool, IndexError> {
        {
            let _guard = self.commit_lock.lock().map_err(|_| IndexError::Poisoned)?;
            let k = version_key(&info.bucket, &info.key, &info.version_id);
            if self.kv.get(Tree::Versions, &k)?.is_none() {
                return Ok(false);
            }
            let mut versions = self.key_versions(&info.bucket, &info.key)?;
            versions.retain(|v| v.version_id != info.version_id);
            versions.push(info.clone());
            let mut batch = Batch::new();
            batch.insert(Tree::Versions, k, encode(info)?);
            set_current(&mut batch, &info.bucket, &info.key, newest(&versions))?;
            self.kv.apply(&batch)?;
        }
        self.flush().await?;
        Ok(true)
    }

    /// Loads versions in bulk (reindex): inserts them all, then derives
    /// each key's current row. Only the newest `null` version of a key is
    /// kept; older ones are returned for the caller to delete.
    pub(super) fn load_versions(
        &self,
        versions: &[VersionRow],
    ) -> Result<Vec<VersionRow>, IndexError> {
        let _guard = self.commit_lock.lock().map_err(|_| IndexError::Poisoned)?;
        let mut stale = Vec::new();
        let mut keys: std::collections::BTreeMap<(String, String), Vec<VersionRow>> =
            std::collections::BTreeMap::new();
        for v in versions {
            keys.entry((v.bucket.clone(), v.key.clone()))
                .or_default()
                .push(v.clone());
        }
        for ((bucket, key), mut vs) in keys {
            // Newest null version wins; older ones are stale.
            vs.sort_by(|a, b| b.version_id.cmp(&a.version_id));
            let mut seen_null = false;
            vs.retain(|v| {
                if !v.null_version {
                    return true;
                }
                if seen_null {
                    stale.push(v.clone());
                    return false;
                }
                seen_null = true;
                true
            });
            let mut batch = Batch::new();
            for v in &vs {
                batch.insert(
                    Tree::Versions,
                    version_key(&v.bucket, &v.key, &v.version_id),
                    encode(v)?,
                );
            }
            set_current(&mut batch, &bucket, &key, vs.first())?;
            self.kv.apply(&batch)?;
        }
        Ok(stale)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_rows::{memory_index, version};

    #[tokio::test]
    async fn versions_order_and_current() {
        let idx = memory_index();
        let v1 = version("k", false, false);
        let v2 = version("k", false, false);
        idx.commit_version(&v1).await.expect("v1");
        idx.commit_version(&v2).await.expect("v2");
        // Another key that shares the prefix must not mix in.
        idx.commit_version(&version("k/x", false, false))
            .await
            .expect("k/x");
        let all = idx.key_versions("b", "k").expect("versions");
        assert_eq!(
            all.iter().map(|v| &v.version_id).collect::<Vec<_>>(),
            [&v2.version_id, &v1.version_id]
        );
        assert_eq!(
            idx.get_object("b", "k").expect("get").map(|v| v.version_id),
            Some(v2.version_id.clone())
        );

        let m = version("k", false, true);
        let change = idx.commit_version(&m).await.expect("marker");
        assert!(change.current_changed());
        assert!(idx.get_object("b", "k").expect("get").is_none());
        let (_, change) = idx
            .remove_version("b", "k", &m.version_id)
            .await
            .expect("undelete");
        assert!(change.current_changed());
        assert_eq!(
            idx.get_object("b", "k").expect("get").map(|v| v.version_id),
            Some(v2.version_id.clone())
        );

        // A null version replaces the previous null version only.
        let n1 = version("k", true, false);
        idx.commit_version(&n1).await.expect("n1");
        let n2 = version("k", true, false);
        let change = idx.commit_version(&n2).await.expect("n2");
        assert_eq!(change.dropped.len(), 1);
        assert_eq!(change.dropped[0].version_id, n1.version_id);
        assert_eq!(idx.key_versions("b", "k").expect("versions").len(), 3);
        assert_eq!(
            idx.find_version("b", "k", "null")
                .expect("find")
                .map(|v| v.version_id),
            Some(n2.version_id)
        );
        // The marker removed and the null version replaced both wait for
        // their drive files to go.
        let pending: Vec<String> = idx
            .pending_deletions()
            .expect("pending")
            .into_iter()
            .map(|d| d.version_id)
            .collect();
        assert_eq!(pending.len(), 2);
        assert!(pending.contains(&m.version_id) && pending.contains(&n1.version_id));
        for d in idx.pending_deletions().expect("pending") {
            idx.finish_deletion(&d).await.expect("finish");
        }
        assert!(idx.pending_deletions().expect("pending").is_empty());
    }
}
