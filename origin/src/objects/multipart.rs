//! Multipart uploads as S3 defines them: create, upload parts (erasure
//! coded as they arrive), complete (validated, then assembled on the drives
//! by linking part files; the multipart ETag is md5 of the part MD5s plus
//! `-N`), abort, and the part/upload listings. Commit order as for PUT:
//! drives first, index last; the upload's files go only after that.

use md5::{Digest, Md5};

use super::{ObjectError, Objects};
use crate::index::{PartRecord, UploadRecord};
use crate::store::{ObjectInfo, PartData, PartInfo, StoredHeaders, new_id, now_ms};
use gureum_common::feed::ChangeOp;

/// Smallest part S3 accepts, except for the last one.
pub const MIN_PART_SIZE: u64 = 5 * 1024 * 1024;
/// Highest part number S3 accepts.
pub const MAX_PART_NUMBER: u32 = 10_000;

impl Objects {
    /// Starts an upload; returns its id.
    pub async fn create_upload(
        &self,
        bucket: &str,
        key: &str,
        headers: StoredHeaders,
        user_meta: std::collections::BTreeMap<String, String>,
    ) -> Result<UploadRecord, ObjectError> {
        self.require_bucket(bucket)?;
        let rec = UploadRecord {
            bucket: bucket.to_string(),
            key: key.to_string(),
            upload_id: new_id(),
            initiated_ms: now_ms(),
            headers,
            user_meta,
        };
        self.index.put_upload(&rec).await?;
        Ok(rec)
    }

    /// The upload, or NoSuchUpload.
    pub fn get_upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
    ) -> Result<UploadRecord, ObjectError> {
        self.require_bucket(bucket)?;
        self.index
            .get_upload(bucket, key, upload_id)?
            .ok_or(ObjectError::NoSuchUpload)
    }

    /// Stores part `number` of an upload from `body`.
    pub async fn upload_part<S, E>(
        &self,
        upload: &UploadRecord,
        number: u32,
        body: S,
        expected_md5: Option<[u8; 16]>,
        expected_size: Option<u64>,
    ) -> Result<PartData, ObjectError>
    where
        S: futures::Stream<Item = Result<bytes::Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        if !(1..=MAX_PART_NUMBER).contains(&number) {
            return Err(ObjectError::InvalidArgument(format!(
                "Part number must be an integer between 1 and {MAX_PART_NUMBER}, inclusive"
            )));
        }
        let staged = self.store.stage(body, expected_md5, expected_size).await?;
        let data = self
            .store
            .commit_part(staged, &upload.bucket, &upload.upload_id, number)
            .await?;
        let rec = PartRecord {
            number,
            mtime_ms: now_ms(),
            data: data.clone(),
        };
        if let Some(old) = self.index.put_part(&upload.upload_id, &rec).await? {
            self.store
                .remove_part_data(&upload.bucket, &upload.upload_id, &old.data.dir)
                .await?;
        }
        Ok(data)
    }

    /// Completes an upload from the client's list of (part number, ETag).
    pub async fn complete_upload(
        &self,
        upload: &UploadRecord,
        requested: &[(u32, String)],
    ) -> Result<ObjectInfo, ObjectError> {
        if requested.is_empty() {
            return Err(ObjectError::MalformedXml(
                "You must specify at least one part".into(),
            ));
        }
        if requested.windows(2).any(|w| w[0].0 >= w[1].0) {
            return Err(ObjectError::InvalidPartOrder);
        }
        let stored: std::collections::HashMap<u32, PartRecord> = self
            .index
            .list_parts(&upload.upload_id, 0, MAX_PART_NUMBER as usize)?
            .into_iter()
            .map(|p| (p.number, p))
            .collect();
        let mut chosen = Vec::with_capacity(requested.len());
        for (i, (n, etag)) in requested.iter().enumerate() {
            let want = etag.trim().trim_matches('"');
            let part = stored
                .get(n)
                .filter(|p| p.data.etag == want)
                .ok_or_else(|| ObjectError::InvalidPart(format!("part {n}")))?;
            if i + 1 < requested.len() && part.data.size < MIN_PART_SIZE {
                return Err(ObjectError::EntityTooSmall);
            }
            chosen.push(part);
        }
        let mut md5 = Md5::new();
        for p in &chosen {
            let raw = hex::decode(&p.data.etag)
                .map_err(|_| ObjectError::InvalidPart("corrupt part ETag".into()))?;
            md5.update(&raw);
        }
        let etag = format!("{}-{}", hex::encode(md5.finalize()), chosen.len());
        let info = ObjectInfo {
            bucket: upload.bucket.clone(),
            key: upload.key.clone(),
            version_id: new_id(),
            size: chosen.iter().map(|p| p.data.size).sum(),
            etag,
            mtime_ms: now_ms(),
            layout: self.store.layout(),
            headers: upload.headers.clone(),
            user_meta: upload.user_meta.clone(),
            parts: chosen
                .iter()
                .map(|p| PartInfo {
                    number: p.number,
                    size: p.data.size,
                    etag: p.data.etag.clone(),
                })
                .collect(),
        };
        let dirs = chosen
            .iter()
            .map(|p| (p.number, p.data.dir.clone()))
            .collect();
        let hashes = chosen
            .iter()
            .flat_map(|p| p.data.block_hashes.iter().cloned())
            .collect();
        self.store
            .assemble(&info, &upload.upload_id, dirs, hashes)
            .await?;
        self.commit_version(&info).await?;
        self.index.delete_upload(upload).await?;
        self.store
            .remove_upload(&upload.bucket, &upload.upload_id)
            .await?;
        Ok(info)
    }

    /// Makes `info` (already on the drives) current, publishes it and
    /// retires the version it replaced.
    pub(super) async fn commit_version(&self, info: &ObjectInfo) -> Result<(), ObjectError> {
        let replaced = self.index.put_object(info).await?;
        self.publish(info, ChangeOp::Put);
        if let Some(old) = replaced
            && old.version_id != info.version_id
        {
            // Drives hold the old version until here; a crash before this
            // point leaves an orphan that reindex would rank below the new one.
            if let Err(err) = self
                .store
                .delete_version(&old.bucket, &old.key, &old.version_id)
                .await
            {
                tracing::warn!(bucket = %old.bucket, key = %old.key, %err, "old version not removed");
            }
        }
        Ok(())
    }

    /// Aborts an upload and deletes its parts.
    pub async fn abort_upload(&self, upload: &UploadRecord) -> Result<(), ObjectError> {
        self.index.delete_upload(upload).await?;
        self.store
            .remove_upload(&upload.bucket, &upload.upload_id)
            .await?;
        Ok(())
    }

    /// Parts after `after`, at most `limit`, plus whether more follow.
    pub fn list_parts(
        &self,
        upload: &UploadRecord,
        after: u32,
        limit: usize,
    ) -> Result<(Vec<PartRecord>, bool), ObjectError> {
        let mut parts = self
            .index
            .list_parts(&upload.upload_id, after, limit.saturating_add(1))?;
        let more = parts.len() > limit;
        parts.truncate(limit);
        Ok((parts, more))
    }

    /// Uploads in `bucket` under `prefix`, after the markers, at most
    /// `limit`, plus whether more follow.
    pub fn list_uploads(
        &self,
        bucket: &str,
        prefix: &str,
        after: Option<(&str, &str)>,
        limit: usize,
    ) -> Result<(Vec<UploadRecord>, bool), ObjectError> {
        self.require_bucket(bucket)?;
        let mut out: Vec<UploadRecord> = self
            .index
            .list_uploads(bucket, prefix, after)
            .take(limit.saturating_add(1))
            .collect::<Result<_, _>>()?;
        let more = out.len() > limit;
        out.truncate(limit);
        Ok((out, more))
    }
}
