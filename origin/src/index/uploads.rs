//! In-progress multipart uploads and their parts. Rows: `uploads` keyed
//! bucket NUL key NUL upload-id (so listing by bucket/prefix is a range
//! scan), `parts` keyed upload-id NUL part-number (big-endian, so parts
//! come back in order). Part bytes live on the drives; these rows say
//! which data directory is the part's current one.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Index, IndexError, decode, encode, object_key};
use crate::store::{PartData, StoredHeaders};

/// A multipart upload in progress.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UploadRecord {
    /// Bucket.
    pub bucket: String,
    /// Key the object will have.
    pub key: String,
    /// Upload id.
    pub upload_id: String,
    /// Creation time, unix ms.
    pub initiated_ms: i64,
    /// Headers the object will carry.
    pub headers: StoredHeaders,
    /// User metadata the object will carry.
    pub user_meta: BTreeMap<String, String>,
    /// Tags the object will carry.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// Checksum algorithm every part carries (S3's name), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum_algorithm: Option<String>,
    /// FULL_OBJECT or COMPOSITE, with `checksum_algorithm`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum_type: Option<String>,
}

/// One uploaded part.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PartRecord {
    /// Part number.
    pub number: u32,
    /// Upload time, unix ms.
    pub mtime_ms: i64,
    /// Where its data is and what it hashes to.
    pub data: PartData,
}

fn upload_key(bucket: &str, key: &str, upload_id: &str) -> Vec<u8> {
    let mut k = object_key(bucket, key.as_bytes());
    k.push(0);
    k.extend_from_slice(upload_id.as_bytes());
    k
}

fn part_key(upload_id: &str, number: u32) -> Vec<u8> {
    let mut k = upload_id.as_bytes().to_vec();
    k.push(0);
    k.extend_from_slice(&number.to_be_bytes());
    k
}

impl Index {
    /// Records a new upload.
    pub async fn put_upload(&self, rec: &UploadRecord) -> Result<(), IndexError> {
        self.uploads.insert(
            upload_key(&rec.bucket, &rec.key, &rec.upload_id),
            encode(rec)?,
        )?;
        self.flush().await
    }

    /// The upload, if it exists for that bucket and key.
    pub fn get_upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
    ) -> Result<Option<UploadRecord>, IndexError> {
        self.uploads
            .get(upload_key(bucket, key, upload_id))?
            .map(|v| decode(&v))
            .transpose()
    }

    /// Forgets an upload and all its part rows.
    pub async fn delete_upload(&self, rec: &UploadRecord) -> Result<(), IndexError> {
        self.uploads
            .remove(upload_key(&rec.bucket, &rec.key, &rec.upload_id))?;
        let mut prefix = rec.upload_id.as_bytes().to_vec();
        prefix.push(0);
        for k in self.parts.scan_prefix(prefix).keys() {
            self.parts.remove(k?)?;
        }
        self.flush().await
    }

    /// Records a part; returns the one it replaced (same number).
    pub async fn put_part(
        &self,
        upload_id: &str,
        rec: &PartRecord,
    ) -> Result<Option<PartRecord>, IndexError> {
        let old = self
            .parts
            .insert(part_key(upload_id, rec.number), encode(rec)?)?;
        self.flush().await?;
        old.map(|v| decode(&v)).transpose()
    }

    /// Parts of an upload with number > `after`, in order, at most `limit`.
    pub fn list_parts(
        &self,
        upload_id: &str,
        after: u32,
        limit: usize,
    ) -> Result<Vec<PartRecord>, IndexError> {
        let start = part_key(upload_id, after.saturating_add(1));
        let mut end = upload_id.as_bytes().to_vec();
        end.push(1);
        self.parts
            .range(start..end)
            .take(limit)
            .map(|r| decode(&r?.1))
            .collect()
    }

    /// Uploads of `bucket` whose key starts with `prefix`, in key then id
    /// order, after (`key_marker`, `upload_id_marker`).
    pub fn list_uploads(
        &self,
        bucket: &str,
        prefix: &str,
        after: Option<(&str, &str)>,
    ) -> impl Iterator<Item = Result<UploadRecord, IndexError>> + use<> {
        let start = match after {
            Some((k, id)) if !id.is_empty() => {
                let mut s = upload_key(bucket, k, id);
                s.push(0);
                s
            }
            // A bare key marker skips every upload of that key.
            Some((k, _)) => {
                let mut s = object_key(bucket, k.as_bytes());
                s.push(1);
                s
            }
            None => Vec::new(),
        };
        // Uploads under `prefix` are one contiguous run starting here.
        let start = start.max(object_key(bucket, prefix.as_bytes()));
        let mut end = bucket.as_bytes().to_vec();
        end.push(1);
        let prefix = prefix.to_string();
        self.uploads
            .range(start..end)
            .map(|r| decode::<UploadRecord>(&r?.1))
            .take_while(move |r| r.as_ref().map_or(true, |u| u.key.starts_with(&prefix)))
    }
}
