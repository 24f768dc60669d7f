//! Explicit conversions between the object layer's types and the index's
//! row types. The index owns its on-disk format; this is the one place
//! where a field added to an object or store type must be carried over
//! (and where forgetting it shows up as a compile error, not as a silent
//! format change). Pure: no IO.

use crate::index::{
    AclRow, BucketRow, ChecksumRow, GrantRow, HeadersRow, LayoutRow, PartDataRow, PartRow,
    UploadPartRow, UploadRow, VersionRow,
};
use crate::store::{
    Layout, ObjectInfo, PartData, PartInfo, StoredAcl, StoredChecksum, StoredGrant, StoredHeaders,
};

fn acl_row(a: &StoredAcl) -> AclRow {
    AclRow {
        owner: a.owner.clone(),
        grants: a
            .grants
            .iter()
            .map(|g| GrantRow {
                kind: g.kind.clone(),
                id: g.id.clone(),
                display_name: g.display_name.clone(),
                permission: g.permission.clone(),
            })
            .collect(),
    }
}

fn acl(r: AclRow) -> StoredAcl {
    StoredAcl {
        owner: r.owner,
        grants: r
            .grants
            .into_iter()
            .map(|g| StoredGrant {
                kind: g.kind,
                id: g.id,
                display_name: g.display_name,
                permission: g.permission,
            })
            .collect(),
    }
}

use super::error::ObjectError;
use super::records::{BucketConfig, BucketRecord, PartRecord, UploadRecord};

fn headers_row(h: &StoredHeaders) -> HeadersRow {
    let StoredHeaders {
        content_type,
        cache_control,
        content_disposition,
        content_encoding,
        content_language,
        expires,
    } = h.clone();
    HeadersRow {
        content_type,
        cache_control,
        content_disposition,
        content_encoding,
        content_language,
        expires,
    }
}

fn headers(h: HeadersRow) -> StoredHeaders {
    let HeadersRow {
        content_type,
        cache_control,
        content_disposition,
        content_encoding,
        content_language,
        expires,
    } = h;
    StoredHeaders {
        content_type,
        cache_control,
        content_disposition,
        content_encoding,
        content_language,
        expires,
    }
}

/// The index row of a version.
pub(super) fn version_row(i: &ObjectInfo) -> VersionRow {
    let ObjectInfo {
        bucket,
        key,
        version_id,
        size,
        etag,
        mtime_ms,
        layout,
        headers,
        user_meta,
        parts,
        delete_marker,
        null_version,
        tags,
        checksum,
        acl: object_acl,
    } = i;
    VersionRow {
        bucket: bucket.clone(),
        key: key.clone(),
        version_id: version_id.clone(),
        size: *size,
        etag: etag.clone(),
        mtime_ms: *mtime_ms,
        layout: LayoutRow {
            data: layout.data,
            parity: layout.parity,
            block_size: layout.block_size,
        },
        headers: headers_row(headers),
        user_meta: user_meta.clone(),
        parts: parts
            .iter()
            .map(|p| PartRow {
                number: p.number,
                size: p.size,
                etag: p.etag.clone(),
                checksum: p.checksum.clone(),
            })
            .collect(),
        delete_marker: *delete_marker,
        null_version: *null_version,
        tags: tags.clone(),
        checksum: checksum.as_ref().map(|c| ChecksumRow {
            algorithm: c.algorithm.clone(),
            value: c.value.clone(),
            kind: c.kind.clone(),
        }),
        acl: object_acl.as_ref().map(acl_row),
    }
}

/// A version from its index row.
pub(super) fn object_info(r: VersionRow) -> ObjectInfo {
    ObjectInfo {
        bucket: r.bucket,
        key: r.key,
        version_id: r.version_id,
        size: r.size,
        etag: r.etag,
        mtime_ms: r.mtime_ms,
        layout: Layout {
            data: r.layout.data,
            parity: r.layout.parity,
            block_size: r.layout.block_size,
        },
        headers: headers(r.headers),
        user_meta: r.user_meta,
        parts: r
            .parts
            .into_iter()
            .map(|p| PartInfo {
                number: p.number,
                size: p.size,
                etag: p.etag,
                checksum: p.checksum,
            })
            .collect(),
        delete_marker: r.delete_marker,
        null_version: r.null_version,
        tags: r.tags,
        checksum: r.checksum.map(|c| StoredChecksum {
            algorithm: c.algorithm,
            value: c.value,
            kind: c.kind,
        }),
        acl: r.acl.map(acl),
    }
}

/// The index row of a bucket.
pub(super) fn bucket_row(b: &BucketRecord) -> Result<BucketRow, ObjectError> {
    Ok(BucketRow {
        name: b.name.clone(),
        created_ms: b.created_ms,
        config: serde_json::to_value(&b.config).map_err(ObjectError::internal)?,
    })
}

/// A bucket from its index row; settings that do not decode are an error
/// (they were written by this layer, so that is a bug or a newer build).
pub(super) fn bucket_record(r: BucketRow) -> Result<BucketRecord, ObjectError> {
    let config = if r.config.is_null() {
        BucketConfig::default()
    } else {
        serde_json::from_value(r.config).map_err(ObjectError::internal)?
    };
    Ok(BucketRecord {
        name: r.name,
        created_ms: r.created_ms,
        config,
    })
}

/// The index row of an upload.
pub(super) fn upload_row(u: &UploadRecord) -> UploadRow {
    UploadRow {
        bucket: u.bucket.clone(),
        key: u.key.clone(),
        upload_id: u.upload_id.clone(),
        initiated_ms: u.initiated_ms,
        headers: headers_row(&u.headers),
        user_meta: u.user_meta.clone(),
        tags: u.tags.clone(),
        checksum_algorithm: u.checksum_algorithm.clone(),
        checksum_type: u.checksum_type.clone(),
        acl: u.acl.as_ref().map(acl_row),
    }
}

/// An upload from its index row.
pub(super) fn upload_record(r: UploadRow) -> UploadRecord {
    UploadRecord {
        bucket: r.bucket,
        key: r.key,
        upload_id: r.upload_id,
        initiated_ms: r.initiated_ms,
        headers: headers(r.headers),
        user_meta: r.user_meta,
        tags: r.tags,
        checksum_algorithm: r.checksum_algorithm,
        checksum_type: r.checksum_type,
        acl: r.acl.map(acl),
    }
}

/// The index row of an uploaded part.
pub(super) fn part_row(p: &PartRecord) -> UploadPartRow {
    let d = &p.data;
    UploadPartRow {
        number: p.number,
        mtime_ms: p.mtime_ms,
        data: PartDataRow {
            dir: d.dir.clone(),
            size: d.size,
            etag: d.etag.clone(),
            block_hashes: d.block_hashes.clone(),
            checksum: d.checksum.clone(),
            checksum_algorithm: d.checksum_algorithm.clone(),
        },
    }
}

/// An uploaded part from its index row.
pub(super) fn part_record(r: UploadPartRow) -> PartRecord {
    let d = r.data;
    PartRecord {
        number: r.number,
        mtime_ms: r.mtime_ms,
        data: PartData {
            dir: d.dir,
            size: d.size,
            etag: d.etag,
            block_hashes: d.block_hashes,
            checksum: d.checksum,
            checksum_algorithm: d.checksum_algorithm,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_survive_the_round_trip() {
        let info = ObjectInfo {
            bucket: "b".into(),
            key: "k/ü".into(),
            version_id: "0190aa".into(),
            size: 7,
            etag: "e-2".into(),
            mtime_ms: 42,
            layout: Layout {
                data: 4,
                parity: 2,
                block_size: 1 << 20,
            },
            headers: StoredHeaders {
                content_type: Some("video/mp4".into()),
                expires: Some("Wed, 21 Oct 2015 07:28:00 GMT".into()),
                ..Default::default()
            },
            user_meta: [("a".to_string(), "b".to_string())].into(),
            parts: vec![PartInfo {
                number: 1,
                size: 7,
                etag: "p".into(),
                checksum: Some("c".into()),
            }],
            delete_marker: false,
            null_version: true,
            tags: [("t".to_string(), "v".to_string())].into(),
            checksum: Some(StoredChecksum {
                algorithm: "CRC32".into(),
                value: "AAAA".into(),
                kind: "COMPOSITE".into(),
            }),
            acl: Some(StoredAcl {
                owner: "o".into(),
                grants: vec![StoredGrant {
                    kind: "Group".into(),
                    id: "http://acs.amazonaws.com/groups/global/AllUsers".into(),
                    display_name: None,
                    permission: "READ".into(),
                }],
            }),
        };
        assert_eq!(object_info(version_row(&info)), info);
    }
}
