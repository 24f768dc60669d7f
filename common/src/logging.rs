//! Structured logging setup (tracing). Owns the subscriber configuration; it
//! must never decide what gets logged, only how.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// Installs a stderr `tracing` subscriber; `RUST_LOG` overrides `default_filter`.
pub fn init(default_filter: &str) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    // A second init (e.g. in tests) is harmless, so the error is ignored.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .try_init();
}
