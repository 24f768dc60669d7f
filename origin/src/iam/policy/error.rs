//! Why a policy document was refused, and the words AWS answers it with.
//!
//! Owns: [`Fault`] (what is wrong with a document) and [`PolicyError`] (a
//! fault plus which service refused it), with S3's and IAM's messages.
//! Must never: pick HTTP statuses, render XML or log: the S3 and IAM front
//! ends own the wire shape and only ask here for a code and a message.

/// One thing wrong with a policy document.
///
/// `Display` gives S3's `MalformedPolicy` wording, which is the one AWS
/// documents best; [`Fault::iam_message`] gives IAM's. Messages marked
/// "guess" below are not confirmed against AWS and are written in the same
/// style as the confirmed ones.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Fault {
    /// The body is not JSON at all.
    #[error("This policy contains invalid Json")]
    InvalidJson,
    /// The body is JSON but not an object.
    #[error("Policies must be valid JSON and the first byte must be '{{'")]
    NotAnObject,
    /// A top-level or statement field AWS does not define (guess: wording).
    #[error("Unknown field {0}")]
    UnknownField(String),
    /// A known field holding the wrong JSON type (guess: wording).
    #[error("Invalid value for field {0}")]
    InvalidField(String),
    /// `Version` is neither `2012-10-17` nor `2008-10-17`.
    #[error("The policy must contain a valid version string")]
    InvalidVersion,
    /// No `Statement` field.
    #[error("Missing required field Statement")]
    MissingStatement,
    /// `Statement` is an empty array.
    #[error("Could not parse the policy: Statement is empty!")]
    EmptyStatement,
    /// Two statements share a `Sid` (identity policies only).
    #[error("Statement IDs (SID) in a single policy must be unique.")]
    DuplicateSid(String),
    /// A `Sid` with characters IAM refuses (identity policies only).
    #[error("Statement IDs (SID) must be alpha-numeric.")]
    InvalidSid(String),
    /// A statement without `Effect`.
    #[error("Missing required field Effect")]
    MissingEffect,
    /// `Effect` other than `Allow` / `Deny`.
    #[error("Invalid effect: {0}")]
    InvalidEffect(String),
    /// A bucket-policy statement with neither `Principal` nor `NotPrincipal`.
    #[error("Missing required field Principal")]
    MissingPrincipal,
    /// An identity-policy statement that names a principal.
    #[error("Policy document should not specify a principal.")]
    PrincipalNotAllowed,
    /// A principal AWS would not accept (or both `Principal` and `NotPrincipal`).
    #[error("Invalid principal in policy")]
    InvalidPrincipal,
    /// A statement with neither `Action` nor `NotAction`.
    #[error("Missing required field Action")]
    MissingAction,
    /// An action without a `vendor:` prefix.
    #[error("Policy has invalid action")]
    ActionWithoutVendor(String),
    /// An unknown action, or a wildcard that matches no known action.
    #[error("Policy has invalid action")]
    InvalidAction(String),
    /// A statement with neither `Resource` nor `NotResource`.
    #[error("Missing required field Resource")]
    MissingResource,
    /// A resource that is not an ARN, or (bucket policies) not in the bucket.
    #[error("Policy has invalid resource")]
    InvalidResource(String),
    /// `Condition` is not an object of objects (guess: wording).
    #[error("Invalid Condition block")]
    InvalidCondition,
    /// An unknown condition operator.
    #[error("Invalid Condition type : {0}")]
    InvalidConditionType(String),
    /// A condition key that is neither a known global key nor a known
    /// service key.
    #[error("Policy has an invalid condition key")]
    InvalidConditionKey(String),
    /// A value the operator cannot read, e.g. `NumericEquals: "ten"`
    /// (guess: wording).
    #[error("Invalid Condition value for operator {0}")]
    InvalidConditionValue(String),
    /// An `IpAddress` / `NotIpAddress` value that is not an address or CIDR.
    #[error("Invalid IP address in Conditions")]
    InvalidIpAddress,
}

impl Fault {
    /// S3's `MalformedPolicy` message.
    pub fn s3_message(&self) -> String {
        self.to_string()
    }

    /// IAM's `MalformedPolicyDocument` message. IAM answers most shape
    /// faults with the one generic sentence, so only the faults IAM is
    /// known to word differently get their own text.
    pub fn iam_message(&self) -> String {
        match self {
            Fault::InvalidVersion => "The policy failed legacy parsing".to_owned(),
            Fault::DuplicateSid(_) | Fault::InvalidSid(_) | Fault::PrincipalNotAllowed => {
                self.to_string()
            }
            Fault::MissingAction => "Policy statement must contain actions.".to_owned(),
            Fault::MissingResource => "Policy statement must contain resources.".to_owned(),
            Fault::ActionWithoutVendor(_) => {
                "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
                    .to_owned()
            }
            Fault::InvalidResource(r) => format!("Resource {r} must be in ARN format or \"*\"."),
            _ => "Syntax errors in policy.".to_owned(),
        }
    }
}

/// A refused policy document: the fault, and which service refused it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// A bucket policy: S3 answers `400 MalformedPolicy`.
    #[error("MalformedPolicy: {0}")]
    Bucket(Fault),
    /// A user, group or managed policy: IAM answers
    /// `400 MalformedPolicyDocument`.
    #[error("MalformedPolicyDocument: {}", .0.iam_message())]
    Identity(Fault),
}

impl PolicyError {
    /// What was wrong, whichever service refused it.
    pub fn fault(&self) -> &Fault {
        match self {
            PolicyError::Bucket(f) | PolicyError::Identity(f) => f,
        }
    }

    /// The AWS error code the refusing service answers with.
    pub fn code(&self) -> &'static str {
        match self {
            PolicyError::Bucket(_) => "MalformedPolicy",
            PolicyError::Identity(_) => "MalformedPolicyDocument",
        }
    }

    /// The message, in the refusing service's wording.
    pub fn message(&self) -> String {
        match self {
            PolicyError::Bucket(f) => f.s3_message(),
            PolicyError::Identity(f) => f.iam_message(),
        }
    }
}
