//! The origin's S3 answers to requests over the listener's limits
//! ([`gureum_common::limits`]): a header section or request target too
//! large (400 RequestHeaderSectionTooLarge), a single upload announcing
//! more than S3's 5 GiB (400 EntityTooLarge, before any body is read), an
//! XML or form document over `max_xml_body_bytes` (400
//! MaxMessageLengthExceeded), and a body that stopped arriving (400
//! RequestTimeout). Codes, statuses and messages are S3's ("Error
//! responses" in the S3 API reference). Decides from the request head
//! only; never reads a body.

use http::{Method, Request, Response, StatusCode};
use s3s::Body;

use gureum_common::headers::is_amz_query_param;
use gureum_common::limits::{HeadProblem, Limits, head_problem};
use gureum_common::s3xml;

/// S3's largest single PUT (and part).
pub const MAX_SINGLE_UPLOAD: u64 = 5 * 1024 * 1024 * 1024;

/// A request refused from its head: the limit's metric name and the answer.
pub struct Refusal {
    /// For `gureum_origin_limit_hits_total{limit}`.
    pub limit: &'static str,
    /// The S3 error response.
    pub response: Response<Body>,
}

fn error(
    status: StatusCode,
    code: &str,
    message: &str,
    resource: &str,
    extra: &str,
) -> Response<Body> {
    let mut xml = s3xml::error_xml(code, message, Some(resource), None);
    if !extra.is_empty() {
        xml = xml.replacen("</Error>", &format!("{extra}</Error>"), 1);
    }
    let mut resp = Response::new(Body::from(xml));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/xml"),
    );
    resp
}

fn content_length<B>(req: &Request<B>) -> Option<u64> {
    req.headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}

/// Query parameters of a presigned URL or SDK routing, which do not make
/// a PUT a sub-resource request.
fn plain_param(name: &str) -> bool {
    is_amz_query_param(name) || name == "x-id"
}

/// What a request's body is, as far as its head tells.
#[derive(Debug, PartialEq, Eq)]
enum BodyKind {
    /// Object bytes (PutObject, UploadPart, PostObject's form).
    Object,
    /// A document the server reads whole (XML configurations,
    /// DeleteObjects, CompleteMultipartUpload, IAM forms).
    Document,
    /// No body expected (GET, HEAD, DELETE).
    None,
}

fn body_kind<B>(req: &Request<B>) -> BodyKind {
    let query = req.uri().query().unwrap_or("");
    let names = || {
        form_urlencoded::parse(query.as_bytes())
            .map(|(k, _)| k)
            .filter(|k| !plain_param(k))
    };
    match *req.method() {
        Method::PUT => {
            if names().all(|k| k == "partNumber" || k == "uploadId") {
                BodyKind::Object
            } else {
                BodyKind::Document
            }
        }
        Method::POST => {
            let form = req
                .headers()
                .get(http::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|c| c.to_ascii_lowercase().starts_with("multipart/form-data"));
            if form {
                BodyKind::Object
            } else {
                BodyKind::Document
            }
        }
        _ => BodyKind::None,
    }
}

/// The refusal of a request whose head is already over a limit.
pub fn check_head<B>(limits: &Limits, req: &Request<B>) -> Option<Refusal> {
    let resource = req.uri().path();
    if let Some(problem) = head_problem(limits, req.uri(), req.headers()) {
        return Some(Refusal {
            limit: problem.name(),
            response: error(
                StatusCode::BAD_REQUEST,
                "RequestHeaderSectionTooLarge",
                "Your request header section exceeds the maximum allowed size.",
                resource,
                &format!(
                    "<MaxSizeAllowed>{}</MaxSizeAllowed>",
                    match problem {
                        HeadProblem::RequestLine => limits.max_request_line_bytes,
                        HeadProblem::HeaderCount | HeadProblem::HeaderBytes =>
                            limits.max_header_bytes,
                    }
                ),
            ),
        });
    }
    let len = content_length(req)?;
    match body_kind(req) {
        BodyKind::Object if req.method() == Method::PUT && len > MAX_SINGLE_UPLOAD => {
            Some(Refusal {
                limit: "body_size",
                response: error(
                    StatusCode::BAD_REQUEST,
                    "EntityTooLarge",
                    "Your proposed upload exceeds the maximum allowed object size.",
                    resource,
                    &format!(
                        "<ProposedSize>{len}</ProposedSize><MaxSizeAllowed>{MAX_SINGLE_UPLOAD}</MaxSizeAllowed>"
                    ),
                ),
            })
        }
        BodyKind::Document if len > limits.max_xml_body_bytes => Some(Refusal {
            limit: "body_size",
            response: error(
                StatusCode::BAD_REQUEST,
                "MaxMessageLengthExceeded",
                "Your request was too big.",
                resource,
                "",
            ),
        }),
        _ => None,
    }
}

/// The answer once a request's body stopped arriving (the connection is
/// closed after it: the rest of the body may still be on its way).
pub fn request_timeout(resource: &str) -> Response<Body> {
    let mut resp = error(
        StatusCode::BAD_REQUEST,
        "RequestTimeout",
        "Your socket connection to the server was not read from or written to within the timeout period. Idle connections will be closed.",
        resource,
        "",
    );
    resp.headers_mut().insert(
        http::header::CONNECTION,
        http::HeaderValue::from_static("close"),
    );
    resp
}

/// Whether a request may carry a body worth a stall deadline.
pub fn has_body<B>(req: &Request<B>) -> bool {
    body_kind(req) != BodyKind::None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(method: &str, target: &str, headers: &[(&str, &str)]) -> Request<()> {
        let mut b = Request::builder().method(method).uri(target);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(()).expect("request")
    }

    #[test]
    fn refusals_by_head() {
        let l = Limits {
            max_xml_body_bytes: 1000,
            ..Limits::default()
        };
        type Case<'a> = (&'a str, &'a str, Vec<(&'a str, &'a str)>, Option<&'a str>);
        let cases: [Case<'_>; 12] = [
            ("PUT", "/b/k", vec![("content-length", "10")], None),
            ("PUT", "/b/k", vec![("content-length", "5368709120")], None),
            (
                "PUT",
                "/b/k",
                vec![("content-length", "5368709121")],
                Some("EntityTooLarge"),
            ),
            (
                "PUT",
                "/b/k?partNumber=1&uploadId=u",
                vec![("content-length", "6000000000000")],
                Some("EntityTooLarge"),
            ),
            (
                "PUT",
                "/b/k?X-Amz-Signature=s&X-Amz-Date=d",
                vec![("content-length", "6000000000000")],
                Some("EntityTooLarge"),
            ),
            (
                "PUT",
                "/b?policy",
                vec![("content-length", "1001")],
                Some("MaxMessageLengthExceeded"),
            ),
            ("PUT", "/b?policy", vec![("content-length", "1000")], None),
            (
                "POST",
                "/b?delete",
                vec![("content-length", "5000")],
                Some("MaxMessageLengthExceeded"),
            ),
            (
                "POST",
                "/b",
                vec![
                    ("content-type", "multipart/form-data; boundary=x"),
                    ("content-length", "5000"),
                ],
                None,
            ),
            (
                "POST",
                "/",
                vec![("content-length", "5000")],
                Some("MaxMessageLengthExceeded"),
            ),
            (
                "GET",
                "/b/k",
                vec![("content-length", "6000000000000")],
                None,
            ),
            ("PUT", "/b/k", vec![], None),
        ];
        for (method, target, headers, want) in cases {
            let got = check_head(&l, &req(method, target, &headers));
            let code = got.as_ref().map(|r| {
                assert_eq!(r.response.status(), StatusCode::BAD_REQUEST);
                let body = r.response.body().bytes().expect("a whole document");
                let text = String::from_utf8_lossy(&body).into_owned();
                let code = ["EntityTooLarge", "MaxMessageLengthExceeded"]
                    .into_iter()
                    .find(|c| text.contains(&format!("<Code>{c}</Code>")));
                assert_eq!(r.limit, "body_size");
                code.unwrap_or("?")
            });
            assert_eq!(code, want, "{method} {target} {headers:?}");
        }
        let big = "v".repeat(70 * 1024);
        let r = check_head(&l, &req("GET", "/b/k", &[("x-big", &big)])).expect("refused");
        assert_eq!(r.limit, "header_bytes");
        assert!(has_body(&req("PUT", "/b/k", &[])));
        assert!(!has_body(&req("GET", "/b/k", &[])));
    }
}
