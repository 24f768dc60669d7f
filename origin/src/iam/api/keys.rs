//! Access keys: CreateAccessKey (the secret is returned this once and
//! stored sealed with the master key), ListAccessKeys, UpdateAccessKey
//! (Active / Inactive, effective at once), DeleteAccessKey and
//! GetAccessKeyLastUsed. Two keys per user, as AWS.

use super::super::error::IamError;
use super::super::model::AccessKey;
use super::super::store::user;
use super::xml::iso;
use super::{Ctx, new_id, new_secret, now};

/// Keys one user may have.
const MAX_KEYS: usize = 2;

fn status(active: bool) -> &'static str {
    if active { "Active" } else { "Inactive" }
}

/// The key `id` of `user` (AWS answers NoSuchEntity for another user's).
fn key_of<'a>(
    state: &'a super::super::model::IamState,
    id: &str,
    user: &str,
) -> Result<&'a AccessKey, IamError> {
    state
        .keys
        .get(id)
        .filter(|k| k.user == user)
        .ok_or_else(|| {
            IamError::NoSuchEntity(format!("The Access Key with id {id} cannot be found."))
        })
}

pub(super) async fn handle(ctx: &Ctx<'_>) -> Result<String, IamError> {
    let acct = ctx.iam.account().clone();
    match ctx.action {
        "CreateAccessKey" => {
            let name = ctx.user_name()?;
            let path = {
                let state = ctx.iam.state();
                user(&state, &name)?.path.clone()
            };
            ctx.require(&acct.user_arn(&path, &name))?;
            let id = new_id("AKIA", 20)?;
            let secret = new_secret()?;
            let sealed = ctx
                .iam
                .master()
                .seal(secret.as_bytes(), &id)
                .map_err(|e| IamError::Internal(e.to_string()))?;
            let created = ctx
                .iam
                .update(|s| {
                    user(s, &name)?;
                    if s.keys.values().filter(|k| k.user == name).count() >= MAX_KEYS {
                        return Err(IamError::LimitExceeded(format!(
                            "Cannot exceed quota for AccessKeysPerUser: {MAX_KEYS}"
                        )));
                    }
                    let k = AccessKey {
                        access_key_id: id.clone(),
                        user: name.clone(),
                        secret_sealed: sealed,
                        active: true,
                        created: now(),
                    };
                    s.keys.insert(id.clone(), k.clone());
                    Ok(k)
                })
                .await?;
            ctx.ok(|x| {
                x.node("AccessKey", |x| {
                    x.leaf("UserName", &created.user)
                        .leaf("AccessKeyId", &created.access_key_id)
                        .leaf("Status", status(created.active))
                        .leaf("SecretAccessKey", &secret)
                        .leaf("CreateDate", &iso(created.created));
                });
            })
        }
        "ListAccessKeys" => {
            let name = ctx.user_name()?;
            let state = ctx.iam.state();
            let u = user(&state, &name)?;
            ctx.require(&acct.user_arn(&u.path, &u.name))?;
            let keys: Vec<&AccessKey> = state.keys.values().filter(|k| k.user == name).collect();
            ctx.ok(|x| {
                x.members("AccessKeyMetadata", keys, |x, k| {
                    x.leaf("UserName", &k.user)
                        .leaf("AccessKeyId", &k.access_key_id)
                        .leaf("Status", status(k.active))
                        .leaf("CreateDate", &iso(k.created));
                });
                x.leaf("IsTruncated", "false");
            })
        }
        "UpdateAccessKey" | "DeleteAccessKey" => {
            let id = ctx.p.required("AccessKeyId")?.to_string();
            let name = ctx.user_name()?;
            let active = if ctx.action == "UpdateAccessKey" {
                match ctx.p.required("Status")? {
                    "Active" => Some(true),
                    "Inactive" => Some(false),
                    other => {
                        return Err(IamError::Validation(format!(
                            "1 validation error detected: Value '{other}' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]"
                        )));
                    }
                }
            } else {
                None
            };
            {
                let state = ctx.iam.state();
                let u = user(&state, &name)?;
                ctx.require(&acct.user_arn(&u.path, &u.name))?;
                key_of(&state, &id, &name)?;
            }
            ctx.iam
                .update(|s| {
                    key_of(s, &id, &name)?;
                    match active {
                        Some(a) => {
                            if let Some(k) = s.keys.get_mut(&id) {
                                k.active = a;
                            }
                        }
                        None => {
                            s.keys.remove(&id);
                        }
                    }
                    Ok(())
                })
                .await?;
            ctx.done()
        }
        "GetAccessKeyLastUsed" => {
            let id = ctx.p.required("AccessKeyId")?.to_string();
            let state = ctx.iam.state();
            let k = state.keys.get(&id).ok_or_else(|| {
                IamError::AccessDenied(format!("The Access Key with id {id} cannot be found."))
            })?;
            let u = user(&state, &k.user)?;
            ctx.require(&acct.user_arn(&u.path, &u.name))?;
            let used = ctx.iam.last_used(&id);
            ctx.ok(|x| {
                x.leaf("UserName", &k.user);
                x.node("AccessKeyLastUsed", |x| match &used {
                    Some((t, service, region)) => {
                        x.leaf("LastUsedDate", &iso(*t))
                            .leaf("ServiceName", service)
                            .leaf("Region", region);
                    }
                    None => {
                        x.leaf("ServiceName", "N/A").leaf("Region", "N/A");
                    }
                });
            })
        }
        _ => Err(IamError::InvalidAction(ctx.action.to_string())),
    }
}
