//! The IAM query API on the origin's port (AWS's protocol: `POST /` with a
//! form body `Action=…&Version=2010-05-08`, or the same as a GET query,
//! SigV4-signed for service `iam`), so `aws iam --endpoint-url …` and
//! boto3's `iam` client work unchanged. This module authenticates the
//! call, checks that the caller may make it (root always; a user when an
//! identity policy allows `iam:<Action>` on the resource), and dispatches
//! to one handler per action family. Responses and errors are IAM's XML.

mod groups;
mod keys;
mod params;
mod policies;
mod users;
pub mod xml;

use std::time::SystemTime;

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use http_body_util::BodyExt;

use super::error::IamError;
use super::policy::{ConditionValues, Decision, RequestContext, decide};
use super::sigv4::{self, SigError, Signed};
use super::store::{Iam, Identity};
use params::Params;

/// Largest request body accepted (policies are at most 6,144 characters,
/// which form-encoding can triple).
const MAX_BODY: usize = 256 << 10;

/// Whether a request is for the IAM API rather than S3: `POST /` with a
/// form body, or `GET /?Action=…`. S3 has no operation at either.
pub fn is_iam_request<B>(req: &Request<B>) -> bool {
    if req.uri().path() != "/" {
        return false;
    }
    let form = req
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    match *req.method() {
        Method::POST => form,
        Method::GET => req
            .uri()
            .query()
            .is_some_and(|q| q.split('&').any(|p| p.starts_with("Action="))),
        _ => false,
    }
}

/// The caller of one IAM request.
pub(crate) struct Caller {
    identity: Identity,
    keys: ConditionValues,
}

fn sig_error(e: SigError) -> IamError {
    match e {
        SigError::Missing => IamError::MissingAuthenticationToken,
        SigError::UnknownKey => IamError::InvalidClientTokenId,
        SigError::Mismatch => IamError::SignatureDoesNotMatch,
        SigError::Expired(_) => IamError::RequestExpired(e.to_string()),
        SigError::Incomplete(m) | SigError::BadDate(m) => IamError::IncompleteSignature(m),
        SigError::WrongService => IamError::IncompleteSignature(e.to_string()),
    }
}

/// Checks the signature and says who signed.
fn authenticate(
    iam: &Iam,
    parts: &http::request::Parts,
    body: &[u8],
    peer: Option<std::net::IpAddr>,
    secure: bool,
) -> Result<Caller, IamError> {
    let header = parts
        .headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or(IamError::MissingAuthenticationToken)?;
    let auth = sigv4::parse_authorization(header).map_err(sig_error)?;
    let (identity, secret) = iam
        .secret_for(&auth.access_key)
        .ok_or(IamError::InvalidClientTokenId)?;
    let mut headers = parts.headers.clone();
    if !headers.contains_key(http::header::HOST)
        && let Some(a) = parts.uri.authority()
        && let Ok(v) = http::HeaderValue::from_str(a.as_str())
    {
        headers.insert(http::header::HOST, v);
    }
    let signed = Signed {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query().unwrap_or(""),
        headers: &headers,
        body,
    };
    sigv4::verify(&signed, &auth, &secret, SystemTime::now()).map_err(sig_error)?;
    iam.note_use(&auth.access_key, "iam", &auth.region);
    let mut keys = ConditionValues::new();
    keys.insert("aws:SecureTransport", if secure { "true" } else { "false" });
    if let Some(ip) = peer {
        keys.insert("aws:SourceIp", ip.to_string());
    }
    if let Some(ua) = parts
        .headers
        .get(http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
    {
        keys.insert("aws:UserAgent", ua);
    }
    let now = crate::objects::now_ms() / 1000;
    keys.insert("aws:EpochTime", now.to_string());
    keys.insert("aws:CurrentTime", xml::iso(now));
    keys.insert(
        "aws:PrincipalType",
        match identity {
            Identity::Root => "Account",
            Identity::User(_) => "User",
        },
    );
    Ok(Caller { identity, keys })
}

impl Caller {
    /// The user name an action defaults to (the caller itself).
    fn own_name(&self) -> Option<&str> {
        match &self.identity {
            Identity::Root => None,
            Identity::User(user) => Some(&user.name),
        }
    }

    /// Refuses unless the caller may do `action` on `resource` (an IAM ARN).
    fn require(&self, iam: &Iam, action: &str, resource: &str) -> Result<(), IamError> {
        let Identity::User(user) = &self.identity else {
            return Ok(());
        };
        let policies = &user.policies;
        let ctx = RequestContext {
            action,
            resource,
            principal: &user.principal,
            keys: &self.keys,
        };
        match decide(policies.iter().map(|p| p.evaluate(&ctx)), false) {
            Decision::Allow => Ok(()),
            _ => Err(IamError::AccessDenied(format!(
                "User: {} is not authorized to perform: {action} on resource: {resource}",
                iam.account().user_arn(&user.path, &user.name)
            ))),
        }
    }
}

/// Answers one IAM request. `peer` and `secure` feed the condition keys
/// aws:SourceIp and aws:SecureTransport.
pub async fn handle<B>(
    iam: &Iam,
    req: Request<B>,
    peer: Option<std::net::IpAddr>,
    secure: bool,
) -> Response<s3s::Body>
where
    B: http_body::Body<Data = Bytes> + Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let request_id = uuid::Uuid::new_v4().to_string();
    let result = handle_inner(iam, req, peer, secure, &request_id).await;
    let (status, body) = match result {
        Ok(body) => (StatusCode::OK, body),
        Err(e) => {
            if !e.status().is_server_error() {
                tracing::info!(code = e.code(), "IAM request refused");
            }
            (e.status(), e.to_xml(&request_id))
        }
    };
    let mut resp = Response::new(s3s::Body::from(body));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/xml"),
    );
    if let Ok(v) = http::HeaderValue::from_str(&request_id) {
        h.insert("x-amzn-requestid", v);
    }
    resp
}

async fn handle_inner<B>(
    iam: &Iam,
    req: Request<B>,
    peer: Option<std::net::IpAddr>,
    secure: bool,
    request_id: &str,
) -> Result<String, IamError>
where
    B: http_body::Body<Data = Bytes> + Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let (parts, body) = req.into_parts();
    let body = http_body_util::Limited::new(body, MAX_BODY)
        .collect()
        .await
        .map_err(|e| IamError::InvalidInput(format!("request body: {e}")))?
        .to_bytes();
    let caller = authenticate(iam, &parts, &body, peer, secure)?;
    let mut pairs: Vec<(String, String)> = Vec::new();
    if let Some(q) = parts.uri.query() {
        pairs.extend(form_urlencoded::parse(q.as_bytes()).into_owned());
    }
    if parts.method == Method::POST {
        pairs.extend(form_urlencoded::parse(&body).into_owned());
    }
    let p = Params::new(pairs);
    let action = p.required("Action")?.to_string();
    if let Some(v) = p.get("Version")
        && v != "2010-05-08"
    {
        return Err(IamError::InvalidInput(format!(
            "Could not find operation {action} for version {v}"
        )));
    }
    let ctx = Ctx {
        iam,
        caller: &caller,
        p: &p,
        request_id,
        action: &action,
    };
    match action.as_str() {
        "CreateUser" | "GetUser" | "ListUsers" | "DeleteUser" | "TagUser" | "UntagUser"
        | "ListUserTags" | "UpdateUser" => users::handle(&ctx).await,
        "CreateAccessKey"
        | "ListAccessKeys"
        | "UpdateAccessKey"
        | "DeleteAccessKey"
        | "GetAccessKeyLastUsed" => keys::handle(&ctx).await,
        "PutUserPolicy"
        | "GetUserPolicy"
        | "ListUserPolicies"
        | "DeleteUserPolicy"
        | "CreatePolicy"
        | "GetPolicy"
        | "GetPolicyVersion"
        | "ListPolicies"
        | "ListPolicyVersions"
        | "DeletePolicy"
        | "AttachUserPolicy"
        | "DetachUserPolicy"
        | "ListAttachedUserPolicies"
        | "AttachGroupPolicy"
        | "DetachGroupPolicy"
        | "ListAttachedGroupPolicies"
        | "PutGroupPolicy"
        | "GetGroupPolicy"
        | "ListGroupPolicies"
        | "DeleteGroupPolicy" => policies::handle(&ctx).await,
        "CreateGroup"
        | "GetGroup"
        | "ListGroups"
        | "DeleteGroup"
        | "AddUserToGroup"
        | "RemoveUserFromGroup"
        | "ListGroupsForUser" => groups::handle(&ctx).await,
        other => Err(IamError::InvalidAction(format!(
            "Could not find operation {other} for version 2010-05-08"
        ))),
    }
}

/// What every action handler gets.
pub(crate) struct Ctx<'a> {
    iam: &'a Iam,
    caller: &'a Caller,
    p: &'a Params,
    request_id: &'a str,
    action: &'a str,
}

impl Ctx<'_> {
    /// Refuses unless the caller may do this action on `resource`.
    fn require(&self, resource: &str) -> Result<(), IamError> {
        self.caller
            .require(self.iam, &format!("iam:{}", self.action), resource)
    }

    /// The response document of this action.
    fn ok(&self, result: impl FnOnce(&mut xml::Xml)) -> Result<String, IamError> {
        Ok(xml::response(self.action, self.request_id, result))
    }

    /// The result-less response of this action.
    fn done(&self) -> Result<String, IamError> {
        Ok(xml::empty_response(self.action, self.request_id))
    }

    /// `UserName`, or the caller's own name when absent (as AWS does for
    /// GetUser and the access-key calls).
    fn user_name(&self) -> Result<String, IamError> {
        match (self.p.get("UserName"), self.caller.own_name()) {
            (Some(n), _) => Ok(n.to_string()),
            (None, Some(own)) => Ok(own.to_string()),
            (None, None) => Err(IamError::Validation(
                "Must specify userName when calling with non-User credentials".into(),
            )),
        }
    }
}

/// Unix seconds now.
fn now() -> i64 {
    crate::objects::now_ms() / 1000
}

/// A fresh IAM identifier: `prefix` and upper-case letters and digits up
/// to `len` characters (access key ids are 20, user ids 21), from the
/// system's secure random source.
fn new_id(prefix: &str, len: usize) -> Result<String, IamError> {
    use ring::rand::SecureRandom;
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut bytes = [0u8; 32];
    ring::rand::SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| IamError::Internal("random source failed".into()))?;
    let mut id = prefix.to_string();
    for b in bytes.iter().take(len.saturating_sub(prefix.len())) {
        id.push(ALPHABET[usize::from(*b) % ALPHABET.len()] as char);
    }
    Ok(id)
}

/// A fresh 40-character secret access key (30 random bytes, base64).
fn new_secret() -> Result<String, IamError> {
    use base64::Engine;
    use ring::rand::SecureRandom;
    let mut bytes = [0u8; 30];
    ring::rand::SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| IamError::Internal("random source failed".into()))?;
    Ok(base64::engine::general_purpose::STANDARD.encode(bytes))
}
