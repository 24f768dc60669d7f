//! The IAM API's errors, each with the code and HTTP status AWS's IAM
//! returns, rendered once as IAM's `<ErrorResponse>` document.

use crate::objects::ObjectError;

/// What an IAM call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum IamError {
    /// The named user, group, policy or key does not exist (404).
    #[error("{0}")]
    NoSuchEntity(String),
    /// The name is taken (409).
    #[error("{0}")]
    EntityAlreadyExists(String),
    /// Attached things must be removed first (409).
    #[error("{0}")]
    DeleteConflict(String),
    /// The policy document is not valid (400).
    #[error("{0}")]
    MalformedPolicyDocument(String),
    /// A quota (2 keys per user, policy sizes) is exceeded (409).
    #[error("{0}")]
    LimitExceeded(String),
    /// A parameter value is not valid (400).
    #[error("{0}")]
    InvalidInput(String),
    /// A parameter fails its pattern or length constraint (400).
    #[error("{0}")]
    Validation(String),
    /// A required parameter is missing (400).
    #[error("{0}")]
    MissingParameter(String),
    /// The action is unknown (400).
    #[error("{0}")]
    InvalidAction(String),
    /// The caller may not do this (403).
    #[error("{0}")]
    AccessDenied(String),
    /// No or an unparsable signature (403/400).
    #[error("{0}")]
    IncompleteSignature(String),
    /// The access key does not exist or is inactive (403).
    #[error("The security token included in the request is invalid.")]
    InvalidClientTokenId,
    /// The signature does not match (403).
    #[error("The request signature we calculated does not match the signature you provided.")]
    SignatureDoesNotMatch,
    /// No credentials at all (403).
    #[error("Request is missing Authentication Token")]
    MissingAuthenticationToken,
    /// The signed date is too far from now (403).
    #[error("{0}")]
    RequestExpired(String),
    /// Storage failed underneath (500/503).
    #[error(transparent)]
    Storage(#[from] ObjectError),
    /// A broken invariant (500).
    #[error("{0}")]
    Internal(String),
}

impl IamError {
    /// AWS's error code.
    pub fn code(&self) -> &'static str {
        match self {
            IamError::NoSuchEntity(_) => "NoSuchEntity",
            IamError::EntityAlreadyExists(_) => "EntityAlreadyExists",
            IamError::DeleteConflict(_) => "DeleteConflict",
            IamError::MalformedPolicyDocument(_) => "MalformedPolicyDocument",
            IamError::LimitExceeded(_) => "LimitExceeded",
            IamError::InvalidInput(_) => "InvalidInput",
            IamError::Validation(_) => "ValidationError",
            IamError::MissingParameter(_) => "MissingParameter",
            IamError::InvalidAction(_) => "InvalidAction",
            IamError::AccessDenied(_) => "AccessDenied",
            IamError::IncompleteSignature(_) => "IncompleteSignature",
            IamError::InvalidClientTokenId => "InvalidClientTokenId",
            IamError::SignatureDoesNotMatch => "SignatureDoesNotMatch",
            IamError::MissingAuthenticationToken => "MissingAuthenticationToken",
            IamError::RequestExpired(_) => "RequestExpired",
            IamError::Storage(ObjectError::WriteQuorum { .. }) => "ServiceUnavailable",
            IamError::Storage(_) | IamError::Internal(_) => "ServiceFailure",
        }
    }

    /// HTTP status.
    pub fn status(&self) -> http::StatusCode {
        use http::StatusCode as S;
        match self {
            IamError::NoSuchEntity(_) => S::NOT_FOUND,
            IamError::EntityAlreadyExists(_)
            | IamError::DeleteConflict(_)
            | IamError::LimitExceeded(_) => S::CONFLICT,
            IamError::MalformedPolicyDocument(_)
            | IamError::InvalidInput(_)
            | IamError::Validation(_)
            | IamError::MissingParameter(_)
            | IamError::InvalidAction(_)
            | IamError::IncompleteSignature(_) => S::BAD_REQUEST,
            IamError::AccessDenied(_)
            | IamError::InvalidClientTokenId
            | IamError::SignatureDoesNotMatch
            | IamError::MissingAuthenticationToken
            | IamError::RequestExpired(_) => S::FORBIDDEN,
            IamError::Storage(ObjectError::WriteQuorum { .. }) => S::SERVICE_UNAVAILABLE,
            IamError::Storage(_) | IamError::Internal(_) => S::INTERNAL_SERVER_ERROR,
        }
    }

    /// `Sender` for the caller's mistakes, `Receiver` for ours.
    fn kind(&self) -> &'static str {
        if self.status().is_server_error() {
            "Receiver"
        } else {
            "Sender"
        }
    }

    /// IAM's error document.
    pub fn to_xml(&self, request_id: &str) -> String {
        use gureum_common::s3xml::xml_escape;
        if self.status().is_server_error() {
            tracing::error!(err = %self, "IAM request failed");
        }
        let message = if self.status().is_server_error() {
            "We encountered an internal error. Please try again.".to_string()
        } else {
            self.to_string()
        };
        format!(
            "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error><Type>{}</Type><Code>{}</Code><Message>{}</Message></Error><RequestId>{}</RequestId></ErrorResponse>",
            self.kind(),
            self.code(),
            xml_escape(&message),
            xml_escape(request_id)
        )
    }
}
