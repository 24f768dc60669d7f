//! The change feed's storage: a sled tree of events keyed by big-endian
//! sequence number, appended under a lock so readers never see seq N+1
//! before seq N, trimmed to a retention window. Edges that fall behind the
//! window get `reset` and purge instead of missing changes silently.

use std::sync::Mutex;

use gureum_common::feed::{ChangeEvent, ChangesPage};

use super::{Index, IndexError, decode, encode};

/// Events kept for edges that reconnect.
pub const RETAIN_EVENTS: u64 = 100_000;

/// Sequence allocation state.
pub(super) struct Sequencer {
    /// Seq the next event gets.
    next: Mutex<u64>,
}

impl Sequencer {
    pub(super) fn open(tree: &sled::Tree) -> Result<Self, IndexError> {
        let next = match tree.last()? {
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
        self.changes
            .insert(event.seq.to_be_bytes(), encode(&event)?)?;
        *next += 1;
        // Trim in batches so the common path is one insert.
        if event.seq.is_multiple_of(1024) && event.seq > RETAIN_EVENTS {
            let cutoff = (event.seq - RETAIN_EVENTS).to_be_bytes();
            for k in self.changes.range(..cutoff.as_slice()).keys() {
                self.changes.remove(k?)?;
            }
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
        let oldest = match self.changes.first()? {
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
        for item in self.changes.range(since.to_be_bytes()..) {
            let (k, v) = item?;
            let seq = seq_of(&k);
            if page.events.len() == limit {
                page.next = seq;
                break;
            }
            let ev: ChangeEvent = decode(&v)?;
            if ev.bucket == bucket {
                page.events.push(ev);
            }
        }
        Ok(page)
    }
}
