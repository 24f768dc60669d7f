//! Identity and access management: users, groups, access keys and
//! policies (kept through the object layer), the IAM query API, and the
//! authorization of every S3 request. Policy evaluation is the pure
//! `policy` module (no IO).

pub mod acl;
pub mod api;
pub mod authorize;
pub mod error;
pub mod model;
pub mod policy;
pub mod s3_actions;
pub mod sigv4;
pub mod store;

pub use error::IamError;
pub use store::{Account, Iam, Identity};
