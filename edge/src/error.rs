//! The edge's one error type and its rendering as an S3 XML error. Each
//! error knows where it came from (origin, client, edge) and so its HTTP
//! status: origin unreachable -> 502, origin too slow -> 504, origin said
//! no -> its own status. Never logs; callers log once.

use std::sync::Arc;

use bytes::Bytes;
use http::StatusCode;

/// Errors of the request path. Cheap to clone: single-flight hands one
/// outcome to every waiter.
#[derive(Debug, Clone, thiserror::Error)]
pub enum EdgeError {
    /// No connection to the origin (refused, reset, DNS).
    #[error("origin unreachable: {0}")]
    OriginUnreachable(Arc<str>),
    /// The origin did not answer in time.
    #[error("origin timed out: {0}")]
    OriginTimeout(Arc<str>),
    /// The origin answered something the edge cannot use.
    #[error("bad origin response: {0}")]
    OriginProtocol(Arc<str>),
    /// The origin answered an error status (body kept, bounded).
    #[error("origin answered {status}")]
    OriginStatus {
        /// Its status.
        status: StatusCode,
        /// Its content type.
        content_type: Option<Arc<str>>,
        /// Its (small) body.
        body: Bytes,
    },
    /// Bytes from the origin did not match the block hashes, again and again.
    #[error("slice {slice} failed verification {attempts} times")]
    Integrity {
        /// Slice index.
        slice: u32,
        /// Fetches tried.
        attempts: u32,
    },
    /// The object changed at the origin while being filled.
    #[error("object changed at the origin during the fill")]
    VersionChanged,
    /// No such object.
    #[error("no such key")]
    NoSuchKey,
    /// Range outside the object.
    #[error("range not satisfiable (size {size})")]
    InvalidRange {
        /// Object size.
        size: u64,
    },
    /// A private distribution's request without a valid grant (the
    /// reason is for logs and `Cache-Status`, never for the viewer).
    #[error("Access denied")]
    AccessDenied(&'static str),
    /// A request the origin would refuse with 400 (e.g. a malformed Range).
    #[error("{0}")]
    InvalidArgument(Arc<str>),
    /// A bug or a local resource failure.
    #[error("internal error: {0}")]
    Internal(Arc<str>),
}

impl EdgeError {
    /// Shorthand for [`EdgeError::OriginProtocol`].
    pub fn protocol(msg: impl std::fmt::Display) -> Self {
        EdgeError::OriginProtocol(msg.to_string().into())
    }

    /// Shorthand for [`EdgeError::Internal`].
    pub fn internal(msg: impl std::fmt::Display) -> Self {
        EdgeError::Internal(msg.to_string().into())
    }

    /// HTTP status sent to the client.
    pub fn status(&self) -> StatusCode {
        match self {
            EdgeError::OriginUnreachable(_)
            | EdgeError::OriginProtocol(_)
            | EdgeError::Integrity { .. }
            | EdgeError::VersionChanged => StatusCode::BAD_GATEWAY,
            EdgeError::OriginTimeout(_) => StatusCode::GATEWAY_TIMEOUT,
            EdgeError::OriginStatus { status, .. } => *status,
            EdgeError::NoSuchKey => StatusCode::NOT_FOUND,
            EdgeError::InvalidRange { .. } => StatusCode::RANGE_NOT_SATISFIABLE,
            EdgeError::InvalidArgument(_) => StatusCode::BAD_REQUEST,
            EdgeError::AccessDenied(_) => StatusCode::FORBIDDEN,
            EdgeError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// S3 error code for the XML body.
    pub fn code(&self) -> &'static str {
        match self {
            EdgeError::OriginUnreachable(_)
            | EdgeError::OriginProtocol(_)
            | EdgeError::Integrity { .. }
            | EdgeError::VersionChanged => "BadGateway",
            EdgeError::OriginTimeout(_) => "GatewayTimeout",
            EdgeError::OriginStatus { .. } => "OriginError",
            EdgeError::NoSuchKey => "NoSuchKey",
            EdgeError::InvalidRange { .. } => "InvalidRange",
            EdgeError::InvalidArgument(_) => "InvalidArgument",
            EdgeError::AccessDenied(_) => "AccessDenied",
            EdgeError::Internal(_) => "InternalError",
        }
    }

    /// Whether a cached copy may be served instead (stale-if-error): the
    /// origin is down or failing, not saying "no".
    pub fn allows_stale(&self) -> bool {
        match self {
            EdgeError::OriginUnreachable(_)
            | EdgeError::OriginTimeout(_)
            | EdgeError::OriginProtocol(_) => true,
            EdgeError::OriginStatus { status, .. } => status.is_server_error(),
            _ => false,
        }
    }

    /// The body to send: the origin's own for origin statuses, else S3 XML.
    pub fn body(&self, resource: &str) -> (Bytes, &'static str) {
        if let EdgeError::OriginStatus { body, .. } = self
            && !body.is_empty()
        {
            return (body.clone(), "application/xml");
        }
        (
            Bytes::from(error_xml(self.code(), &self.to_string(), resource)),
            "application/xml",
        )
    }
}

/// An S3-style `<Error>` document (the common writer).
pub fn error_xml(code: &str, message: &str, resource: &str) -> String {
    gureum_common::s3xml::error_xml(code, message, Some(resource), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_follow_the_source() {
        assert_eq!(
            EdgeError::OriginUnreachable("x".into()).status(),
            StatusCode::BAD_GATEWAY
        );
        assert_eq!(
            EdgeError::OriginTimeout("x".into()).status(),
            StatusCode::GATEWAY_TIMEOUT
        );
        assert!(EdgeError::OriginTimeout("x".into()).allows_stale());
        assert!(!EdgeError::NoSuchKey.allows_stale());
    }

    #[test]
    fn xml_is_escaped() {
        let x = error_xml("NoSuchKey", "a<b", "/b/k&");
        assert!(x.contains("a&lt;b") && x.contains("/b/k&amp;"));
    }
}
