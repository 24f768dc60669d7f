//! `/health/live` and `/health/ready`. Live: the process answers. Ready:
//! the disk index is rebuilt and the listener is up — which is true by the
//! time any request is served — so an edge whose origin is down stays in
//! rotation and keeps serving what it has (stale-if-error); the body says
//! whether the origin answered the last change-feed poll.

use std::sync::atomic::{AtomicBool, Ordering};

use http::{Response, StatusCode};

use crate::respond::{EdgeBody, text};

/// Origin reachability as last seen by the change-feed followers.
#[derive(Debug, Default)]
pub struct OriginHealth {
    down: AtomicBool,
}

impl OriginHealth {
    /// Records the outcome of an origin call.
    pub fn set_reachable(&self, ok: bool) {
        self.down.store(!ok, Ordering::Relaxed);
    }

    fn describe(&self) -> &'static str {
        if self.down.load(Ordering::Relaxed) {
            "origin: unreachable (serving cached objects)\n"
        } else {
            "origin: ok\n"
        }
    }
}

/// `GET /health/live`.
pub fn live() -> Response<EdgeBody> {
    text(StatusCode::OK, "ok\n", "text/plain")
}

/// `GET /health/ready`.
pub fn ready(origin: &OriginHealth) -> Response<EdgeBody> {
    text(
        StatusCode::OK,
        format!("ready\n{}", origin.describe()),
        "text/plain",
    )
}
