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

use super::{Index, IndexError, decode, encode, object_key};
use crate::store::ObjectInfo;

/// What a change to a key's versions did.
#[derive(Debug, Default)]
pub struct VersionChange {
    /// Versions dropped from the index by this change (a `null` version
    /// replaced by a new one); their data is the caller's to delete.
    pub dropped: Vec<ObjectInfo>,
    /// The newest version before (maybe a delete marker).
    pub before: Option<ObjectInfo>,
    /// The newest version after (maybe a delete marker).
    pub after: Option<ObjectInfo>,
}

impl VersionChange {
    /// The current object changed (what edges must hear about).
    pub fn current_changed(&self) -> bool {
        let id = |v: &Option<ObjectInfo>| {
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
fn version_key(bucket: &str, key: &str, version_id: &str) -> Vec<u8> {
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

impl Index {
    /// Every version of `key`, newest first.
    pub fn key_versions(&self, bucket: &str, key: &str) -> Result<Vec<ObjectInfo>, IndexError> {
        self.versions
            .range(key_start(bucket, key.as_bytes())..key_end(bucket, key.as_bytes()))
            .map(|r| decode(&r?.1))
            .collect()
    }

    /// The newest version of `key`, delete markers included.
    pub fn latest_version(
        &self,
        bucket: &str,
        key: &str,
    ) -> Result<Option<ObjectInfo>, IndexError> {
        self.versions
            .range(key_start(bucket, key.as_bytes())..key_end(bucket, key.as_bytes()))
            .next()
            .map(|r| decode(&r?.1))
            .transpose()
    }

    /// The version S3 calls `s3_version_id` (`null` included).
    pub fn find_version(
        &self,
        bucket: &str,
        key: &str,
        s3_version_id: &str,
    ) -> Result<Option<ObjectInfo>, IndexError> {
        if s3_version_id != "null" {
            return self
                .versions
                .get(version_key(bucket, key, s3_version_id))?
                .map(|v| decode(&v))
                .transpose();
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
    ) -> impl Iterator<Item = Result<ObjectInfo, IndexError>> + use<> {
        let lo = match from {
            VersionsFrom::Key(k) => Bound::Included(key_start(bucket, &k)),
            VersionsFrom::AfterKey(k) => Bound::Included(key_end(bucket, &k)),
            VersionsFrom::AfterVersion(k, v) => Bound::Excluded(version_key(bucket, &k, &v)),
        };
        let mut hi = bucket.as_bytes().to_vec();
        hi.push(1);
        self.versions
            .range::<Vec<u8>, _>((lo, Bound::Excluded(hi)))
            .map(|r| decode(&r?.1))
    }

    /// Adds a version (already on the drives) and recomputes the current
    /// one. A new `null` version replaces the old `null` version.
    pub async fn commit_version(&self, info: &ObjectInfo) -> Result<VersionChange, IndexError> {
        let change = {
            let _guard = self.commit_lock.lock().map_err(|_| IndexError::Poisoned)?;
            let before = self.latest_version(&info.bucket, &info.key)?;
            let mut dropped = Vec::new();
            if info.null_version {
                for v in self.key_versions(&info.bucket, &info.key)? {
                    if v.null_version && v.version_id != info.version_id {
                        self.versions
                            .remove(version_key(&v.bucket, &v.key, &v.version_id))?;
                        dropped.push(v);
                    }
                }
            }
            self.versions.insert(
                version_key(&info.bucket, &info.key, &info.version_id),
                encode(info)?,
            )?;
            let after = self.refresh_current(&info.bucket, &info.key)?;
            VersionChange {
                dropped,
                before,
                after,
            }
        };
        self.flush().await?;
        Ok(change)
    }

    /// Removes one version (internal id); returns it (None when it was not
    /// there) and what changed.
    pub async fn remove_version(
        &self,
        bucket: &str,
        key: &str,
        version_id: &str,
    ) -> Result<(Option<ObjectInfo>, VersionChange), IndexError> {
        let (removed, change) = {
            let _guard = self.commit_lock.lock().map_err(|_| IndexError::Poisoned)?;
            let before = self.latest_version(bucket, key)?;
            let removed: Option<ObjectInfo> = self
                .versions
                .remove(version_key(bucket, key, version_id))?
                .map(|v| decode(&v))
                .transpose()?;
            let after = self.refresh_current(bucket, key)?;
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

    /// Rewrites a version's record in place (tags); the current row too
    /// when it is that version. False when the version is gone.
    pub async fn update_version(&self, info: &ObjectInfo) -> Result<bool, IndexError> {
        {
            let _guard = self.commit_lock.lock().map_err(|_| IndexError::Poisoned)?;
            let k = version_key(&info.bucket, &info.key, &info.version_id);
            if self.versions.get(&k)?.is_none() {
                return Ok(false);
            }
            self.versions.insert(k, encode(info)?)?;
            self.refresh_current(&info.bucket, &info.key)?;
        }
        self.flush().await?;
        Ok(true)
    }

    /// Sets the `objects` row of `key` from its newest version (none when
    /// that is a delete marker or there is no version). Caller holds the lock.
    fn refresh_current(&self, bucket: &str, key: &str) -> Result<Option<ObjectInfo>, IndexError> {
        let latest = self.latest_version(bucket, key)?;
        let row = object_key(bucket, key.as_bytes());
        match &latest {
            Some(v) if !v.delete_marker => {
                self.objects.insert(row, encode(v)?)?;
            }
            _ => {
                self.objects.remove(row)?;
            }
        }
        Ok(latest)
    }

    /// Loads versions in bulk (reindex): inserts them all, then derives
    /// each key's current row. Only the newest `null` version of a key is
    /// kept; older ones are returned for the caller to delete.
    pub(super) fn load_versions(
        &self,
        versions: &[ObjectInfo],
    ) -> Result<Vec<ObjectInfo>, IndexError> {
        let _guard = self.commit_lock.lock().map_err(|_| IndexError::Poisoned)?;
        let mut stale = Vec::new();
        let mut keys = std::collections::BTreeSet::new();
        let mut nulls: std::collections::HashMap<(String, String), ObjectInfo> =
            std::collections::HashMap::new();
        for v in versions {
            if v.null_version {
                let slot = (v.bucket.clone(), v.key.clone());
                match nulls.get(&slot) {
                    Some(cur) if cur.version_id > v.version_id => {
                        stale.push(v.clone());
                        continue;
                    }
                    Some(cur) => {
                        stale.push(cur.clone());
                        self.versions.remove(version_key(
                            &cur.bucket,
                            &cur.key,
                            &cur.version_id,
                        ))?;
                    }
                    None => {}
                }
                nulls.insert(slot, v.clone());
            }
            self.versions
                .insert(version_key(&v.bucket, &v.key, &v.version_id), encode(v)?)?;
            keys.insert((v.bucket.clone(), v.key.clone()));
        }
        for (bucket, key) in keys {
            self.refresh_current(&bucket, &key)?;
        }
        Ok(stale)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Layout, new_id};

    fn version(key: &str, null: bool, marker: bool) -> ObjectInfo {
        ObjectInfo {
            bucket: "b".into(),
            key: key.into(),
            version_id: new_id(),
            size: 1,
            etag: "e".into(),
            mtime_ms: 0,
            layout: Layout {
                data: 1,
                parity: 0,
                block_size: 1 << 20,
            },
            headers: Default::default(),
            user_meta: Default::default(),
            parts: Vec::new(),
            delete_marker: marker,
            null_version: null,
            tags: Default::default(),
            checksum: None,
        }
    }

    #[tokio::test]
    async fn versions_order_and_current() {
        let dir = tempfile::tempdir().expect("tempdir");
        let idx = Index::open(dir.path()).expect("open");
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
    }
}
