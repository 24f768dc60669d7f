//! Authentication and access hooks for s3s: secret keys come from IAM
//! (root's from the environment, users' from the IAM state, so a deleted
//! user or an inactive key stops working at once), and every request —
//! signed or anonymous — is decided by the [`Authorizer`] with the
//! condition values AWS defines for it. Also tags each request with its S3
//! operation name for the metrics, and leaves the resolved [`Caller`] in
//! the request extensions for handlers that check per key. Must never look
//! at object data.

use std::sync::{Arc, OnceLock};

use http::HeaderMap;
use s3s::S3Result;
use s3s::access::{S3Access, S3AccessContext};
use s3s::auth::{S3Auth, SecretKey};
use s3s::path::S3Path;

use gureum_common::server::PeerAddr;

use crate::iam::Iam;
use crate::iam::api::xml::iso;
use crate::iam::authorize::{Ask, Authorizer, Caller};
use crate::iam::policy::ConditionValues;
use crate::iam::s3_actions::{self, AclNeed, On};

/// Slot the access hook fills with the operation name (request extension).
#[derive(Clone, Default)]
pub struct OpSlot(Arc<OnceLock<String>>);

impl OpSlot {
    /// The operation name, once s3s has routed the request.
    pub fn get(&self) -> Option<&str> {
        self.0.get().map(String::as_str)
    }

    /// Names the operation (first name wins).
    pub fn set(&self, op: &str) {
        let _ = self.0.set(op.to_string());
    }
}

/// Secret keys from IAM.
pub struct IamAuth(pub Arc<Iam>);

#[async_trait::async_trait]
impl S3Auth for IamAuth {
    async fn get_secret_key(&self, access_key: &str) -> S3Result<SecretKey> {
        match self.0.secret_for(access_key) {
            Some((_, secret)) => {
                self.0.note_use(access_key, "s3", "");
                Ok(SecretKey::from(secret))
            }
            None => Err(s3s::s3_error!(
                InvalidAccessKeyId,
                "The AWS Access Key Id you provided does not exist in our records."
            )),
        }
    }
}

/// Decides every S3 request by policy and ACL.
pub struct PolicyAccess {
    authz: Arc<Authorizer>,
    /// Whether the listener speaks TLS (aws:SecureTransport).
    secure: bool,
}

impl PolicyAccess {
    /// Access decided by `authz`.
    pub fn new(authz: Arc<Authorizer>, secure: bool) -> Self {
        Self { authz, secure }
    }
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

/// The condition values of one request, as AWS's global and S3 condition
/// keys define them, and the `versionId` the query names.
fn request_keys(
    cx: &S3AccessContext<'_>,
    peer: Option<PeerAddr>,
    secure: bool,
) -> (ConditionValues, Option<String>) {
    let h = cx.headers();
    let mut keys = ConditionValues::new();
    keys.insert("aws:SecureTransport", if secure { "true" } else { "false" });
    if let Some(PeerAddr(addr)) = peer {
        keys.insert("aws:SourceIp", addr.ip().to_string());
    }
    let now_ms = crate::objects::now_ms();
    keys.insert("aws:EpochTime", (now_ms / 1000).to_string());
    keys.insert("aws:CurrentTime", iso(now_ms / 1000));
    if let Some(v) = header(h, "referer") {
        keys.insert("aws:Referer", v);
    }
    if let Some(v) = header(h, "user-agent") {
        keys.insert("aws:UserAgent", v);
    }
    if let Some(v) = header(h, "x-amz-acl") {
        keys.insert("s3:x-amz-acl", v);
    }
    if let Some(v) = header(h, "x-amz-content-sha256") {
        keys.insert("s3:x-amz-content-sha256", v);
    }
    for name in [
        "x-amz-server-side-encryption",
        "x-amz-server-side-encryption-aws-kms-key-id",
        "x-amz-storage-class",
        "x-amz-metadata-directive",
        "x-amz-copy-source",
        "x-amz-grant-read",
        "x-amz-grant-write",
        "x-amz-grant-read-acp",
        "x-amz-grant-write-acp",
        "x-amz-grant-full-control",
    ] {
        if let Some(v) = header(h, name) {
            keys.insert(&format!("s3:{name}"), v);
        }
    }
    let query = cx.uri().query().unwrap_or("");
    let mut presigned = false;
    let mut version_id = None;
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        match k.as_ref() {
            "prefix" => keys.insert("s3:prefix", v.as_ref()),
            "delimiter" => keys.insert("s3:delimiter", v.as_ref()),
            "max-keys" => keys.insert("s3:max-keys", v.as_ref()),
            "versionId" => {
                if version_id.is_none() {
                    version_id = Some(v.clone().into_owned());
                }
                keys.insert("s3:VersionId", v.as_ref())
            }
            "X-Amz-Signature" => {
                presigned = true;
                &mut keys
            }
            _ => &mut keys,
        };
    }
    if cx.credentials().is_some() {
        let auth_type = if presigned {
            "REST-QUERY-STRING"
        } else if cx.method() == http::Method::POST
            && header(h, "content-type").is_some_and(|c| c.starts_with("multipart/form-data"))
        {
            "POST"
        } else {
            "REST-HEADER"
        };
        keys.insert("s3:authType", auth_type);
        keys.insert("s3:signatureversion", "AWS4-HMAC-SHA256");
    }
    if let Some(tagging) = header(h, "x-amz-tagging") {
        let mut tag_keys = Vec::new();
        for (k, v) in form_urlencoded::parse(tagging.as_bytes()) {
            keys.insert(&format!("s3:RequestObjectTag/{k}"), v.as_ref());
            tag_keys.push(k.into_owned());
        }
        keys.set("s3:RequestObjectTagKeys", tag_keys);
    }
    (keys, version_id)
}

/// `x-amz-copy-source` as (bucket, key, versionId).
fn copy_source(h: &HeaderMap) -> Option<(String, String, Option<String>)> {
    let raw = header(h, "x-amz-copy-source")?;
    let (path, query) = match raw.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (raw, None),
    };
    let path = percent_encoding::percent_decode_str(path.trim_start_matches('/'))
        .decode_utf8()
        .ok()?;
    let (bucket, key) = path.split_once('/')?;
    let version = query.and_then(|q| {
        form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "versionId")
            .map(|(_, v)| v.into_owned())
    });
    Some((bucket.to_string(), key.to_string(), version))
}

fn denied() -> s3s::S3Error {
    s3s::s3_error!(AccessDenied, "Access Denied")
}

/// Whether a write also sets an ACL that opens access (it then needs
/// s3:PutObjectAcl). A canned ACL that only restates the default (the
/// owner has full control) opens nothing, so it needs no extra grant:
/// rclone sends `x-amz-acl: private` on every upload, and users granted
/// only s3:PutObject must still be able to use it.
fn sets_acl(h: &HeaderMap) -> bool {
    opens_canned(header(h, "x-amz-acl")) || h.keys().any(|k| k.as_str().starts_with("x-amz-grant-"))
}

/// Whether a canned ACL grants anything beyond the owner's default.
pub fn opens_canned(canned: Option<&str>) -> bool {
    canned.is_some_and(|v| {
        !matches!(
            v,
            "private" | "bucket-owner-full-control" | "bucket-owner-read"
        )
    })
}

/// Whether `caller` may also do `action` on `bucket/key` (the checks a
/// handler makes once it has parsed what the access hook cannot see, such
/// as the fields of a POST form).
pub fn may(
    authz: &Authorizer,
    caller: Option<&Caller>,
    action: &'static str,
    bucket: &str,
    key: &str,
    acl: AclNeed,
) -> bool {
    let Some(caller) = caller else {
        return false;
    };
    caller.is_root()
        || authz.allows(
            caller,
            &Ask {
                action,
                on: On::Object,
                bucket,
                key,
                version_id: None,
                acl,
            },
        )
}

#[async_trait::async_trait]
impl S3Access for PolicyAccess {
    async fn check(&self, cx: &mut S3AccessContext<'_>) -> S3Result<()> {
        let op_name = cx.s3_op().name().to_owned();
        let op = op_name.as_str();
        if let Some(slot) = cx.extensions_mut().get::<OpSlot>() {
            slot.set(op);
        }
        let identity = match cx.credentials() {
            None => None,
            Some(c) => Some(self.authz.iam().identity_of(&c.access_key).ok_or_else(|| {
                s3s::s3_error!(
                    InvalidAccessKeyId,
                    "The AWS Access Key Id you provided does not exist in our records."
                )
            })?),
        };
        let peer = cx.extensions_mut().get::<PeerAddr>().copied();
        let (keys, version_id) = request_keys(cx, peer, self.secure);
        let caller = self.authz.caller(identity, keys);
        cx.extensions_mut().insert(caller.clone());
        if caller.is_root() {
            return Ok(());
        }
        let Some(rule) = s3_actions::rule(op) else {
            return Err(denied());
        };
        let (bucket, key) = match cx.s3_path() {
            S3Path::Root => ("", ""),
            S3Path::Bucket { bucket } => (&**bucket, ""),
            S3Path::Object { bucket, key } => (&**bucket, &**key),
        };
        let action = match (&version_id, rule.versioned) {
            (Some(_), Some(v)) => v,
            _ => rule.action,
        };
        let ask = Ask {
            action,
            on: rule.on,
            bucket,
            key,
            version_id: version_id.as_deref(),
            acl: rule.acl,
        };
        if !self.authz.allows(&caller, &ask) {
            return Err(denied());
        }
        let h = cx.headers();
        let mut also: Vec<(&'static str, AclNeed)> = Vec::new();
        if matches!(op, "PutObject" | "CopyObject" | "CreateMultipartUpload") {
            if sets_acl(h) {
                also.push(("s3:PutObjectAcl", AclNeed::Object("WRITE_ACP")));
            }
            if h.contains_key("x-amz-tagging") {
                also.push(("s3:PutObjectTagging", AclNeed::None));
            }
        }
        for (action, acl) in also {
            let ask = Ask { action, acl, ..ask };
            if !self.authz.allows(&caller, &ask) {
                return Err(denied());
            }
        }
        if op == "CreateBucket" && sets_acl(h) {
            let ask = Ask {
                action: "s3:PutBucketAcl",
                acl: AclNeed::None,
                ..ask
            };
            if !self.authz.allows(&caller, &ask) {
                return Err(denied());
            }
        }
        if matches!(op, "CopyObject" | "UploadPartCopy") {
            let (src_bucket, src_key, src_version) = copy_source(h).ok_or_else(|| {
                s3s::s3_error!(
                    InvalidArgument,
                    "Copy Source must mention the source bucket and key: sourcebucket/sourcekey"
                )
            })?;
            let ask = Ask {
                action: if src_version.is_some() {
                    "s3:GetObjectVersion"
                } else {
                    "s3:GetObject"
                },
                on: On::Object,
                bucket: &src_bucket,
                key: &src_key,
                version_id: src_version.as_deref(),
                acl: AclNeed::Object("READ"),
            };
            if !self.authz.allows(&caller, &ask) {
                return Err(denied());
            }
        }
        Ok(())
    }
}

/// Whether `caller` may delete `key` (DeleteObjects checks each key).
pub fn may_delete(
    authz: &Authorizer,
    caller: Option<&Caller>,
    bucket: &str,
    key: &str,
    version_id: Option<&str>,
) -> bool {
    let Some(caller) = caller else {
        return false;
    };
    authz.allows(
        caller,
        &Ask {
            action: if version_id.is_some() {
                "s3:DeleteObjectVersion"
            } else {
                "s3:DeleteObject"
            },
            on: On::Object,
            bucket,
            key,
            version_id,
            acl: AclNeed::Bucket("WRITE"),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_sources() {
        let mut h = HeaderMap::new();
        let table = [
            ("src/a/b.jpg", Some(("src", "a/b.jpg", None))),
            ("/src/a%20b", Some(("src", "a b", None))),
            ("src/k?versionId=v1", Some(("src", "k", Some("v1")))),
            ("nokey", None),
        ];
        for (raw, want) in table {
            h.insert("x-amz-copy-source", raw.parse().expect("header value"));
            let got = copy_source(&h);
            let got = got
                .as_ref()
                .map(|(b, k, v)| (b.as_str(), k.as_str(), v.as_deref()));
            assert_eq!(got, want, "{raw}");
        }
    }

    #[test]
    fn acl_headers() {
        let mut h = HeaderMap::new();
        assert!(!sets_acl(&h));
        h.insert("x-amz-grant-read", "uri=x".parse().expect("header value"));
        assert!(sets_acl(&h));
        let mut h = HeaderMap::new();
        h.insert("x-amz-acl", "public-read".parse().expect("header value"));
        assert!(sets_acl(&h));
        h.insert("x-amz-acl", "private".parse().expect("header value"));
        assert!(!sets_acl(&h), "restating the default opens nothing");
    }
}
