//! Object tags and ACLs: tags validated as S3 limits them (10 per object, keys up to 128
//! and values up to 256 characters, unique keys) and changed in place on
//! an existing version — its `meta.json` on the drives first, then the
//! index — without touching the body. ACLs are replaced the same way.

use std::collections::BTreeMap;

use super::rows::version_row;
use super::{ObjectError, Objects};
use crate::store::ObjectInfo;

/// S3's limits on object tags.
const MAX_TAGS: usize = 10;
const MAX_TAG_KEY: usize = 128;
const MAX_TAG_VALUE: usize = 256;

/// Checks a tag set against S3's rules and returns it as stored.
pub fn validate_tags(tags: Vec<(String, String)>) -> Result<BTreeMap<String, String>, ObjectError> {
    if tags.len() > MAX_TAGS {
        return Err(ObjectError::InvalidTag(
            "Object tags cannot be greater than 10".into(),
        ));
    }
    let mut out = BTreeMap::new();
    for (k, v) in tags {
        if k.is_empty() || k.chars().count() > MAX_TAG_KEY {
            return Err(ObjectError::InvalidTag(
                "The TagKey you have provided is invalid".into(),
            ));
        }
        if v.chars().count() > MAX_TAG_VALUE {
            return Err(ObjectError::InvalidTag(
                "The TagValue you have provided is invalid".into(),
            ));
        }
        if out.insert(k, v).is_some() {
            return Err(ObjectError::InvalidTag(
                "Cannot provide multiple Tags with the same key".into(),
            ));
        }
    }
    Ok(out)
}

impl Objects {
    /// Replaces the tags of a version (the current one without an id);
    /// returns the version changed.
    pub async fn set_tags(
        &self,
        bucket: &str,
        key: &str,
        version_id: Option<&str>,
        tags: BTreeMap<String, String>,
    ) -> Result<ObjectInfo, ObjectError> {
        self.edit_version(bucket, key, version_id, |info| info.tags = tags)
            .await
    }

    /// Replaces the ACL of a version (the current one without an id).
    pub async fn set_object_acl(
        &self,
        bucket: &str,
        key: &str,
        version_id: Option<&str>,
        acl: crate::store::StoredAcl,
    ) -> Result<ObjectInfo, ObjectError> {
        self.edit_version(bucket, key, version_id, |info| info.acl = Some(acl))
            .await
    }

    /// Changes a version's record in place: drives first, then the index.
    async fn edit_version(
        &self,
        bucket: &str,
        key: &str,
        version_id: Option<&str>,
        edit: impl FnOnce(&mut ObjectInfo),
    ) -> Result<ObjectInfo, ObjectError> {
        let mut info = self.head_object(bucket, key, version_id)?;
        edit(&mut info);
        self.store.update_record(&info).await?;
        if !self.index.update_version(&version_row(&info)).await? {
            // Replaced or deleted while we wrote: as if it happened first.
            return Err(if version_id.is_some() {
                ObjectError::NoSuchVersion
            } else {
                ObjectError::NoSuchKey
            });
        }
        Ok(info)
    }
}
