//! Multipart uploads as S3 defines them: create, upload parts (erasure
//! coded as they arrive), complete (validated, then assembled on the drives
//! by linking part files; the multipart ETag is md5 of the part MD5s plus
//! `-N`), abort, and the part/upload listings. Commit order as for PUT:
//! drives first, index last; the upload's files go only after that.

use md5::{Digest, Md5};

use std::collections::BTreeMap;
use std::sync::Arc;

use super::records::{PartRecord, UploadRecord, Versioning};
use super::rows::{part_record, part_row, upload_record, upload_row};
use super::{ObjectError, Objects};
use crate::store::{
    COMPOSITE, ChecksumAlgorithm, ChecksumPlan, FULL_OBJECT, ObjectInfo, PartData, PartInfo,
    StoredChecksum, StoredHeaders, checksum, new_id, now_ms,
};

/// What a new upload's object will carry besides its bytes.
#[derive(Debug, Clone, Default)]
pub struct UploadSpec {
    /// Standard headers.
    pub headers: StoredHeaders,
    /// `x-amz-meta-*`.
    pub user_meta: BTreeMap<String, String>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
    /// Checksum algorithm every part must carry, if the client named one.
    pub checksum_algorithm: Option<ChecksumAlgorithm>,
    /// FULL_OBJECT or COMPOSITE (the algorithm's default when absent).
    pub checksum_type: Option<String>,
    /// The object's ACL once completed.
    pub acl: Option<crate::store::StoredAcl>,
}

/// A part named in CompleteMultipartUpload.
#[derive(Debug, Clone)]
pub struct RequestedPart {
    /// Part number.
    pub number: u32,
    /// ETag the client has for it.
    pub etag: String,
    /// Checksum the client has for it (base64), if it sent one.
    pub checksum: Option<String>,
}

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
        spec: UploadSpec,
    ) -> Result<UploadRecord, ObjectError> {
        self.require_bucket(bucket)?;
        let checksum_type = match (spec.checksum_algorithm, spec.checksum_type) {
            (None, Some(_)) => {
                return Err(ObjectError::InvalidRequest(
                    "The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.".into(),
                ));
            }
            (Some(alg), Some(t)) if t == FULL_OBJECT && !alg.supports_full_object() => {
                return Err(ObjectError::InvalidRequest(format!(
                    "The FULL_OBJECT checksum type cannot be used with the {} checksum algorithm.",
                    alg.as_str()
                )));
            }
            (Some(_), Some(t)) if t != FULL_OBJECT && t != COMPOSITE => {
                return Err(ObjectError::InvalidRequest(format!(
                    "Value for x-amz-checksum-type header is invalid: {t}"
                )));
            }
            (Some(alg), t) => Some(t.unwrap_or_else(|| alg.default_multipart_type().to_string())),
            (None, None) => None,
        };
        let rec = UploadRecord {
            bucket: bucket.to_string(),
            key: key.to_string(),
            upload_id: new_id(),
            initiated_ms: now_ms(),
            headers: spec.headers,
            user_meta: spec.user_meta,
            tags: spec.tags,
            checksum_algorithm: spec.checksum_algorithm.map(|a| a.as_str().to_string()),
            checksum_type,
            acl: spec.acl,
        };
        self.index.put_upload(&upload_row(&rec)).await?;
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
            .map(upload_record)
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
        mut plan: ChecksumPlan,
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
        let declared = upload
            .checksum_algorithm
            .as_deref()
            .and_then(ChecksumAlgorithm::parse);
        match (declared, plan.algorithm) {
            (Some(d), Some(sent)) if d != sent => {
                return Err(ObjectError::InvalidRequest(format!(
                    "Checksum Type mismatch occurred, expected checksum Type: {}, actual checksum Type: {}",
                    d.as_str().to_ascii_lowercase(),
                    sent.as_str().to_ascii_lowercase()
                )));
            }
            (d, None) => {
                // Every part gets a checksum so the object gets one: the
                // upload's algorithm, else S3's default, CRC64NVME.
                plan.algorithm = Some(d.unwrap_or(ChecksumAlgorithm::Crc64Nvme));
            }
            _ => {}
        }
        let staged = self
            .store
            .stage(body, expected_md5, expected_size, plan)
            .await?;
        let data = self
            .store
            .commit_part(staged, &upload.bucket, &upload.upload_id, number)
            .await?;
        let rec = PartRecord {
            number,
            mtime_ms: now_ms(),
            data: data.clone(),
        };
        if let Some(old) = self
            .index
            .put_part(&upload.upload_id, &part_row(&rec))
            .await?
            .map(part_record)
        {
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
        requested: &[RequestedPart],
    ) -> Result<ObjectInfo, ObjectError> {
        let bucket = self.require_bucket(&upload.bucket)?;
        if requested.is_empty() {
            return Err(ObjectError::MalformedXml(
                "You must specify at least one part".into(),
            ));
        }
        if requested.windows(2).any(|w| w[0].number >= w[1].number) {
            return Err(ObjectError::InvalidPartOrder);
        }
        let stored: std::collections::HashMap<u32, PartRecord> = self
            .index
            .list_parts(&upload.upload_id, 0, MAX_PART_NUMBER as usize)?
            .into_iter()
            .map(|p| (p.number, part_record(p)))
            .collect();
        let mut chosen = Vec::with_capacity(requested.len());
        for (i, req) in requested.iter().enumerate() {
            let n = req.number;
            let want = req.etag.trim().trim_matches('"');
            let part = stored
                .get(&n)
                .filter(|p| p.data.etag == want)
                .ok_or_else(|| ObjectError::InvalidPart(format!("part {n}")))?;
            if let Some(sent) = &req.checksum
                && part.data.checksum.as_deref() != Some(sent.trim())
            {
                return Err(ObjectError::InvalidPart(format!(
                    "part {n}: checksum does not match the uploaded part"
                )));
            }
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
        let checksum = object_checksum(upload, &chosen);
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
                    checksum: p.data.checksum.clone(),
                })
                .collect(),
            delete_marker: false,
            null_version: bucket.config.versioning != Versioning::Enabled,
            tags: upload.tags.clone(),
            checksum,
            acl: upload.acl.clone(),
        };
        let dirs = chosen
            .iter()
            .map(|p| (p.number, p.data.dir.clone()))
            .collect();
        let hashes: Vec<String> = chosen
            .iter()
            .flat_map(|p| p.data.block_hashes.iter().cloned())
            .collect();
        self.store
            .assemble(&info, &upload.upload_id, dirs, hashes.clone())
            .await?;
        self.commit_version(&info).await?;
        self.hashes
            .insert(info.version_id.clone(), Arc::new(hashes));
        self.index.delete_upload(&upload_row(upload)).await?;
        self.store
            .remove_upload(&upload.bucket, &upload.upload_id)
            .await?;
        Ok(info)
    }

    /// Aborts an upload and deletes its parts.
    pub async fn abort_upload(&self, upload: &UploadRecord) -> Result<(), ObjectError> {
        self.index.delete_upload(&upload_row(upload)).await?;
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
        let mut parts: Vec<PartRecord> = self
            .index
            .list_parts(&upload.upload_id, after, limit.saturating_add(1))?
            .into_iter()
            .map(part_record)
            .collect();
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
            .map(|r| r.map(upload_record))
            .collect::<Result<_, _>>()?;
        let more = out.len() > limit;
        out.truncate(limit);
        Ok((out, more))
    }
}

/// The object's checksum from its parts': when every part carries one of
/// the same algorithm, FULL_OBJECT by CRC combination or COMPOSITE, as the
/// upload asked (or the algorithm's default). None when parts disagree.
fn object_checksum(upload: &UploadRecord, parts: &[&PartRecord]) -> Option<StoredChecksum> {
    let alg_name = parts.first()?.data.checksum_algorithm.clone()?;
    if parts.iter().any(|p| {
        p.data.checksum_algorithm.as_deref() != Some(alg_name.as_str()) || p.data.checksum.is_none()
    }) {
        return None;
    }
    let alg = ChecksumAlgorithm::parse(&alg_name)?;
    let kind = match (&upload.checksum_algorithm, &upload.checksum_type) {
        (Some(a), Some(t)) if a.eq_ignore_ascii_case(&alg_name) => t.clone(),
        _ => alg.default_multipart_type().to_string(),
    };
    let value = if kind == FULL_OBJECT {
        let pairs: Vec<(&str, u64)> = parts
            .iter()
            .filter_map(|p| Some((p.data.checksum.as_deref()?, p.data.size)))
            .collect();
        checksum::full_object(alg, &pairs)?
    } else {
        let values: Vec<&str> = parts
            .iter()
            .filter_map(|p| p.data.checksum.as_deref())
            .collect();
        checksum::composite(alg, &values)?
    };
    Some(StoredChecksum {
        algorithm: alg.as_str().to_string(),
        value,
        kind,
    })
}
