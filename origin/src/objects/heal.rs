//! The heal sweep: re-format wiped drives, then check and repair every
//! version (current or not) of every bucket, reporting progress as it goes.
//! Runs beside normal traffic; never changes what is current.

use std::sync::Mutex;

use super::rows::object_info;
use super::{ObjectError, Objects};
use crate::index::VersionsFrom;

/// Progress of a heal sweep, shared with whoever reports it.
#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
pub struct HealStatus {
    /// A sweep is in progress.
    pub running: bool,
    /// The last sweep finished.
    pub finished: bool,
    /// Objects to check.
    pub total: u64,
    /// Objects checked.
    pub done: u64,
    /// Shard files rewritten.
    pub shards_rewritten: u64,
    /// Objects that could not be fully healed.
    pub failed: u64,
    /// Drives re-formatted at the start.
    pub drives_formatted: u64,
    /// Last error seen, if any.
    pub last_error: Option<String>,
}

impl Objects {
    /// Heals everything, updating `status` as it goes.
    pub async fn heal_all(&self, status: &Mutex<HealStatus>) -> Result<(), ObjectError> {
        let set = |f: &dyn Fn(&mut HealStatus)| {
            if let Ok(mut s) = status.lock() {
                f(&mut s);
            }
        };
        let formatted = self.store.reformat_blank_drives().await?;
        set(&|s| s.drives_formatted = formatted.len() as u64);
        let docs = self.store.heal_system_doc("iam").await?;
        if docs > 0 {
            tracing::info!(drives = docs, "IAM document healed");
        }
        let buckets = self.list_buckets()?;
        let mut total = 0u64;
        for b in &buckets {
            total += self
                .index
                .scan_versions(&b.name, VersionsFrom::Key(Vec::new()))
                .count() as u64;
        }
        set(&|s| s.total = total);
        for b in &buckets {
            self.store.ensure_bucket(&b.name).await?;
            let objects: Vec<_> = self
                .index
                .scan_versions(&b.name, VersionsFrom::Key(Vec::new()))
                .map(|r| r.map(object_info))
                .collect::<Result<_, _>>()?;
            for info in objects {
                match self.store.heal_version(&info).await {
                    Ok(r) => {
                        let failed = r.unreachable > 0;
                        set(&|s| {
                            s.shards_rewritten += r.rewritten as u64;
                            s.failed += u64::from(failed);
                        });
                        if r.rewritten > 0 {
                            tracing::info!(bucket = %info.bucket, key = %info.key, shards = r.rewritten, "healed");
                        }
                    }
                    Err(err) => {
                        tracing::error!(bucket = %info.bucket, key = %info.key, %err, "heal failed");
                        let msg = format!("{}/{}: {err}", info.bucket, info.key);
                        set(&|s| {
                            s.failed += 1;
                            s.last_error = Some(msg.clone());
                        });
                    }
                }
                set(&|s| s.done += 1);
            }
        }
        Ok(())
    }
}
