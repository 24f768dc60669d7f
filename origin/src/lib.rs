//! Gureum origin: an S3-compatible object store that keeps buckets durable
//! with erasure coding. Data flows one way: `http` -> `s3` -> `objects` ->
//! `store` + `index`; no module reaches up the chain.

pub mod api;
pub mod config;
pub mod crypto;
pub mod heal_cli;
pub mod http;
pub mod iam;
pub mod index;
pub mod limits;
pub mod metrics;
pub mod objects;
pub mod s3;
pub mod server;
pub mod store;
pub mod tls_cli;
