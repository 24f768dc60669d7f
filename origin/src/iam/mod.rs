//! Identity and access management: users, groups, access keys and
//! policies (kept through the object layer), the IAM query API, and the
//! authorization of every S3 request. Policy evaluation is the pure
//! `policy` module (no IO).

pub mod policy;
