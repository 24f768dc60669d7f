//! Policies: inline user and group policies (Put/Get/List/Delete), customer
//! managed policies (Create/Get/GetVersion/List/ListVersions/Delete, one
//! version `v1`), the AWS managed policies Gureum provides, and attaching
//! them to users and groups. Every document is validated by the policy
//! language when it is put (MalformedPolicyDocument), never at request
//! time, and kept as given; IAM's size quotas apply.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use super::super::error::IamError;
use super::super::model::{AWS_MANAGED, AWS_MANAGED_PREFIX, IamState, ManagedPolicy, aws_managed};
use super::super::policy::{Policy, PolicyKind};
use super::super::store::user;
use super::params::page;
use super::xml::{Xml, iso};
use super::{Ctx, new_id, now};

/// IAM returns policy documents URL-encoded (RFC 3986).
const DOC_ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Quotas on policy size (characters, whitespace not counted).
const USER_INLINE_MAX: usize = 2048;
const GROUP_INLINE_MAX: usize = 5120;
const MANAGED_MAX: usize = 6144;

fn size(doc: &str) -> usize {
    doc.chars().filter(|c| !c.is_whitespace()).count()
}

/// Parses and validates an identity policy document.
fn validate(doc: &str) -> Result<(), IamError> {
    Policy::parse(doc, PolicyKind::Identity)
        .map(|_| ())
        .map_err(|e| IamError::MalformedPolicyDocument(e.message()))
}

fn encode_doc(doc: &str) -> String {
    utf8_percent_encode(doc, DOC_ENCODE).to_string()
}

/// A managed policy ARN's target: AWS managed (by name) or customer (name).
enum Target {
    Aws(&'static str),
    Customer(String),
}

fn target(ctx: &Ctx<'_>, arn: &str, state: &IamState) -> Result<Target, IamError> {
    let missing =
        || IamError::NoSuchEntity(format!("Policy {arn} does not exist or is not attachable."));
    if let Some(name) = arn.strip_prefix(AWS_MANAGED_PREFIX) {
        let (n, _) = AWS_MANAGED
            .iter()
            .find(|(n, _)| *n == name)
            .ok_or_else(missing)?;
        return Ok(Target::Aws(n));
    }
    let own = format!("arn:aws:iam::{}:policy/", ctx.iam.account().id);
    if !arn.starts_with(&own) {
        return Err(IamError::InvalidInput(format!("ARN {arn} is not valid.")));
    }
    let name = arn.rsplit('/').next().unwrap_or_default();
    let p = state.policies.get(name).ok_or_else(missing)?;
    if ctx.iam.account().policy_arn(&p.path, &p.name) != arn {
        return Err(missing());
    }
    Ok(Target::Customer(name.to_string()))
}

fn write_policy(x: &mut Xml, ctx: &Ctx<'_>, p: &ManagedPolicy, state: &IamState) {
    let arn = ctx.iam.account().policy_arn(&p.path, &p.name);
    x.leaf("PolicyName", &p.name)
        .leaf("PolicyId", &p.policy_id)
        .leaf("Arn", &arn)
        .leaf("Path", &p.path)
        .leaf("DefaultVersionId", "v1")
        .leaf("AttachmentCount", &state.attachment_count(&arn).to_string())
        .leaf("PermissionsBoundaryUsageCount", "0")
        .leaf("IsAttachable", "true");
    if !p.description.is_empty() {
        x.leaf("Description", &p.description);
    }
    x.leaf("CreateDate", &iso(p.created))
        .leaf("UpdateDate", &iso(p.created));
}

fn write_aws_policy(x: &mut Xml, name: &str, state: &IamState) {
    let arn = format!("{AWS_MANAGED_PREFIX}{name}");
    x.leaf("PolicyName", name)
        .leaf("PolicyId", &format!("ANPAGUREUM{}", name.len()))
        .leaf("Arn", &arn)
        .leaf("Path", "/")
        .leaf("DefaultVersionId", "v1")
        .leaf("AttachmentCount", &state.attachment_count(&arn).to_string())
        .leaf("PermissionsBoundaryUsageCount", "0")
        .leaf("IsAttachable", "true")
        .leaf("CreateDate", &iso(0))
        .leaf("UpdateDate", &iso(0));
}

/// Whose inline policies or attachments a call is about.
#[derive(Clone, Copy)]
enum Owner {
    User,
    Group,
}

pub(super) async fn handle(ctx: &Ctx<'_>) -> Result<String, IamError> {
    let acct = ctx.iam.account().clone();
    let owner = if ctx.action.contains("Group") {
        Owner::Group
    } else {
        Owner::User
    };
    // The ARN the call is authorised on, and the entity's name, for the
    // calls about a user's or group's policies.
    let entity = |state: &IamState| -> Result<(String, String), IamError> {
        match owner {
            Owner::User => {
                let name = ctx.p.name("UserName", 64)?.to_string();
                let u = user(state, &name)?;
                Ok((name, acct.user_arn(&u.path, &u.name)))
            }
            Owner::Group => {
                let name = ctx.p.name("GroupName", 128)?.to_string();
                let g = state.groups.get(&name).ok_or_else(|| {
                    IamError::NoSuchEntity(format!("The group with name {name} cannot be found."))
                })?;
                Ok((name, acct.group_arn(&g.path, &g.name)))
            }
        }
    };
    match ctx.action {
        "PutUserPolicy" | "PutGroupPolicy" => {
            let (name, arn) = entity(&ctx.iam.state())?;
            ctx.require(&arn)?;
            let policy_name = ctx.p.name("PolicyName", 128)?.to_string();
            let doc = ctx.p.required("PolicyDocument")?.to_string();
            validate(&doc)?;
            ctx.iam
                .update(|s| {
                    let (inline, max) = match owner {
                        Owner::User => (
                            s.users.get_mut(&name).map(|u| &mut u.inline),
                            USER_INLINE_MAX,
                        ),
                        Owner::Group => (
                            s.groups.get_mut(&name).map(|g| &mut g.inline),
                            GROUP_INLINE_MAX,
                        ),
                    };
                    let inline = inline.ok_or_else(|| {
                        IamError::NoSuchEntity(format!("{name} cannot be found."))
                    })?;
                    let total: usize = inline
                        .iter()
                        .filter(|(n, _)| **n != policy_name)
                        .map(|(_, d)| size(d))
                        .sum::<usize>()
                        + size(&doc);
                    if total > max {
                        return Err(IamError::LimitExceeded(format!(
                            "Maximum policy size of {max} bytes exceeded for {name}"
                        )));
                    }
                    inline.insert(policy_name, doc);
                    Ok(())
                })
                .await?;
            ctx.done()
        }
        "GetUserPolicy" | "GetGroupPolicy" => {
            let state = ctx.iam.state();
            let (name, arn) = entity(&state)?;
            ctx.require(&arn)?;
            let policy_name = ctx.p.required("PolicyName")?;
            let inline = match owner {
                Owner::User => state.users.get(&name).map(|u| &u.inline),
                Owner::Group => state.groups.get(&name).map(|g| &g.inline),
            };
            let doc = inline.and_then(|i| i.get(policy_name)).ok_or_else(|| {
                IamError::NoSuchEntity(format!(
                    "The {} policy with name {policy_name} cannot be found.",
                    match owner {
                        Owner::User => "user",
                        Owner::Group => "group",
                    }
                ))
            })?;
            ctx.ok(|x| {
                match owner {
                    Owner::User => x.leaf("UserName", &name),
                    Owner::Group => x.leaf("GroupName", &name),
                };
                x.leaf("PolicyName", policy_name)
                    .leaf("PolicyDocument", &encode_doc(doc));
            })
        }
        "ListUserPolicies" | "ListGroupPolicies" => {
            let state = ctx.iam.state();
            let (name, arn) = entity(&state)?;
            ctx.require(&arn)?;
            let names: Vec<&String> = match owner {
                Owner::User => state.users.get(&name).map(|u| u.inline.keys().collect()),
                Owner::Group => state.groups.get(&name).map(|g| g.inline.keys().collect()),
            }
            .unwrap_or_default();
            ctx.ok(|x| {
                x.members("PolicyNames", names, |x, n| {
                    x.text(n);
                });
                x.leaf("IsTruncated", "false");
            })
        }
        "DeleteUserPolicy" | "DeleteGroupPolicy" => {
            let (name, arn) = entity(&ctx.iam.state())?;
            ctx.require(&arn)?;
            let policy_name = ctx.p.required("PolicyName")?.to_string();
            ctx.iam
                .update(|s| {
                    let inline = match owner {
                        Owner::User => s.users.get_mut(&name).map(|u| &mut u.inline),
                        Owner::Group => s.groups.get_mut(&name).map(|g| &mut g.inline),
                    };
                    inline
                        .and_then(|i| i.remove(&policy_name))
                        .map(|_| ())
                        .ok_or_else(|| {
                            IamError::NoSuchEntity(format!(
                                "The policy with name {policy_name} cannot be found."
                            ))
                        })
                })
                .await?;
            ctx.done()
        }
        "CreatePolicy" => {
            let name = ctx.p.name("PolicyName", 128)?.to_string();
            let path = ctx.p.path("Path")?;
            let arn = acct.policy_arn(&path, &name);
            ctx.require(&arn)?;
            let doc = ctx.p.required("PolicyDocument")?.to_string();
            if size(&doc) > MANAGED_MAX {
                return Err(IamError::LimitExceeded(format!(
                    "Cannot exceed quota for PolicySize: {MANAGED_MAX}"
                )));
            }
            validate(&doc)?;
            let description = ctx.p.get("Description").unwrap_or_default().to_string();
            let policy_id = new_id("ANPA", 21)?;
            let p = ctx
                .iam
                .update(|s| {
                    if s.policies.contains_key(&name) {
                        return Err(IamError::EntityAlreadyExists(format!(
                            "A policy called {name} already exists. Duplicate names are not allowed."
                        )));
                    }
                    let p = ManagedPolicy {
                        name: name.clone(),
                        policy_id,
                        path,
                        description,
                        created: now(),
                        document: doc,
                    };
                    s.policies.insert(name.clone(), p.clone());
                    Ok(p)
                })
                .await?;
            let state = ctx.iam.state();
            ctx.ok(|x| {
                x.node("Policy", |x| write_policy(x, ctx, &p, &state));
            })
        }
        "GetPolicy" | "GetPolicyVersion" | "ListPolicyVersions" => {
            let arn = ctx.p.required("PolicyArn")?.to_string();
            ctx.require(&arn)?;
            let state = ctx.iam.state();
            let t = target(ctx, &arn, &state)?;
            let (doc, created) = match &t {
                Target::Aws(n) => (aws_managed(n).unwrap_or_default(), 0),
                Target::Customer(n) => state
                    .policies
                    .get(n)
                    .map(|p| (p.document.as_str(), p.created))
                    .unwrap_or_default(),
            };
            let version = |x: &mut Xml, with_doc: bool| {
                if with_doc {
                    x.leaf("Document", &encode_doc(doc));
                }
                x.leaf("VersionId", "v1")
                    .leaf("IsDefaultVersion", "true")
                    .leaf("CreateDate", &iso(created));
            };
            match ctx.action {
                "GetPolicy" => ctx.ok(|x| {
                    x.node("Policy", |x| match &t {
                        Target::Aws(n) => write_aws_policy(x, n, &state),
                        Target::Customer(n) => {
                            if let Some(p) = state.policies.get(n) {
                                write_policy(x, ctx, p, &state);
                            }
                        }
                    });
                }),
                "GetPolicyVersion" => {
                    let v = ctx.p.required("VersionId")?;
                    if v != "v1" {
                        return Err(IamError::NoSuchEntity(format!(
                            "Policy {arn} version {v} does not exist or is not attachable."
                        )));
                    }
                    ctx.ok(|x| {
                        x.node("PolicyVersion", |x| version(x, true));
                    })
                }
                _ => ctx.ok(|x| {
                    x.node("Versions", |x| {
                        x.node("member", |x| version(x, false));
                    });
                    x.leaf("IsTruncated", "false");
                }),
            }
        }
        "ListPolicies" => {
            ctx.require(&format!("arn:aws:iam::{}:policy/", acct.id))?;
            let scope = ctx.p.get("Scope").unwrap_or("All");
            let only_attached = ctx.p.get("OnlyAttached") == Some("true");
            let prefix = ctx.p.get("PathPrefix").unwrap_or("/");
            let (max, marker) = ctx.p.paging()?;
            let state = ctx.iam.state();
            // Entries: (sort key, AWS name or customer name).
            let mut entries: Vec<(String, Option<&'static str>, Option<&ManagedPolicy>)> =
                Vec::new();
            if scope == "All" || scope == "AWS" {
                for (n, _) in AWS_MANAGED {
                    entries.push((format!("0{n}"), Some(*n), None));
                }
            }
            if scope == "All" || scope == "Local" {
                for p in state
                    .policies
                    .values()
                    .filter(|p| p.path.starts_with(prefix))
                {
                    entries.push((format!("1{}", p.name), None, Some(p)));
                }
            }
            if only_attached {
                entries.retain(|(_, aws, local)| {
                    let arn = match (aws, local) {
                        (Some(n), _) => format!("{AWS_MANAGED_PREFIX}{n}"),
                        (_, Some(p)) => acct.policy_arn(&p.path, &p.name),
                        _ => String::new(),
                    };
                    state.attachment_count(&arn) > 0
                });
            }
            let (entries, next) = page(entries, |e| e.0.clone(), max, marker);
            ctx.ok(|x| {
                x.members("Policies", entries, |x, (_, aws, local)| {
                    match (aws, local) {
                        (Some(n), _) => write_aws_policy(x, n, &state),
                        (_, Some(p)) => write_policy(x, ctx, p, &state),
                        _ => {}
                    }
                });
                x.leaf("IsTruncated", if next.is_some() { "true" } else { "false" });
                if let Some(m) = &next {
                    x.leaf("Marker", m);
                }
            })
        }
        "DeletePolicy" => {
            let arn = ctx.p.required("PolicyArn")?.to_string();
            ctx.require(&arn)?;
            ctx.iam
                .update(|s| {
                    let Target::Customer(name) = target(ctx, &arn, s)? else {
                        return Err(IamError::InvalidInput(
                            "AWS managed policies cannot be deleted.".into(),
                        ));
                    };
                    if s.attachment_count(&arn) > 0 {
                        return Err(IamError::DeleteConflict(
                            "Cannot delete a policy attached to entities.".into(),
                        ));
                    }
                    s.policies.remove(&name);
                    Ok(())
                })
                .await?;
            ctx.done()
        }
        "AttachUserPolicy" | "DetachUserPolicy" | "AttachGroupPolicy" | "DetachGroupPolicy" => {
            let (name, entity_arn) = entity(&ctx.iam.state())?;
            ctx.require(&entity_arn)?;
            let arn = ctx.p.required("PolicyArn")?.to_string();
            let attach = ctx.action.starts_with("Attach");
            ctx.iam
                .update(|s| {
                    target(ctx, &arn, s)?;
                    let set = match owner {
                        Owner::User => s.users.get_mut(&name).map(|u| &mut u.attached),
                        Owner::Group => s.groups.get_mut(&name).map(|g| &mut g.attached),
                    }
                    .ok_or_else(|| IamError::NoSuchEntity(format!("{name} cannot be found.")))?;
                    if attach {
                        if !set.contains(&arn) && set.len() >= 10 {
                            return Err(IamError::LimitExceeded(
                                "Cannot exceed quota for PoliciesPerUser: 10".into(),
                            ));
                        }
                        set.insert(arn.clone());
                    } else if !set.remove(&arn) {
                        return Err(IamError::NoSuchEntity(format!(
                            "Policy {arn} was not found."
                        )));
                    }
                    Ok(())
                })
                .await?;
            ctx.done()
        }
        "ListAttachedUserPolicies" | "ListAttachedGroupPolicies" => {
            let state = ctx.iam.state();
            let (name, arn) = entity(&state)?;
            ctx.require(&arn)?;
            let attached: Vec<&String> = match owner {
                Owner::User => state.users.get(&name).map(|u| u.attached.iter().collect()),
                Owner::Group => state.groups.get(&name).map(|g| g.attached.iter().collect()),
            }
            .unwrap_or_default();
            ctx.ok(|x| {
                x.members("AttachedPolicies", attached, |x, a| {
                    x.leaf("PolicyName", a.rsplit('/').next().unwrap_or(a))
                        .leaf("PolicyArn", a);
                });
                x.leaf("IsTruncated", "false");
            })
        }
        _ => Err(IamError::InvalidAction(ctx.action.to_string())),
    }
}
