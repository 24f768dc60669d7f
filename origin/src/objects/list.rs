//! Listing as S3 defines it (ListObjectsV2 and v1): prefix, delimiter with
//! common prefixes, a marker after which to start, and a page size. A common
//! prefix is skipped by seeking past it in the index, never by walking the
//! keys under it.

use std::ops::Bound;

use super::rows::object_info;
use super::{ObjectError, Objects};
use crate::store::ObjectInfo;

/// What to list.
#[derive(Debug, Clone, Default)]
pub struct ListParams {
    /// Only keys starting with this.
    pub prefix: String,
    /// Roll keys up to the first delimiter after the prefix.
    pub delimiter: Option<String>,
    /// Only entries (keys or common prefixes) sorting after this.
    pub after: Option<String>,
    /// Page size (keys + common prefixes).
    pub max_keys: usize,
}

/// One page of a listing.
#[derive(Debug, Default)]
pub struct ListPage {
    /// Keys on this page.
    pub objects: Vec<ObjectInfo>,
    /// Common prefixes on this page.
    pub prefixes: Vec<String>,
    /// More entries follow.
    pub truncated: bool,
    /// The last entry returned (where the next page starts after).
    pub last: Option<String>,
}

/// Smallest byte string above every string starting with `p`. `p` is UTF-8,
/// which never contains 0xFF, so bumping its last byte cannot overflow.
pub(super) fn successor(p: &str) -> Vec<u8> {
    let mut b = p.as_bytes().to_vec();
    if let Some(last) = b.last_mut() {
        *last += 1;
    }
    b
}

impl Objects {
    /// Lists `bucket` per `params`.
    pub fn list(&self, bucket: &str, params: &ListParams) -> Result<ListPage, ObjectError> {
        self.require_bucket(bucket)?;
        let mut page = ListPage::default();
        if params.max_keys == 0 {
            return Ok(page);
        }
        let prefix = params.prefix.as_str();
        let delimiter = params.delimiter.as_deref().filter(|d| !d.is_empty());
        let after = params.after.as_deref();
        let mut from: (Vec<u8>, bool) = match after {
            Some(a) if a >= prefix => (a.as_bytes().to_vec(), false),
            _ => (prefix.as_bytes().to_vec(), true),
        };
        let mut count = 0usize;
        'seek: loop {
            let bound = if from.1 {
                Bound::Included(from.0.as_slice())
            } else {
                Bound::Excluded(from.0.as_slice())
            };
            for item in self.index.scan_objects(bucket, bound) {
                let info = object_info(item?);
                if !info.key.starts_with(prefix) {
                    break 'seek;
                }
                if let Some(d) = delimiter
                    && let Some(pos) = info.key[prefix.len()..].find(d)
                {
                    let cp = &info.key[..prefix.len() + pos + d.len()];
                    // A prefix at or before the marker was on an earlier page.
                    if after.is_none_or(|a| cp > a) {
                        if count == params.max_keys {
                            page.truncated = true;
                            break 'seek;
                        }
                        page.prefixes.push(cp.to_string());
                        page.last = Some(cp.to_string());
                        count += 1;
                    }
                    from = (successor(cp), true);
                    continue 'seek;
                }
                if count == params.max_keys {
                    page.truncated = true;
                    break 'seek;
                }
                page.last = Some(info.key.clone());
                page.objects.push(info);
                count += 1;
            }
            break;
        }
        Ok(page)
    }
}
