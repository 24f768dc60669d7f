//! Groups: CreateGroup, GetGroup (with its users), ListGroups,
//! DeleteGroup (refused while it has members or policies, as AWS),
//! AddUserToGroup, RemoveUserFromGroup, ListGroupsForUser. A user's
//! effective policies include its groups' (see `model::documents_of`).

use super::super::error::IamError;
use super::super::model::Group;
use super::super::store::user;
use super::params::page;
use super::users::write_user;
use super::xml::{Xml, iso};
use super::{Ctx, new_id, now};

fn write_group(x: &mut Xml, ctx: &Ctx<'_>, g: &Group) {
    x.leaf("Path", &g.path)
        .leaf("GroupName", &g.name)
        .leaf("GroupId", &g.group_id)
        .leaf("Arn", &ctx.iam.account().group_arn(&g.path, &g.name))
        .leaf("CreateDate", &iso(g.created));
}

fn group<'a>(state: &'a super::super::model::IamState, name: &str) -> Result<&'a Group, IamError> {
    state.groups.get(name).ok_or_else(|| {
        IamError::NoSuchEntity(format!("The group with name {name} cannot be found."))
    })
}

pub(super) async fn handle(ctx: &Ctx<'_>) -> Result<String, IamError> {
    let acct = ctx.iam.account().clone();
    match ctx.action {
        "CreateGroup" => {
            let name = ctx.p.name("GroupName", 128)?.to_string();
            let path = ctx.p.path("Path")?;
            ctx.require(&acct.group_arn(&path, &name))?;
            let group_id = new_id("AGPA", 21)?;
            let g = ctx
                .iam
                .update(|s| {
                    if s.groups.keys().any(|g| g.eq_ignore_ascii_case(&name)) {
                        return Err(IamError::EntityAlreadyExists(format!(
                            "Group with name {name} already exists."
                        )));
                    }
                    let g = Group {
                        name: name.clone(),
                        group_id,
                        path,
                        created: now(),
                        members: Default::default(),
                        inline: Default::default(),
                        attached: Default::default(),
                    };
                    s.groups.insert(name.clone(), g.clone());
                    Ok(g)
                })
                .await?;
            ctx.ok(|x| {
                x.node("Group", |x| write_group(x, ctx, &g));
            })
        }
        "GetGroup" => {
            let name = ctx.p.name("GroupName", 128)?.to_string();
            let state = ctx.iam.state();
            let g = group(&state, &name)?;
            ctx.require(&acct.group_arn(&g.path, &g.name))?;
            let users: Vec<_> = g
                .members
                .iter()
                .filter_map(|m| state.users.get(m))
                .collect();
            ctx.ok(|x| {
                x.node("Group", |x| write_group(x, ctx, g));
                x.members("Users", users, |x, u| write_user(x, ctx, u, false));
                x.leaf("IsTruncated", "false");
            })
        }
        "ListGroups" => {
            ctx.require(&format!("arn:aws:iam::{}:group/", acct.id))?;
            let prefix = ctx.p.get("PathPrefix").unwrap_or("/");
            let (max, marker) = ctx.p.paging()?;
            let state = ctx.iam.state();
            let groups: Vec<&Group> = state
                .groups
                .values()
                .filter(|g| g.path.starts_with(prefix))
                .collect();
            let (groups, next) = page(groups, |g| g.name.clone(), max, marker);
            ctx.ok(|x| {
                x.members("Groups", groups, |x, g| write_group(x, ctx, g));
                x.leaf("IsTruncated", if next.is_some() { "true" } else { "false" });
                if let Some(m) = &next {
                    x.leaf("Marker", m);
                }
            })
        }
        "DeleteGroup" => {
            let name = ctx.p.name("GroupName", 128)?.to_string();
            {
                let state = ctx.iam.state();
                let g = group(&state, &name)?;
                ctx.require(&acct.group_arn(&g.path, &g.name))?;
            }
            ctx.iam
                .update(|s| {
                    let g = group(s, &name)?;
                    if !g.members.is_empty() {
                        return Err(IamError::DeleteConflict(
                            "Cannot delete entity, must remove users from group first.".into(),
                        ));
                    }
                    if !g.inline.is_empty() || !g.attached.is_empty() {
                        return Err(IamError::DeleteConflict(
                            "Cannot delete entity, must delete policies first.".into(),
                        ));
                    }
                    s.groups.remove(&name);
                    Ok(())
                })
                .await?;
            ctx.done()
        }
        "AddUserToGroup" | "RemoveUserFromGroup" => {
            let name = ctx.p.name("GroupName", 128)?.to_string();
            let member = ctx.p.name("UserName", 64)?.to_string();
            {
                let state = ctx.iam.state();
                let g = group(&state, &name)?;
                ctx.require(&acct.group_arn(&g.path, &g.name))?;
                user(&state, &member)?;
            }
            let add = ctx.action == "AddUserToGroup";
            ctx.iam
                .update(|s| {
                    user(s, &member)?;
                    let g = s.groups.get_mut(&name).ok_or_else(|| {
                        IamError::NoSuchEntity(format!(
                            "The group with name {name} cannot be found."
                        ))
                    })?;
                    if add {
                        g.members.insert(member.clone());
                    } else if !g.members.remove(&member) {
                        return Err(IamError::NoSuchEntity(format!(
                            "The user with name {member} cannot be found in group {name}."
                        )));
                    }
                    Ok(())
                })
                .await?;
            ctx.done()
        }
        "ListGroupsForUser" => {
            let member = ctx.p.name("UserName", 64)?.to_string();
            let state = ctx.iam.state();
            let u = user(&state, &member)?;
            ctx.require(&acct.user_arn(&u.path, &u.name))?;
            let groups = state.groups_of(&member);
            ctx.ok(|x| {
                x.members("Groups", groups, |x, g| write_group(x, ctx, g));
                x.leaf("IsTruncated", "false");
            })
        }
        _ => Err(IamError::InvalidAction(ctx.action.to_string())),
    }
}
