//! Whether a bucket policy is "public", for GetBucketPolicyStatus and
//! Block Public Access.
//!
//! Owns: AWS's definition (S3 user guide, "Blocking public access to your
//! Amazon S3 storage" — "The meaning of public"): a policy is assumed
//! public, and is non-public only if every Allow statement grants access
//! to fixed values (no wildcard) of a principal, or of one of the keys
//! `aws:SourceIp` (a CIDR set), `aws:SourceArn`, `aws:SourceVpc`,
//! `aws:SourceVpce`, `aws:SourceOwner`, `aws:SourceAccount`,
//! `s3:x-amz-server-side-encryption-aws-kms-key-id`, `aws:userid`
//! (outside the pattern `AROLEID:*`), `s3:DataAccessPointArn`,
//! `s3:DataAccessPointAccount`, and the principal keys such as
//! `aws:PrincipalOrgID`.
//! Must never: evaluate requests; this is a static reading of the policy.

use super::condition::{Entry, Values};
use super::operator::{Family, Qualifier};
use super::principal::PrincipalSpec;
use super::statement::{Grant, Statement, Who};

/// Keys whose fixed values make an open-principal statement non-public.
/// `aws:SourceIp` is handled apart, since its values are CIDRs.
const RESTRICTING_KEYS: &[&str] = &[
    "aws:sourcearn",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:sourceowner",
    "aws:sourceaccount",
    "s3:x-amz-server-side-encryption-aws-kms-key-id",
    "aws:userid",
    "s3:dataaccesspointarn",
    "s3:dataaccesspointaccount",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:principalorgid",
];

/// Whether any statement makes the policy public.
pub(super) fn is_public(statements: &[Statement]) -> bool {
    statements.iter().any(statement_is_public)
}

fn statement_is_public(st: &Statement) -> bool {
    if st.grant != Grant::Allow {
        return false;
    }
    let open = match &st.who {
        // An identity policy has no principal element: never public.
        None => false,
        // "Everyone except ..." is everyone, for all practical purposes.
        Some(Who::AllBut(_)) => true,
        Some(Who::Listed(p)) => p.entries().iter().any(|e| {
            // A web-identity provider lets anyone with a login in; AWS's
            // own example lists `{"Federated": "graph.facebook.com"}` as
            // public.
            matches!(e, PrincipalSpec::Any | PrincipalSpec::Federated(_))
        }),
    };
    open && !st.condition.entries().iter().any(restricts)
}

/// Whether one condition entry pins the request to fixed values of a
/// restricting key. Only positive, mandatory tests count: a negated
/// operator, `...IfExists` or `ForAllValues:` all let a request without
/// the key through.
fn restricts(entry: &Entry) -> bool {
    let op = &entry.op;
    if op.negated || op.if_exists || op.qualifier == Qualifier::ForAllValues {
        return false;
    }
    match (&entry.values, op.family) {
        (Values::Ips(nets), Family::Ip) => {
            entry.key == "aws:sourceip"
                && !nets.is_empty()
                && nets.iter().all(|n| n.prefix_len() > 0)
        }
        (Values::Strings(ps), Family::String { .. }) if is_restricting(&entry.key) => {
            !ps.is_empty()
                && ps
                    .iter()
                    .all(|p| fixed(&entry.key, p.raw(), p.has_variable()))
        }
        (Values::Arns(ps), Family::Arn) if is_restricting(&entry.key) => {
            !ps.is_empty()
                && ps
                    .iter()
                    .all(|p| fixed(&entry.key, p.pattern().raw(), p.pattern().has_variable()))
        }
        _ => false,
    }
}

fn is_restricting(key: &str) -> bool {
    RESTRICTING_KEYS.contains(&key)
}

/// A fixed value: no wildcard and no variable. AWS writes "values that
/// don't contain a wildcard" without regard to the operator, so a `*`
/// counts even under `StringEquals`, where it is literal.
fn fixed(key: &str, raw: &str, has_variable: bool) -> bool {
    if has_variable {
        return false;
    }
    if key == "s3:dataaccesspointarn" {
        return fixed_access_point(raw);
    }
    !raw.contains(['*', '?'])
}

/// AWS: an access point ARN "can contain a wildcard for the access point
/// name without rendering the policy public, as long as the account id is
/// fixed", e.g. `arn:aws:s3:us-west-2:123456789012:accesspoint/*`.
fn fixed_access_point(raw: &str) -> bool {
    let parts: Vec<&str> = raw.splitn(6, ':').collect();
    let [arn, partition, service, region, account, resource] = parts.as_slice() else {
        return false;
    };
    let plain = |s: &str| !s.is_empty() && !s.contains(['*', '?']);
    *arn == "arn"
        && plain(partition)
        && plain(service)
        && !region.contains(['*', '?'])
        && plain(account)
        && resource.starts_with("accesspoint/")
}
