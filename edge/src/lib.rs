//! Gureum edge: a CDN node that caches designated folders
//! (distributions) of a Gureum origin and sends everything else back to
//! the origin region. Data flows one way: HTTP -> routes -> cache, and on
//! a miss -> fetch -> origin; the cache never fetches by itself.

pub mod admin;
pub mod app;
pub mod cache;
pub mod config;
pub mod error;
pub mod feed;
pub mod fetch;
pub mod grant;
pub mod health;
pub mod metrics;
pub mod prewarm;
pub mod proxy;
pub mod range;
pub mod respond;
pub mod routes;
pub mod serve;
pub mod server;
pub mod sign_cli;
pub mod signed;
