//! The object layer's own records of buckets and uploads: bucket
//! settings S3 clients configure (versioning, CORS, lifecycle), kept as
//! one JSON document in the drives' bucket markers and the index, and the
//! multipart uploads in progress with their parts. Plain data; the
//! conversions to and from index rows are in `rows`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::store::{PartData, StoredAcl, StoredHeaders};

/// A bucket: its name, creation time and settings.
#[derive(Debug, Clone)]
pub struct BucketRecord {
    /// Bucket name.
    pub name: String,
    /// Creation time, unix milliseconds.
    pub created_ms: i64,
    /// Versioning, CORS, lifecycle: also kept in the drives' bucket marker.
    pub config: BucketConfig,
}

/// Per-bucket settings S3 clients configure.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BucketConfig {
    /// Versioning state.
    #[serde(default)]
    pub versioning: Versioning,
    /// CORS rules (empty: no CORS configuration).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cors: Vec<CorsRule>,
    /// Lifecycle rules (empty: no lifecycle configuration).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lifecycle: Vec<LifecycleRule>,
    /// Bucket policy, the JSON document as put (validated then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// Bucket ACL (None: the owner has full control, nobody else).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acl: Option<StoredAcl>,
    /// Object ownership (None: `ObjectWriter`, ACLs honoured).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ownership: Option<String>,
    /// Public access block (None: no block configured).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_access_block: Option<PublicAccessBlock>,
}

/// The four public-access-block flags, as S3 names them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicAccessBlock {
    /// Refuse requests that set public ACLs.
    #[serde(default)]
    pub block_public_acls: bool,
    /// Ignore public ACLs in access decisions.
    #[serde(default)]
    pub ignore_public_acls: bool,
    /// Refuse bucket policies that grant public access.
    #[serde(default)]
    pub block_public_policy: bool,
    /// Let only the account's principals through a public bucket policy.
    #[serde(default)]
    pub restrict_public_buckets: bool,
}

impl BucketConfig {
    /// Whether ACLs are disabled (`BucketOwnerEnforced`).
    pub fn acls_disabled(&self) -> bool {
        self.ownership.as_deref() == Some("BucketOwnerEnforced")
    }

    /// The public access block in force (all off when none is set).
    pub fn access_block(&self) -> PublicAccessBlock {
        self.public_access_block.unwrap_or_default()
    }
}

/// A bucket's versioning state, as S3 has it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Versioning {
    /// Never enabled: one `null` version per key, replaced by each write.
    #[default]
    Unversioned,
    /// Every write makes a new version; deletes add delete markers.
    Enabled,
    /// Writes make `null` versions again; older versions are kept.
    Suspended,
}

/// One CORS rule.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorsRule {
    /// Rule id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Origins (`*` wildcards allowed, at most one each).
    pub allowed_origins: Vec<String>,
    /// Methods (GET, PUT, POST, DELETE, HEAD).
    pub allowed_methods: Vec<String>,
    /// Request headers a preflight may ask for (`*` wildcards allowed).
    #[serde(default)]
    pub allowed_headers: Vec<String>,
    /// Response headers exposed to scripts.
    #[serde(default)]
    pub expose_headers: Vec<String>,
    /// Preflight cache time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age_secs: Option<i32>,
}

/// One lifecycle rule (the subset Gureum applies).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LifecycleRule {
    /// Rule id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Enabled (false: kept but not applied).
    pub enabled: bool,
    /// Keys it applies to.
    #[serde(default)]
    pub prefix: String,
    /// Expire current versions this many days after their creation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_days: Option<i32>,
    /// Expire current versions from this instant on (unix ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_date_ms: Option<i64>,
    /// Remove noncurrent versions this many days after they became noncurrent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub noncurrent_days: Option<i32>,
    /// Abort multipart uploads this many days after they started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abort_incomplete_days: Option<i32>,
}

/// A multipart upload in progress.
#[derive(Debug, Clone)]
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
    pub tags: BTreeMap<String, String>,
    /// Checksum algorithm every part carries (S3's name), if any.
    pub checksum_algorithm: Option<String>,
    /// FULL_OBJECT or COMPOSITE, with `checksum_algorithm`.
    pub checksum_type: Option<String>,
    /// ACL the object will get.
    pub acl: Option<StoredAcl>,
}

/// One uploaded part.
#[derive(Debug, Clone)]
pub struct PartRecord {
    /// Part number.
    pub number: u32,
    /// Upload time, unix ms.
    pub mtime_ms: i64,
    /// Where its data is and what it hashes to.
    pub data: PartData,
}
