//! Users: CreateUser, GetUser, ListUsers, UpdateUser, DeleteUser and their
//! tags (TagUser, UntagUser, ListUserTags), with IAM's limits (50 tags,
//! keys of 1-128 and values of up to 256 characters) and conflicts (a user
//! with keys, policies or groups cannot be deleted).

use super::super::error::IamError;
use super::super::model::User;
use super::super::store::user;
use super::params::{check_name, page};
use super::xml::{Xml, iso};
use super::{Ctx, new_id, now};

/// Most tags on one user.
const MAX_TAGS: usize = 50;

/// Writes a `<User>` element's children.
pub(super) fn write_user(x: &mut Xml, ctx: &Ctx<'_>, u: &User, with_tags: bool) {
    x.leaf("Path", &u.path)
        .leaf("UserName", &u.name)
        .leaf("UserId", &u.user_id)
        .leaf("Arn", &ctx.iam.account().user_arn(&u.path, &u.name))
        .leaf("CreateDate", &iso(u.created));
    if with_tags && !u.tags.is_empty() {
        x.members("Tags", &u.tags, |x, (k, v)| {
            x.leaf("Key", k).leaf("Value", v);
        });
    }
}

/// Parses `Tags.member.N.Key/Value` with IAM's limits.
fn tags(ctx: &Ctx<'_>) -> Result<Vec<(String, String)>, IamError> {
    let mut out = Vec::new();
    for m in ctx.p.members("Tags") {
        let get = |f: &str| m.iter().find(|(k, _)| k == f).map(|(_, v)| v.clone());
        let key = get("Key").unwrap_or_default();
        let value = get("Value").unwrap_or_default();
        if key.is_empty() || key.chars().count() > 128 {
            return Err(IamError::Validation(format!(
                "1 validation error detected: Value '{key}' at 'tags.member.key' failed to satisfy constraint: Member must have length between 1 and 128"
            )));
        }
        if value.chars().count() > 256 {
            return Err(IamError::Validation(
                "1 validation error detected: Value at 'tags.member.value' failed to satisfy constraint: Member must have length less than or equal to 256".into(),
            ));
        }
        if key.to_ascii_lowercase().starts_with("aws:") {
            return Err(IamError::InvalidInput(
                "User-defined tags cannot begin with aws:".into(),
            ));
        }
        out.push((key, value));
    }
    Ok(out)
}

/// Adds `new` to `tags` (replacing values of existing keys).
fn merge_tags(
    tags: &mut Vec<(String, String)>,
    new: Vec<(String, String)>,
) -> Result<(), IamError> {
    for (k, v) in new {
        match tags.iter_mut().find(|(tk, _)| tk.eq_ignore_ascii_case(&k)) {
            Some(slot) => slot.1 = v,
            None => tags.push((k, v)),
        }
    }
    if tags.len() > MAX_TAGS {
        return Err(IamError::LimitExceeded(format!(
            "The number of tags has reached the maximum limit of {MAX_TAGS}."
        )));
    }
    Ok(())
}

pub(super) async fn handle(ctx: &Ctx<'_>) -> Result<String, IamError> {
    let acct = ctx.iam.account().clone();
    match ctx.action {
        "CreateUser" => {
            let name = ctx.p.name("UserName", 64)?.to_string();
            let path = ctx.p.path("Path")?;
            ctx.require(&acct.user_arn(&path, &name))?;
            let mut t = Vec::new();
            merge_tags(&mut t, tags(ctx)?)?;
            let user_id = new_id("AIDA", 21)?;
            let created = ctx
                .iam
                .update(|s| {
                    if s.users.keys().any(|u| u.eq_ignore_ascii_case(&name)) {
                        return Err(IamError::EntityAlreadyExists(format!(
                            "User with name {name} already exists."
                        )));
                    }
                    let u = User {
                        name: name.clone(),
                        user_id,
                        path,
                        created: now(),
                        tags: t,
                        inline: Default::default(),
                        attached: Default::default(),
                    };
                    s.users.insert(name.clone(), u.clone());
                    Ok(u)
                })
                .await?;
            ctx.ok(|x| {
                x.node("User", |x| write_user(x, ctx, &created, true));
            })
        }
        "GetUser" => {
            let name = ctx.user_name()?;
            let state = ctx.iam.state();
            let u = user(&state, &name)?;
            ctx.require(&acct.user_arn(&u.path, &u.name))?;
            ctx.ok(|x| {
                x.node("User", |x| write_user(x, ctx, u, true));
            })
        }
        "ListUsers" => {
            ctx.require(&format!("arn:aws:iam::{}:user/", acct.id))?;
            let prefix = ctx.p.get("PathPrefix").unwrap_or("/");
            let (max, marker) = ctx.p.paging()?;
            let state = ctx.iam.state();
            let users: Vec<&User> = state
                .users
                .values()
                .filter(|u| u.path.starts_with(prefix))
                .collect();
            let (users, next) = page(users, |u| u.name.clone(), max, marker);
            ctx.ok(|x| {
                x.members("Users", users, |x, u| write_user(x, ctx, u, false));
                x.leaf("IsTruncated", if next.is_some() { "true" } else { "false" });
                if let Some(m) = &next {
                    x.leaf("Marker", m);
                }
            })
        }
        "UpdateUser" => {
            let name = ctx.p.name("UserName", 64)?.to_string();
            let new_name = ctx.p.get("NewUserName").map(str::to_string);
            if let Some(n) = &new_name {
                check_name("NewUserName", n, 64)?;
            }
            let new_path = ctx
                .p
                .get("NewPath")
                .map(|_| ctx.p.path("NewPath"))
                .transpose()?;
            {
                let state = ctx.iam.state();
                let u = user(&state, &name)?;
                ctx.require(&acct.user_arn(&u.path, &u.name))?;
            }
            ctx.iam
                .update(|s| {
                    let mut u = s.users.remove(&name).ok_or_else(|| {
                        IamError::NoSuchEntity(format!(
                            "The user with name {name} cannot be found."
                        ))
                    })?;
                    if let Some(p) = new_path {
                        u.path = p;
                    }
                    if let Some(n) = new_name {
                        if n != name && s.users.keys().any(|x| x.eq_ignore_ascii_case(&n)) {
                            return Err(IamError::EntityAlreadyExists(format!(
                                "User with name {n} already exists."
                            )));
                        }
                        for k in s.keys.values_mut().filter(|k| k.user == name) {
                            k.user = n.clone();
                        }
                        for g in s.groups.values_mut() {
                            if g.members.remove(&name) {
                                g.members.insert(n.clone());
                            }
                        }
                        u.name = n;
                    }
                    s.users.insert(u.name.clone(), u);
                    Ok(())
                })
                .await?;
            ctx.done()
        }
        "DeleteUser" => {
            let name = ctx.p.name("UserName", 64)?.to_string();
            {
                let state = ctx.iam.state();
                let u = user(&state, &name)?;
                ctx.require(&acct.user_arn(&u.path, &u.name))?;
            }
            ctx.iam
                .update(|s| {
                    let u = user(s, &name)?;
                    let conflict = |what: &str| {
                        Err(IamError::DeleteConflict(format!(
                            "Cannot delete entity, must {what} first."
                        )))
                    };
                    if s.keys.values().any(|k| k.user == name) {
                        return conflict("delete access keys");
                    }
                    if !u.inline.is_empty() {
                        return conflict("delete policies");
                    }
                    if !u.attached.is_empty() {
                        return conflict("detach all policies");
                    }
                    if s.groups.values().any(|g| g.members.contains(&name)) {
                        return conflict("remove users from group");
                    }
                    s.users.remove(&name);
                    Ok(())
                })
                .await?;
            ctx.done()
        }
        "TagUser" | "UntagUser" => {
            let name = ctx.p.name("UserName", 64)?.to_string();
            {
                let state = ctx.iam.state();
                let u = user(&state, &name)?;
                ctx.require(&acct.user_arn(&u.path, &u.name))?;
            }
            let add = if ctx.action == "TagUser" {
                tags(ctx)?
            } else {
                Vec::new()
            };
            let remove: Vec<String> = ctx
                .p
                .members("TagKeys")
                .into_iter()
                .filter_map(|m| m.into_iter().next().map(|(_, v)| v))
                .collect();
            ctx.iam
                .update(|s| {
                    let u = s.users.get_mut(&name).ok_or_else(|| {
                        IamError::NoSuchEntity(format!(
                            "The user with name {name} cannot be found."
                        ))
                    })?;
                    merge_tags(&mut u.tags, add)?;
                    u.tags
                        .retain(|(k, _)| !remove.iter().any(|r| r.eq_ignore_ascii_case(k)));
                    Ok(())
                })
                .await?;
            ctx.done()
        }
        "ListUserTags" => {
            let name = ctx.p.name("UserName", 64)?.to_string();
            let state = ctx.iam.state();
            let u = user(&state, &name)?;
            ctx.require(&acct.user_arn(&u.path, &u.name))?;
            ctx.ok(|x| {
                x.members("Tags", &u.tags, |x, (k, v)| {
                    x.leaf("Key", k).leaf("Value", v);
                });
                x.leaf("IsTruncated", "false");
            })
        }
        _ => Err(IamError::InvalidAction(ctx.action.to_string())),
    }
}
