//! Shared pieces of Gureum used by both the origin and the edge: the HTTP
//! accept loop, logging setup and small hashing helpers.
//!
//! This crate sits at the bottom of the workspace: it must never depend on
//! the origin or the edge, and it holds no storage or cache logic.

pub mod feed;
pub mod hash;
pub mod logging;
pub mod server;
