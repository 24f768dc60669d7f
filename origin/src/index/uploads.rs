//! In-progress multipart uploads and their parts. Rows: `uploads` keyed
//! bucket NUL key NUL upload-id (so listing by bucket/prefix is a range
//! scan), `parts` keyed upload-id NUL part-number (big-endian, so parts
//! come back in order). Part bytes live on the drives; these rows say
//! which data directory is the part's current one.

use std::ops::Bound;

use super::kv::{Batch, Tree, scan_prefix};
use super::rows::{UploadPartRow, UploadRow};
use super::{Index, IndexError, bucket_end, decode, encode, object_key};

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
    pub async fn put_upload(&self, rec: &UploadRow) -> Result<(), IndexError> {
        self.kv.insert(
            Tree::Uploads,
            &upload_key(&rec.bucket, &rec.key, &rec.upload_id),
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
    ) -> Result<Option<UploadRow>, IndexError> {
        self.get_row(Tree::Uploads, &upload_key(bucket, key, upload_id))
    }

    /// Forgets an upload and all its part rows, in one atomic batch.
    pub async fn delete_upload(&self, rec: &UploadRow) -> Result<(), IndexError> {
        let mut batch = Batch::new();
        batch.remove(
            Tree::Uploads,
            upload_key(&rec.bucket, &rec.key, &rec.upload_id),
        );
        let mut prefix = rec.upload_id.as_bytes().to_vec();
        prefix.push(0);
        for row in scan_prefix(self.kv.as_ref(), Tree::Parts, &prefix) {
            batch.remove(Tree::Parts, row?.0);
        }
        self.kv.apply(&batch)?;
        self.flush().await
    }

    /// Records a part; returns the one it replaced (same number).
    pub async fn put_part(
        &self,
        upload_id: &str,
        rec: &UploadPartRow,
    ) -> Result<Option<UploadPartRow>, IndexError> {
        let old = self
            .kv
            .insert(Tree::Parts, &part_key(upload_id, rec.number), encode(rec)?)?;
        self.flush().await?;
        old.map(|v| decode(&v)).transpose()
    }

    /// Parts of an upload with number > `after`, in order, at most `limit`.
    pub fn list_parts(
        &self,
        upload_id: &str,
        after: u32,
        limit: usize,
    ) -> Result<Vec<UploadPartRow>, IndexError> {
        let start = part_key(upload_id, after.saturating_add(1));
        let mut end = upload_id.as_bytes().to_vec();
        end.push(1);
        self.rows(Tree::Parts, Bound::Included(start), Bound::Excluded(end))
            .take(limit)
            .collect()
    }

    /// Uploads of `bucket` whose key starts with `prefix`, in key then id
    /// order, after (`key_marker`, `upload_id_marker`).
    pub fn list_uploads(
        &self,
        bucket: &str,
        prefix: &str,
        after: Option<(&str, &str)>,
    ) -> impl Iterator<Item = Result<UploadRow, IndexError>> + use<> {
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
        let prefix = prefix.to_string();
        self.rows::<UploadRow>(
            Tree::Uploads,
            Bound::Included(start),
            Bound::Excluded(bucket_end(bucket)),
        )
        .take_while(move |r| r.as_ref().map_or(true, |u| u.key.starts_with(&prefix)))
    }
}
