//! Shared pieces of Gureum used by both the origin and the edge: the HTTP
//! accept loop with its TLS and connection limits, logging setup, hashing helpers, the SigV4 signer, S3 error
//! documents, conditional-request evaluation and shared header names.
//!
//! This crate sits at the bottom of the workspace: it must never depend on
//! the origin or the edge, and it holds no storage or cache logic.

pub mod conditions;
pub mod feed;
pub mod hash;
pub mod headers;
pub mod limits;
pub mod logging;
pub mod s3xml;
pub mod server;
pub mod sigv4;
pub mod tls;
