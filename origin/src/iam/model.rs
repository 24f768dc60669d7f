//! The IAM state as it is persisted: the account, users, groups, managed
//! policies and access keys (secret keys sealed with the master key), as
//! one versioned document. Plain data and the invariants between its
//! parts (a key names an existing user, a group lists existing users);
//! never IO, never plaintext secrets.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// Current format of the IAM document.
pub const IAM_FORMAT: u32 = 1;

/// Everything IAM knows.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct IamState {
    /// Document format (`IAM_FORMAT`).
    pub format: u32,
    /// Users by name.
    #[serde(default)]
    pub users: BTreeMap<String, User>,
    /// Groups by name.
    #[serde(default)]
    pub groups: BTreeMap<String, Group>,
    /// Customer managed policies by name.
    #[serde(default)]
    pub policies: BTreeMap<String, ManagedPolicy>,
    /// Access keys by access key id.
    #[serde(default)]
    pub keys: BTreeMap<String, AccessKey>,
}

/// An IAM user.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct User {
    /// Friendly name (unique, case-insensitively as AWS).
    pub name: String,
    /// Unique id (`AIDA...`), `aws:userid`.
    pub user_id: String,
    /// Path (`/` by default).
    pub path: String,
    /// Creation time, unix seconds.
    pub created: i64,
    /// Tags, in insertion order.
    #[serde(default)]
    pub tags: Vec<(String, String)>,
    /// Inline policies by name (JSON documents as given).
    #[serde(default)]
    pub inline: BTreeMap<String, String>,
    /// Attached managed policies (by ARN).
    #[serde(default)]
    pub attached: BTreeSet<String>,
}

/// An IAM group.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Group {
    /// Name.
    pub name: String,
    /// Unique id (`AGPA...`).
    pub group_id: String,
    /// Path.
    pub path: String,
    /// Creation time, unix seconds.
    pub created: i64,
    /// Member user names.
    #[serde(default)]
    pub members: BTreeSet<String>,
    /// Inline policies by name.
    #[serde(default)]
    pub inline: BTreeMap<String, String>,
    /// Attached managed policies (by ARN).
    #[serde(default)]
    pub attached: BTreeSet<String>,
}

/// A customer managed policy (one version: `v1`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ManagedPolicy {
    /// Name.
    pub name: String,
    /// Unique id (`ANPA...`).
    pub policy_id: String,
    /// Path.
    pub path: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Creation time, unix seconds.
    pub created: i64,
    /// The document (JSON as given).
    pub document: String,
}

/// An access key of a user.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessKey {
    /// Access key id (`AKIA...`).
    pub access_key_id: String,
    /// Owner.
    pub user: String,
    /// The secret, sealed with the master key (associated data: the id).
    pub secret_sealed: String,
    /// Active or Inactive.
    pub active: bool,
    /// Creation time, unix seconds.
    pub created: i64,
}

impl IamState {
    /// An empty state.
    pub fn new() -> IamState {
        IamState {
            format: IAM_FORMAT,
            ..Default::default()
        }
    }

    /// The document of managed policy `arn`: one of the AWS managed
    /// policies Gureum provides, or a customer managed policy (by the name
    /// at the end of its ARN).
    pub fn managed_document(&self, arn: &str) -> Option<&str> {
        if let Some(name) = arn.strip_prefix(AWS_MANAGED_PREFIX) {
            return aws_managed(name);
        }
        let name = arn.rsplit('/').next()?;
        self.policies.get(name).map(|p| p.document.as_str())
    }

    /// Every policy document that applies to `user`: its inline ones, its
    /// attached managed ones, and those of its groups (inline and attached).
    pub fn documents_of<'a>(&'a self, user: &'a User) -> Vec<(String, &'a str)> {
        let mut out: Vec<(String, &str)> = Vec::new();
        for (n, d) in &user.inline {
            out.push((format!("user:{}:{n}", user.name), d.as_str()));
        }
        for a in &user.attached {
            if let Some(d) = self.managed_document(a) {
                out.push((a.clone(), d));
            }
        }
        for g in self
            .groups
            .values()
            .filter(|g| g.members.contains(&user.name))
        {
            for (n, d) in &g.inline {
                out.push((format!("group:{}:{n}", g.name), d.as_str()));
            }
            for a in &g.attached {
                if let Some(d) = self.managed_document(a) {
                    out.push((a.clone(), d));
                }
            }
        }
        out
    }

    /// Names of the groups `user` belongs to.
    pub fn groups_of(&self, user: &str) -> Vec<&Group> {
        self.groups
            .values()
            .filter(|g| g.members.contains(user))
            .collect()
    }

    /// How many users and groups have managed policy `arn` attached.
    pub fn attachment_count(&self, arn: &str) -> usize {
        self.users
            .values()
            .filter(|u| u.attached.contains(arn))
            .count()
            + self
                .groups
                .values()
                .filter(|g| g.attached.contains(arn))
                .count()
    }
}

/// ARN prefix of AWS managed policies.
pub const AWS_MANAGED_PREFIX: &str = "arn:aws:iam::aws:policy/";

/// The AWS managed policies Gureum provides (the ones that make sense for
/// an S3 and IAM service), by name.
pub const AWS_MANAGED: &[(&str, &str)] = &[
    (
        "AdministratorAccess",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
    ),
    (
        "AmazonS3FullAccess",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#,
    ),
    (
        "AmazonS3ReadOnlyAccess",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*"],"Resource":"*"}]}"#,
    ),
    (
        "IAMFullAccess",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}"#,
    ),
    (
        "IAMReadOnlyAccess",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:Get*","iam:List*"],"Resource":"*"}]}"#,
    ),
];

/// The document of AWS managed policy `name`.
pub fn aws_managed(name: &str) -> Option<&'static str> {
    AWS_MANAGED
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, d)| *d)
}
