//! The change feed's storage: a tree of events keyed by big-endian
//! sequence number, appended under a lock so readers never see seq N+1
//! before seq N, trimmed to a retention window. Edges that fall behind the
//! window get `reset` and purge instead of missing changes silently.

use std::ops::Bound;
use std::sync::Mutex;

use gureum_common::feed::{ChangeEvent, ChangeOp, ChangesPage};

use super::kv::{Kv, Tree};
use super::rows::ChangeRow;
use super::{Index, IndexError, decode, encode};

fn to_row(e: &ChangeEvent) -> ChangeRow {
    ChangeRow {
        seq: e.seq,
        bucket: e.bucket.clone(),
        key: e.key.clone(),
        op: match e.op {
            ChangeOp::Put => "put",
            ChangeOp::Delete => "delete",
        }
        .to_string(),
        etag: e.etag.clone(),
        version_id: e.version_id.clone(),
    }
}

fn from_row(r: ChangeRow) -> ChangeEvent {
    ChangeEvent {
        seq: r.seq,
        bucket: r.bucket,
        key: r.key,
        op: if r.op == "put" {
            ChangeOp::Put
        } else {
            ChangeOp::Delete
        },
        etag: r.etag,
        version_id: r.version_id,
    }
}

/// Events kept for edges that reconnect.
pub const RETAIN_EVENTS: u64 = 100_000;

/// Sequence allocation state.
pub(super) struct Sequencer {
    /// Seq the next event gets.
    next: Mutex<u64>,
}

impl Sequencer {
    pub(super) fn open(kv: &dyn Kv) -> Result<Self, IndexError> {
        let next = match kv.last(Tree::Changes)? {
            Some((k, _)) => seq_of(&k) + 1,
            None => 1,
        };
        Ok(Self {
            next: Mutex::new(next),
        })
    }
}

fn seq_of(k: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    let n = k.len().min(8);
    b[..n].copy_from_slice(&k[..n]);
    u64::from_be_bytes(b)
}

impl Index {
    /// Appends an event (its `seq` is assigned here) and returns the seq.
    pub fn append_change(&self, mut event: ChangeEvent) -> Result<u64, IndexError> {
        let mut next = self.seq.next.lock().map_err(|_| IndexError::Poisoned)?;
        event.seq = *next;
        self.kv.insert(
            Tree::Changes,
            &event.seq.to_be_bytes(),
            encode(&to_row(&event))?,
        )?;
        *next += 1;
        // Trim in batches so the common path is one insert.
        if event.seq.is_multiple_of(1024) && event.seq > RETAIN_EVENTS {
            let cutoff = (event.seq - RETAIN_EVENTS).to_be_bytes().to_vec();
            let mut batch = super::kv::Batch::new();
            for row in self
                .kv
                .range(Tree::Changes, Bound::Unbounded, Bound::Excluded(cutoff))
            {
                batch.remove(Tree::Changes, row?.0);
            }
            self.kv.apply(&batch)?;
        }
        Ok(event.seq)
    }

    /// Seq the next event will get.
    pub fn next_change_seq(&self) -> u64 {
        self.seq.next.lock().map(|n| *n).unwrap_or(1)
    }

    /// Events of `bucket` with seq >= `since` (at most `limit`).
    pub fn changes_since(
        &self,
        bucket: &str,
        since: u64,
        limit: usize,
    ) -> Result<ChangesPage, IndexError> {
        let next_seq = self.next_change_seq();
        let oldest = match self
            .kv
            .range(Tree::Changes, Bound::Unbounded, Bound::Unbounded)
            .next()
            .transpose()?
        {
            Some((k, _)) => seq_of(&k),
            None => next_seq,
        };
        // Behind the window, or from another incarnation of the index.
        if since < oldest.min(next_seq) || since > next_seq {
            return Ok(ChangesPage {
                events: Vec::new(),
                next: next_seq,
                reset: true,
            });
        }
        let mut page = ChangesPage {
            events: Vec::new(),
            next: next_seq,
            reset: false,
        };
        let from = Bound::Included(since.to_be_bytes().to_vec());
        for item in self.kv.range(Tree::Changes, from, Bound::Unbounded) {
            let (k, v) = item?;
            let seq = seq_of(&k);
            if page.events.len() == limit {
                page.next = seq;
                break;
            }
            let ev = from_row(decode::<ChangeRow>(&v)?);
            if ev.bucket == bucket {
                page.events.push(ev);
            }
        }
        Ok(page)
    }
}
