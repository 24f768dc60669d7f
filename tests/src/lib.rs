//! Shared harness for the integration tests in `tests/tests/`.
//!
//! Every test starts its own `gureum-origin` ([`Origin::start`]) on loopback
//! port 0 with its own temporary drive and metadata directories, and talks to
//! it with a real `aws-sdk-s3` client ([`Origin::client`], default settings:
//! SigV4, default checksums) or, for requests the SDK will not send (bad
//! signatures, anonymous calls, `%2e%2e` paths), with the raw HTTP/1.1 helpers
//! in `raw` ([`Origin::signed`], [`Origin::anonymous`]).
//!
//! Directory layout of one test server:
//! ```text
//! <root>/                 tempdir, removed on drop; the server's cwd
//! <root>/jail/drives/dN   drive i
//! <root>/jail/meta        --meta-dir
//! ```
//! `<root>` itself holds nothing but `jail/`, so a test can tell whether a
//! request made the server write anywhere it should not.
//!
//! The binary is `$GUREUM_ORIGIN_BIN`, else `target/<profile>/gureum-origin`
//! next to the test executable's `deps/` dir; build it with
//! `cargo build --workspace --bins`.
//!
//! Split by concern: `process` (finding and spawning binaries, the one
//! spawn routine and the one wait helper), `origin` and `edge` (the two
//! servers), `s3` (aws-sdk-s3 helpers), `raw` (raw HTTP and SigV4 headers)
//! and `fixtures` (test data, digests, files).

pub mod edge;
pub mod fixtures;
pub mod iam;
pub mod origin;
pub mod process;
pub mod raw;
pub mod s3;
pub mod tls;

pub use fixtures::*;
pub use origin::*;
pub use process::*;
pub use raw::*;
pub use s3::*;

pub const KIB: usize = 1 << 10;
pub const MIB: usize = 1 << 20;
/// Object bytes per erasure-coded block (contract).
pub const BLOCK: usize = MIB;
/// Bytes of the blake3 hash after every shard-block in `shard.bin` (contract).
pub const HASH_LEN: usize = 32;
