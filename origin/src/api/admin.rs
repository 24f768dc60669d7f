//! Admin API under `/_gureum/admin/`: `POST heal` starts a heal sweep in
//! the background, `GET heal` reports its progress as JSON. One sweep at a
//! time; it never blocks the request that started it.

use std::sync::{Arc, Mutex};

use http::Method;
use s3s::{Body, S3Request, S3Response, S3Result};

use super::json;
use crate::objects::{HealStatus, Objects};

/// Handles `/_gureum/admin/*`.
pub struct AdminApi {
    objects: Arc<Objects>,
    heal: Arc<Mutex<HealStatus>>,
}

impl AdminApi {
    /// Admin API over `objects`.
    pub fn new(objects: Arc<Objects>) -> Self {
        Self {
            objects,
            heal: Arc::default(),
        }
    }

    fn heal_json(&self) -> S3Result<S3Response<Body>> {
        json(&self.heal.lock().map(|s| s.clone()).unwrap_or_default())
    }

    fn start_heal(&self) {
        {
            let Ok(mut s) = self.heal.lock() else { return };
            if s.running {
                return;
            }
            *s = HealStatus {
                running: true,
                ..Default::default()
            };
        }
        let objects = Arc::clone(&self.objects);
        let status = Arc::clone(&self.heal);
        tokio::spawn(async move {
            let result = objects.heal_all(&status).await;
            if let Ok(mut s) = status.lock() {
                if let Err(err) = result {
                    tracing::error!(%err, "heal sweep aborted");
                    s.failed += 1;
                    s.last_error = Some(err.to_string());
                }
                s.running = false;
                s.finished = true;
                tracing::info!(
                    done = s.done,
                    rewritten = s.shards_rewritten,
                    failed = s.failed,
                    "heal sweep finished"
                );
            }
        });
    }
}

impl AdminApi {
    /// Dispatches one admin call (`path` is after `/_gureum/admin/`).
    pub async fn call(&self, req: &S3Request<Body>, path: &str) -> S3Result<S3Response<Body>> {
        match (&req.method, path) {
            (&Method::POST, "heal") => {
                self.start_heal();
                self.heal_json()
            }
            (&Method::GET, "heal") => self.heal_json(),
            _ => Err(s3s::s3_error!(NotImplemented, "Unknown admin call")),
        }
    }
}
