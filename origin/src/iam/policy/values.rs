//! The request's condition key values: a case-insensitive multi-map.
//!
//! Owns: [`ConditionValues`], filled by the caller (the S3 front end) with
//! whatever it knows about a request: `aws:SourceIp`, `s3:prefix`, tags...
//! Must never: derive values itself or know what a key means; principal
//! keys are derived in `eval`, everything else is the caller's word.

use std::collections::HashMap;

use super::keys::normalize_key;

/// Condition key -> values. Key names compare case-insensitively (the tag
/// key after `/` keeps its case); a key with no values counts as absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConditionValues {
    map: HashMap<String, Vec<String>>,
}

impl ConditionValues {
    /// An empty set of values.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one value to `key`, after any it already has.
    pub fn insert(&mut self, key: &str, value: impl Into<String>) -> &mut Self {
        self.map
            .entry(normalize_key(key))
            .or_default()
            .push(value.into());
        self
    }

    /// Replaces every value of `key`.
    pub fn set<I, V>(&mut self, key: &str, values: I) -> &mut Self
    where
        I: IntoIterator<Item = V>,
        V: Into<String>,
    {
        self.map.insert(
            normalize_key(key),
            values.into_iter().map(Into::into).collect(),
        );
        self
    }

    /// Builder form of [`ConditionValues::insert`].
    pub fn with(mut self, key: &str, value: impl Into<String>) -> Self {
        self.insert(key, value);
        self
    }

    /// Removes `key`, returning its values.
    pub fn remove(&mut self, key: &str) -> Option<Vec<String>> {
        self.map.remove(&normalize_key(key))
    }

    /// The values of `key`, if it has any.
    pub fn get(&self, key: &str) -> Option<&[String]> {
        self.lookup(&normalize_key(key))
    }

    /// How many keys have values.
    pub fn len(&self) -> usize {
        self.map.values().filter(|v| !v.is_empty()).count()
    }

    /// Whether no key has a value.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Lookup by an already-normalised key: no allocation, which is what
    /// evaluation uses.
    pub(super) fn lookup(&self, normalized: &str) -> Option<&[String]> {
        self.map
            .get(normalized)
            .map(Vec::as_slice)
            .filter(|v| !v.is_empty())
    }
}
