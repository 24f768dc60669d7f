//! S3 access control lists as pure logic: canned ACLs expanded to grants,
//! `x-amz-grant-*` headers parsed, grants validated, and the question
//! "does this ACL give this requester this permission". No IO: the ACLs
//! themselves are kept by the object layer.
//!
//! One account owns everything in a deployment, so a grant to a canonical
//! user can only name that account; what ACLs open to others is the
//! AllUsers and AuthenticatedUsers groups (AWS's "public" grants).

use crate::objects::{StoredAcl, StoredGrant};

/// Everyone, signed or not.
pub const ALL_USERS: &str = "http://acs.amazonaws.com/groups/global/AllUsers";
/// Every signed request.
pub const AUTHENTICATED_USERS: &str = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";
/// S3 server access log delivery.
pub const LOG_DELIVERY: &str = "http://acs.amazonaws.com/groups/s3/LogDelivery";

/// Grantee kinds, as S3's XML `xsi:type` names them.
pub const CANONICAL_USER: &str = "CanonicalUser";
/// A predefined group (`URI`).
pub const GROUP: &str = "Group";
/// An email address (never resolvable here).
pub const BY_EMAIL: &str = "AmazonCustomerByEmail";

/// The permissions a grant can carry.
pub const PERMISSIONS: [&str; 5] = ["READ", "WRITE", "READ_ACP", "WRITE_ACP", "FULL_CONTROL"];

/// Why an ACL was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AclError {
    /// A bad canned name, grantee or header value (S3 InvalidArgument).
    #[error("{0}")]
    InvalidArgument(String),
    /// A grant by email address (S3 UnresolvableGrantByEmailAddress).
    #[error("The e-mail address you provided does not match any account on record.")]
    UnresolvableEmail,
    /// A malformed AccessControlPolicy (S3 MalformedACLError).
    #[error("{0}")]
    Malformed(String),
}

/// Who is asking, as ACL grantees see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requester<'a> {
    /// An unsigned request.
    Anonymous,
    /// A signed request by a principal other than the account itself.
    Authenticated,
    /// The account (root), by canonical id.
    Account(&'a str),
}

fn grant(kind: &str, id: &str, display_name: Option<&str>, permission: &str) -> StoredGrant {
    StoredGrant {
        kind: kind.to_string(),
        id: id.to_string(),
        display_name: display_name.map(str::to_string),
        permission: permission.to_string(),
    }
}

/// The owner with full control and nobody else (S3's default ACL).
pub fn private(owner: &str, display_name: &str) -> StoredAcl {
    StoredAcl {
        owner: owner.to_string(),
        grants: vec![grant(
            CANONICAL_USER,
            owner,
            Some(display_name),
            "FULL_CONTROL",
        )],
    }
}

/// The grants of canned ACL `name`. Bucket owner and object owner are the
/// same account here, so the bucket-owner-* ACLs equal `private`.
pub fn canned(name: &str, owner: &str, display_name: &str) -> Result<StoredAcl, AclError> {
    let mut acl = private(owner, display_name);
    match name {
        "private" | "bucket-owner-read" | "bucket-owner-full-control" => {}
        "public-read" => acl.grants.push(grant(GROUP, ALL_USERS, None, "READ")),
        "public-read-write" => {
            acl.grants.push(grant(GROUP, ALL_USERS, None, "READ"));
            acl.grants.push(grant(GROUP, ALL_USERS, None, "WRITE"));
        }
        "authenticated-read" => acl
            .grants
            .push(grant(GROUP, AUTHENTICATED_USERS, None, "READ")),
        "log-delivery-write" => {
            acl.grants.push(grant(GROUP, LOG_DELIVERY, None, "WRITE"));
            acl.grants
                .push(grant(GROUP, LOG_DELIVERY, None, "READ_ACP"));
        }
        other => {
            return Err(AclError::InvalidArgument(format!(
                "Invalid canned ACL: {other}"
            )));
        }
    }
    Ok(acl)
}

/// Checks one grantee against what this deployment knows: the account's
/// canonical id and S3's three groups.
pub fn check_grantee(kind: &str, id: &str, owner: &str) -> Result<(), AclError> {
    match kind {
        CANONICAL_USER if id == owner => Ok(()),
        CANONICAL_USER => Err(AclError::InvalidArgument("Invalid id".into())),
        GROUP if [ALL_USERS, AUTHENTICATED_USERS, LOG_DELIVERY].contains(&id) => Ok(()),
        GROUP => Err(AclError::InvalidArgument(format!("Invalid group uri: {id}"))),
        BY_EMAIL => Err(AclError::UnresolvableEmail),
        _ => Err(AclError::Malformed(
            "The XML you provided was not well-formed or did not validate against our published schema".into(),
        )),
    }
}

/// Checks a permission name.
pub fn check_permission(p: &str) -> Result<(), AclError> {
    if PERMISSIONS.contains(&p) {
        Ok(())
    } else {
        Err(AclError::Malformed(
            "The XML you provided was not well-formed or did not validate against our published schema".into(),
        ))
    }
}

/// Parses the value of one `x-amz-grant-<permission>` header:
/// comma-separated `id="…"`, `uri="…"` or `emailAddress="…"`.
pub fn parse_grant_header(
    permission: &str,
    value: &str,
    owner: &str,
    display_name: &str,
) -> Result<Vec<StoredGrant>, AclError> {
    let mut out = Vec::new();
    for item in value.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let Some((kind, raw)) = item.split_once('=') else {
            return Err(AclError::InvalidArgument(format!(
                "Invalid grant header value: {item}"
            )));
        };
        let raw = raw.trim();
        let v = raw
            .strip_prefix('"')
            .and_then(|r| r.strip_suffix('"'))
            .unwrap_or(raw);
        let (kind, name) = match kind.trim().to_ascii_lowercase().as_str() {
            "id" => (CANONICAL_USER, Some(display_name)),
            "uri" => (GROUP, None),
            "emailaddress" => (BY_EMAIL, None),
            other => {
                return Err(AclError::InvalidArgument(format!(
                    "Invalid grantee type: {other}"
                )));
            }
        };
        check_grantee(kind, v, owner)?;
        out.push(grant(kind, v, name, permission));
    }
    Ok(out)
}

/// Whether `acl` gives `who` permission `needed` (FULL_CONTROL implies
/// every permission). With `ignore_public`, grants to AllUsers and
/// AuthenticatedUsers count for nothing (IgnorePublicAcls).
pub fn allows(acl: &StoredAcl, who: Requester<'_>, needed: &str, ignore_public: bool) -> bool {
    acl.grants.iter().any(|g| {
        let matches = match (g.kind.as_str(), who) {
            (CANONICAL_USER, Requester::Account(id)) => g.id == id,
            (GROUP, _) if ignore_public && is_public_group(&g.id) => false,
            (GROUP, _) if g.id == ALL_USERS => true,
            (GROUP, Requester::Authenticated | Requester::Account(_)) => {
                g.id == AUTHENTICATED_USERS
            }
            _ => false,
        };
        matches && (g.permission == needed || g.permission == "FULL_CONTROL")
    })
}

fn is_public_group(uri: &str) -> bool {
    uri == ALL_USERS || uri == AUTHENTICATED_USERS
}

/// Whether an ACL grants anything to AllUsers or AuthenticatedUsers
/// (what BlockPublicAcls refuses).
pub fn is_public(acl: &StoredAcl) -> bool {
    acl.grants
        .iter()
        .any(|g| g.kind == GROUP && is_public_group(&g.id))
}

/// Whether an ACL is just "the owner has full control" (the only one a
/// bucket with ACLs disabled accepts).
pub fn is_owner_full_control(acl: &StoredAcl) -> bool {
    acl.grants
        .iter()
        .all(|g| g.kind == CANONICAL_USER && g.id == acl.owner && g.permission == "FULL_CONTROL")
}

#[cfg(test)]
mod tests {
    use super::*;

    const OWNER: &str = "abc123";

    #[test]
    fn canned_acls_expand_as_s3_does() {
        let table: [(&str, &[(&str, &str)]); 7] = [
            ("private", &[(OWNER, "FULL_CONTROL")]),
            (
                "public-read",
                &[(OWNER, "FULL_CONTROL"), (ALL_USERS, "READ")],
            ),
            (
                "public-read-write",
                &[
                    (OWNER, "FULL_CONTROL"),
                    (ALL_USERS, "READ"),
                    (ALL_USERS, "WRITE"),
                ],
            ),
            (
                "authenticated-read",
                &[(OWNER, "FULL_CONTROL"), (AUTHENTICATED_USERS, "READ")],
            ),
            ("bucket-owner-read", &[(OWNER, "FULL_CONTROL")]),
            ("bucket-owner-full-control", &[(OWNER, "FULL_CONTROL")]),
            (
                "log-delivery-write",
                &[
                    (OWNER, "FULL_CONTROL"),
                    (LOG_DELIVERY, "WRITE"),
                    (LOG_DELIVERY, "READ_ACP"),
                ],
            ),
        ];
        for (name, want) in table {
            let acl = canned(name, OWNER, "me").expect("canned ACL");
            let got: Vec<(&str, &str)> = acl
                .grants
                .iter()
                .map(|g| (g.id.as_str(), g.permission.as_str()))
                .collect();
            assert_eq!(got, want, "{name}");
        }
        assert!(matches!(
            canned("public", OWNER, "me"),
            Err(AclError::InvalidArgument(_))
        ));
    }

    #[test]
    fn who_an_acl_lets_in() {
        use Requester::*;
        let public = canned("public-read", OWNER, "me").expect("canned ACL");
        let authed = canned("authenticated-read", OWNER, "me").expect("canned ACL");
        let private = canned("private", OWNER, "me").expect("canned ACL");
        let rw = canned("public-read-write", OWNER, "me").expect("canned ACL");
        let table = [
            (&public, Anonymous, "READ", false, true),
            (&public, Anonymous, "READ", true, false),
            (&public, Anonymous, "WRITE", false, false),
            (&public, Authenticated, "READ", false, true),
            (&public, Anonymous, "READ_ACP", false, false),
            (&authed, Anonymous, "READ", false, false),
            (&authed, Authenticated, "READ", false, true),
            (&authed, Authenticated, "READ", true, false),
            (&private, Anonymous, "READ", false, false),
            (&private, Authenticated, "READ", false, false),
            (&private, Account(OWNER), "READ", false, true),
            (&private, Account(OWNER), "WRITE_ACP", true, true),
            (&private, Account("other"), "READ", false, false),
            (&rw, Anonymous, "WRITE", false, true),
            (&rw, Anonymous, "WRITE", true, false),
        ];
        for (i, (acl, who, perm, ignore, want)) in table.into_iter().enumerate() {
            assert_eq!(allows(acl, who, perm, ignore), want, "case {i}");
        }
        assert!(is_public(&public) && is_public(&authed) && !is_public(&private));
        assert!(is_owner_full_control(&private) && !is_owner_full_control(&public));
    }

    #[test]
    fn grant_headers() {
        let g = parse_grant_header(
            "READ",
            &format!("uri=\"{ALL_USERS}\", id=\"{OWNER}\""),
            OWNER,
            "me",
        )
        .expect("canned ACL");
        assert_eq!(g.len(), 2);
        assert_eq!((g[0].kind.as_str(), g[0].id.as_str()), (GROUP, ALL_USERS));
        assert_eq!(
            (g[1].kind.as_str(), g[1].id.as_str()),
            (CANONICAL_USER, OWNER)
        );
        let refused = [
            ("id=\"someone-else\"", "InvalidArgument"),
            ("uri=\"http://example.com/group\"", "InvalidArgument"),
            ("emailAddress=\"a@b.c\"", "Email"),
            ("nonsense", "InvalidArgument"),
            ("colour=\"red\"", "InvalidArgument"),
        ];
        for (value, want) in refused {
            let err = parse_grant_header("READ", value, OWNER, "me").expect_err("refused");
            let got = match err {
                AclError::InvalidArgument(_) => "InvalidArgument",
                AclError::UnresolvableEmail => "Email",
                AclError::Malformed(_) => "Malformed",
            };
            assert_eq!(got, want, "{value}");
        }
        assert!(check_permission("READ").is_ok());
        assert!(check_permission("read").is_err());
    }
}
