//! Fault injection for tests: named points in the write and commit paths
//! where a test can make the process fail on purpose — return an IO error
//! (as a dying disk would) or abort on the spot (as kill -9 would, but at
//! an exact step instead of wherever a timer happens to land).
//!
//! Armed only by the environment variable `GUREUM_TEST_FAULTS`
//! (`point=action[,point=action...]`, action `eio` or `abort`), read once
//! at first use; never set it outside tests. Unit tests arm points with
//! [`arm`]. A point that is not armed costs one atomic load.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

/// What an armed point does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Fail the operation with an IO error (EIO).
    Eio,
    /// Abort the process immediately (no cleanup, no flush).
    Abort,
}

fn points() -> &'static Mutex<HashMap<String, Action>> {
    static POINTS: OnceLock<Mutex<HashMap<String, Action>>> = OnceLock::new();
    POINTS.get_or_init(|| {
        let mut map = HashMap::new();
        if let Ok(spec) = std::env::var("GUREUM_TEST_FAULTS") {
            for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                match item.split_once('=') {
                    Some((p, "eio")) => {
                        map.insert(p.to_string(), Action::Eio);
                    }
                    Some((p, "abort")) => {
                        map.insert(p.to_string(), Action::Abort);
                    }
                    _ => tracing::warn!(item, "GUREUM_TEST_FAULTS: ignoring malformed entry"),
                }
            }
            if !map.is_empty() {
                tracing::warn!(?map, "fault injection armed (GUREUM_TEST_FAULTS)");
            }
        }
        Mutex::new(map)
    })
}

/// Arms (or with None disarms) `point` in this process.
pub fn arm(point: &str, action: Option<Action>) {
    let mut map = points().lock().unwrap_or_else(|e| e.into_inner());
    match action {
        Some(a) => map.insert(point.to_string(), a),
        None => map.remove(point),
    };
}

/// Passes point `point`: Ok when it is not armed; an EIO error or an abort
/// when it is.
pub fn check(point: &str) -> std::io::Result<()> {
    let action = {
        let map = points().lock().unwrap_or_else(|e| e.into_inner());
        if map.is_empty() {
            return Ok(());
        }
        map.get(point).copied()
    };
    match action {
        None => Ok(()),
        Some(Action::Eio) => Err(std::io::Error::from_raw_os_error(libc::EIO)),
        Some(Action::Abort) => {
            eprintln!("gureum-origin: fault injection: abort at {point}");
            std::process::abort()
        }
    }
}
