//! The access decision for one S3 request, as AWS makes it within one
//! account: root may do everything; anyone else (IAM users, anonymous
//! callers) needs an allow from an identity policy, the bucket policy or
//! an ACL, and no explicit deny anywhere. The bucket's public access block
//! and object ownership setting shape what the bucket policy and the ACLs
//! may grant. Reads bucket settings and, only when an ACL has to be
//! consulted, the object's record; never object data.
//!
//! Bucket policies are parsed once per change (cached by bucket and
//! document text); identity policies are parsed once per IAM change by
//! [`Iam`]. Evaluation itself allocates nothing per statement.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use super::acl::{self, Requester};
use super::policy::{
    ConditionValues, Decision, Policy, PolicyKind, Principal, RequestContext, decide,
};
use super::s3_actions::{AclNeed, On, resource_arn};
use super::store::{Iam, Identity};
use crate::objects::{BucketConfig, Objects};

/// A bucket policy parsed once.
struct CachedPolicy {
    text: String,
    policy: Arc<Policy>,
    /// Whether a statement tests `s3:ExistingObjectTag/…` (the object's
    /// tags are then read for object requests).
    uses_object_tags: bool,
}

/// Decides S3 requests.
pub struct Authorizer {
    iam: Arc<Iam>,
    objects: Arc<Objects>,
    bucket_policies: RwLock<HashMap<String, Arc<CachedPolicy>>>,
}

/// Who made a request, resolved once and handed to handlers that check
/// more than one thing (DeleteObjects checks every key).
#[derive(Clone)]
pub struct Caller {
    /// None for an anonymous request.
    pub identity: Option<Identity>,
    /// The policy-language principal.
    pub principal: Arc<Principal>,
    /// Condition values of the request.
    pub keys: Arc<ConditionValues>,
}

impl Caller {
    /// Whether the caller is the account root.
    pub fn is_root(&self) -> bool {
        matches!(self.identity, Some(Identity::Root))
    }
}

/// What one check is about.
#[derive(Debug, Clone, Copy)]
pub struct Ask<'a> {
    /// IAM action (`s3:GetObject`).
    pub action: &'a str,
    /// What it is checked on.
    pub on: On,
    /// Bucket (empty for account-level actions).
    pub bucket: &'a str,
    /// Key (empty unless `on` is `Object`).
    pub key: &'a str,
    /// Version the request names, for object ACLs.
    pub version_id: Option<&'a str>,
    /// The ACL permission that may grant it.
    pub acl: AclNeed,
}

impl Authorizer {
    /// Decides against `iam`'s users and `objects`' bucket settings.
    pub fn new(iam: Arc<Iam>, objects: Arc<Objects>) -> Self {
        Self {
            iam,
            objects,
            bucket_policies: RwLock::new(HashMap::new()),
        }
    }

    /// The IAM state the decisions use.
    pub fn iam(&self) -> &Arc<Iam> {
        &self.iam
    }

    /// The caller behind `identity`, with the request's condition values.
    pub fn caller(&self, identity: Option<Identity>, keys: ConditionValues) -> Caller {
        let principal = self.iam.principal(identity.as_ref());
        Caller {
            identity,
            principal,
            keys: Arc::new(keys),
        }
    }

    fn bucket_policy(&self, bucket: &str, text: &str) -> Option<Arc<CachedPolicy>> {
        if let Some(c) = self
            .bucket_policies
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(bucket)
            && c.text == text
        {
            return Some(Arc::clone(c));
        }
        // Validated when put; a document that no longer parses grants
        // nothing rather than failing every request.
        let policy = match Policy::parse(text, PolicyKind::Bucket { bucket }) {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(bucket, err = %e.message(), "bucket policy ignored");
                return None;
            }
        };
        let cached = Arc::new(CachedPolicy {
            text: text.to_string(),
            policy: Arc::new(policy),
            uses_object_tags: text.contains("s3:ExistingObjectTag"),
        });
        self.bucket_policies
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(bucket.to_string(), Arc::clone(&cached));
        Some(cached)
    }

    /// Whether `caller` may do `ask`.
    pub fn allows(&self, caller: &Caller, ask: &Ask<'_>) -> bool {
        if caller.is_root() {
            return true;
        }
        let resource = resource_arn(ask.on, ask.bucket, ask.key);
        let record = if ask.bucket.is_empty() {
            None
        } else {
            self.objects.head_bucket(ask.bucket).ok()
        };
        let config: Option<&BucketConfig> = record.as_ref().map(|b| &b.config);
        let block = config.map(BucketConfig::access_block).unwrap_or_default();
        let bucket_policy = config
            .and_then(|c| c.policy.as_deref())
            .and_then(|text| self.bucket_policy(ask.bucket, text))
            // RestrictPublicBuckets: a public policy lets in only the
            // account's own principals.
            .filter(|p| {
                !(block.restrict_public_buckets
                    && p.policy.is_public()
                    && matches!(*caller.principal, Principal::Anonymous))
            });

        let mut extra;
        let mut keys: &ConditionValues = &caller.keys;
        if ask.on == On::Object
            && bucket_policy.as_ref().is_some_and(|p| p.uses_object_tags)
            && let Ok(info) = self
                .objects
                .head_object(ask.bucket, ask.key, ask.version_id)
        {
            extra = (*caller.keys).clone();
            for (k, v) in &info.tags {
                extra.insert(&format!("s3:ExistingObjectTag/{k}"), v.clone());
            }
            keys = &extra;
        }
        let ctx = RequestContext {
            action: ask.action,
            resource: &resource,
            principal: &caller.principal,
            keys,
        };
        let identity_policies = match &caller.identity {
            Some(Identity::User(user)) => Some(&user.policies),
            _ => None,
        };
        let verdicts = identity_policies
            .iter()
            .flat_map(|ps| ps.iter())
            .map(|p| p.evaluate(&ctx))
            .chain(bucket_policy.iter().map(|p| p.policy.evaluate(&ctx)));
        match decide(verdicts, false) {
            Decision::Allow => return true,
            Decision::ExplicitDeny => return false,
            Decision::ImplicitDeny => {}
        }
        // ACLs: only where ownership keeps them enabled.
        let Some(config) = config.filter(|c| !c.acls_disabled()) else {
            return false;
        };
        let requester = match &caller.identity {
            None => Requester::Anonymous,
            Some(_) => Requester::Authenticated,
        };
        let ignore = block.ignore_public_acls;
        match ask.acl {
            AclNeed::None => false,
            AclNeed::Bucket(perm) => config
                .acl
                .as_ref()
                .is_some_and(|a| acl::allows(a, requester, perm, ignore)),
            AclNeed::Object(perm) => self
                .objects
                .head_object(ask.bucket, ask.key, ask.version_id)
                .ok()
                .and_then(|info| info.acl)
                .is_some_and(|a| acl::allows(&a, requester, perm, ignore)),
        }
    }

    /// Forgets the cached policy of `bucket` (deleted or replaced).
    pub fn forget_bucket(&self, bucket: &str) {
        self.bucket_policies
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(bucket);
    }
}
