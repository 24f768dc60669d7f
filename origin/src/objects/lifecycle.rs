//! Lifecycle rules applied by a background sweep: expire current versions
//! by prefix and age (or from a date) — a delete marker in a versioned
//! bucket, as a DeleteObject would do — remove noncurrent versions some
//! days after they were superseded, and abort multipart uploads left
//! incomplete. Each action goes through the same operations clients use,
//! so commit order, change feed and cleanup are the usual ones.

use std::time::Duration;

use super::records::LifecycleRule;
use super::rows::{object_info, upload_record};
use super::{ObjectError, ObjectInfo, Objects};
use crate::index::VersionsFrom;

/// The sweep's notion of time: now, and how long a lifecycle "day" is
/// (a real day, except in tests that cannot wait one).
#[derive(Debug, Clone, Copy)]
pub struct LifecycleClock {
    /// Current time, unix ms.
    pub now_ms: i64,
    /// Length of one lifecycle day.
    pub day: Duration,
}

impl LifecycleClock {
    fn days_ms(&self, days: i32) -> i64 {
        i64::from(days).saturating_mul(self.day.as_millis() as i64)
    }
}

/// What one sweep did.
#[derive(Debug, Default, Clone, Copy)]
pub struct LifecycleReport {
    /// Current versions expired.
    pub expired: u64,
    /// Noncurrent versions removed.
    pub noncurrent_removed: u64,
    /// Incomplete uploads aborted.
    pub uploads_aborted: u64,
}

impl Objects {
    /// Applies every enabled lifecycle rule of every bucket once.
    pub async fn apply_lifecycle(
        &self,
        clock: LifecycleClock,
    ) -> Result<LifecycleReport, ObjectError> {
        let mut report = LifecycleReport::default();
        for bucket in self.list_buckets()? {
            for rule in bucket.config.lifecycle.iter().filter(|r| r.enabled) {
                self.apply_rule(&bucket.name, rule, clock, &mut report)
                    .await?;
            }
        }
        Ok(report)
    }

    async fn apply_rule(
        &self,
        bucket: &str,
        rule: &LifecycleRule,
        clock: LifecycleClock,
        report: &mut LifecycleReport,
    ) -> Result<(), ObjectError> {
        let prefix = rule.prefix.as_str();
        let expire_before = match (rule.expiration_days, rule.expiration_date_ms) {
            (Some(d), _) => Some(clock.now_ms - clock.days_ms(d)),
            // From the date on, everything under the prefix expires.
            (None, Some(date)) if date <= clock.now_ms => Some(i64::MAX),
            _ => None,
        };
        if let Some(cutoff) = expire_before {
            let due: Vec<ObjectInfo> = self
                .index
                .scan_objects(bucket, std::ops::Bound::Included(prefix.as_bytes()))
                .take_while(|r| r.as_ref().map_or(true, |i| i.key.starts_with(prefix)))
                .filter(|r| r.as_ref().map_or(true, |i| i.mtime_ms <= cutoff))
                .map(|r| r.map(object_info))
                .collect::<Result<_, _>>()?;
            for info in due {
                self.delete_object(bucket, &info.key, None).await?;
                report.expired += 1;
            }
        }
        if let Some(days) = rule.noncurrent_days {
            let cutoff = clock.now_ms - clock.days_ms(days);
            let mut due = Vec::new();
            // A version became noncurrent when the next newer one was written.
            let mut newer: Option<ObjectInfo> = None;
            for item in self
                .index
                .scan_versions(bucket, VersionsFrom::Key(prefix.as_bytes().to_vec()))
            {
                let v = object_info(item?);
                if !v.key.starts_with(prefix) {
                    break;
                }
                if let Some(n) = &newer
                    && n.key == v.key
                    && n.mtime_ms <= cutoff
                {
                    due.push(v.clone());
                }
                newer = Some(v);
            }
            for v in due {
                self.remove_version(&v).await?;
                report.noncurrent_removed += 1;
            }
        }
        if let Some(days) = rule.abort_incomplete_days {
            let cutoff = clock.now_ms - clock.days_ms(days);
            let due: Vec<_> = self
                .index
                .list_uploads(bucket, prefix, None)
                .filter(|r| r.as_ref().map_or(true, |u| u.initiated_ms <= cutoff))
                .map(|r| r.map(upload_record))
                .collect::<Result<_, _>>()?;
            for up in due {
                self.abort_upload(&up).await?;
                report.uploads_aborted += 1;
            }
        }
        Ok(())
    }
}
