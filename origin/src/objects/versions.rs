//! ListObjectVersions: every version and delete marker, keys ascending and
//! each key's versions newest first, with prefix, delimiter (common
//! prefixes skipped by seeking, as in plain listings) and the
//! key-marker / version-id-marker pair to resume after.

use super::list::successor;
use super::rows::object_info;
use super::{ObjectError, Objects};
use crate::index::VersionsFrom;
use crate::store::ObjectInfo;

/// What to list.
#[derive(Debug, Clone, Default)]
pub struct VersionListParams {
    /// Only keys starting with this.
    pub prefix: String,
    /// Roll keys up to the first delimiter after the prefix.
    pub delimiter: Option<String>,
    /// Resume after this key...
    pub key_marker: Option<String>,
    /// ...and after this version of it (S3 id).
    pub version_id_marker: Option<String>,
    /// Page size (versions + common prefixes).
    pub max_keys: usize,
}

/// One listed version.
#[derive(Debug, Clone)]
pub struct VersionEntry {
    /// The version (or delete marker).
    pub info: ObjectInfo,
    /// It is the newest version of its key.
    pub is_latest: bool,
}

/// One page of versions.
#[derive(Debug, Default)]
pub struct VersionPage {
    /// Versions and delete markers, in order.
    pub entries: Vec<VersionEntry>,
    /// Common prefixes.
    pub prefixes: Vec<String>,
    /// More follow.
    pub truncated: bool,
    /// Where the next page starts: key...
    pub next_key_marker: Option<String>,
    /// ...and version (absent when the page ended on a common prefix).
    pub next_version_id_marker: Option<String>,
}

impl Objects {
    /// Lists the versions of `bucket` per `params`.
    pub fn list_versions(
        &self,
        bucket: &str,
        params: &VersionListParams,
    ) -> Result<VersionPage, ObjectError> {
        self.require_bucket(bucket)?;
        let mut page = VersionPage::default();
        if params.max_keys == 0 {
            return Ok(page);
        }
        let prefix = params.prefix.as_str();
        let delimiter = params.delimiter.as_deref().filter(|d| !d.is_empty());
        let marker = params.key_marker.as_deref().filter(|m| !m.is_empty());
        // Internal id of the version-id-marker, when it still exists.
        let after_version = match (marker, params.version_id_marker.as_deref()) {
            (Some(k), Some(v)) if !v.is_empty() => {
                self.index.find_version(bucket, k, v)?.map(|r| r.version_id)
            }
            _ => None,
        };
        let mut start = match (marker, &after_version) {
            (Some(k), Some(v)) if k >= prefix => VersionsFrom::AfterVersion(k.into(), v.clone()),
            (Some(k), None) if k >= prefix => VersionsFrom::AfterKey(k.as_bytes().to_vec()),
            _ => VersionsFrom::Key(prefix.as_bytes().to_vec()),
        };
        // Resuming inside a key: its first version here is not its latest.
        let mut last_key: Option<String> = match &start {
            VersionsFrom::AfterVersion(k, _) => Some(k.clone()),
            _ => None,
        };
        let mut count = 0usize;
        'seek: loop {
            for item in self.index.scan_versions(bucket, start.clone()) {
                let info = object_info(item?);
                if !info.key.starts_with(prefix) {
                    break 'seek;
                }
                if let Some(d) = delimiter
                    && let Some(pos) = info.key[prefix.len()..].find(d)
                {
                    let cp = info.key[..prefix.len() + pos + d.len()].to_string();
                    if marker.is_none_or(|m| cp.as_str() > m) {
                        if count == params.max_keys {
                            page.truncated = true;
                            break 'seek;
                        }
                        page.next_key_marker = Some(cp.clone());
                        page.next_version_id_marker = None;
                        page.prefixes.push(cp.clone());
                        count += 1;
                    }
                    start = VersionsFrom::Key(successor(&cp));
                    last_key = None;
                    continue 'seek;
                }
                if count == params.max_keys {
                    page.truncated = true;
                    break 'seek;
                }
                let is_latest = last_key.as_deref() != Some(info.key.as_str());
                last_key = Some(info.key.clone());
                page.next_key_marker = Some(info.key.clone());
                page.next_version_id_marker = Some(info.s3_version_id().to_string());
                page.entries.push(VersionEntry { info, is_latest });
                count += 1;
            }
            break;
        }
        if !page.truncated {
            page.next_key_marker = None;
            page.next_version_id_marker = None;
        }
        Ok(page)
    }
}
