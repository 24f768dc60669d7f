//! System documents: small records Gureum keeps about itself rather than
//! about objects (the IAM state today), as `.gureum/sys/<name>.json` on
//! every drive, written durably on a write quorum like bucket markers, so
//! they survive the loss of the meta dir and of `parity` drives. Each copy
//! carries a generation; a read takes the newest copy that decodes. The
//! body is opaque here: its owner (e.g. `iam`) gives it its own format.

use serde::{Deserialize, Serialize};

use super::drive::{Drive, create_dir_durable, write_file_durable};
use super::error::StoreError;
use super::layout::write_quorum;
use super::meta::decode_record;
use super::{Store, blocking};

/// Current format of a system document file.
const SYSTEM_FORMAT: u32 = 1;

#[derive(Serialize, Deserialize)]
struct SystemDoc {
    format: u32,
    generation: u64,
    body: serde_json::Value,
}

fn doc_path(d: &Drive, name: &str) -> std::path::PathBuf {
    d.sys_dir().join("sys").join(format!("{name}.json"))
}

/// The newest copy of `name` among `drives`: (generation, body).
fn newest(drives: &[Drive], name: &str) -> Result<Option<(u64, serde_json::Value)>, StoreError> {
    let mut best: Option<(u64, serde_json::Value)> = None;
    for d in drives.iter().filter(|d| d.is_online()) {
        let path = doc_path(d, name);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(err) => {
                tracing::warn!(path = %path.display(), %err, "system document unreadable");
                continue;
            }
        };
        match decode_record::<SystemDoc>(&path, &bytes, SYSTEM_FORMAT) {
            Ok(doc) if best.as_ref().is_none_or(|(g, _)| doc.generation > *g) => {
                best = Some((doc.generation, doc.body));
            }
            Ok(_) => {}
            Err(err @ StoreError::UnknownFormat { .. }) => return Err(err),
            Err(err) => tracing::warn!(%err, "system document copy skipped"),
        }
    }
    Ok(best)
}

impl Store {
    /// The newest copy of system document `name` (None: never written).
    pub async fn read_system_doc(
        &self,
        name: &str,
    ) -> Result<Option<(u64, serde_json::Value)>, StoreError> {
        let drives = self.drives.clone();
        let name = name.to_string();
        blocking(move || newest(&drives, &name)).await
    }

    /// Writes generation `generation` of `name` on every online drive;
    /// fails unless a write quorum took it.
    pub async fn write_system_doc(
        &self,
        name: &str,
        generation: u64,
        body: serde_json::Value,
    ) -> Result<(), StoreError> {
        let drives = self.drives.clone();
        let quorum = write_quorum(&self.layout);
        let name = name.to_string();
        blocking(move || {
            let bytes = serde_json::to_vec(&SystemDoc {
                format: SYSTEM_FORMAT,
                generation,
                body,
            })
            .map_err(|e| StoreError::Internal(e.to_string()))?;
            let mut ok = 0;
            for d in drives.iter().filter(|d| d.is_online()) {
                let path = doc_path(d, &name);
                let res = path
                    .parent()
                    .map_or(Ok(()), create_dir_durable)
                    .and_then(|()| write_file_durable(&path, &bytes));
                match res {
                    Ok(()) => ok += 1,
                    Err(err) => tracing::warn!(drive = %d.root.display(), %err, "system document write failed on drive"),
                }
            }
            if ok < quorum {
                return Err(StoreError::WriteQuorum { ok, needed: quorum });
            }
            Ok(())
        })
        .await
    }

    /// Copies the newest copy of `name` to the online drives that lack it
    /// or hold an older one (heal); returns how many were rewritten.
    pub async fn heal_system_doc(&self, name: &str) -> Result<usize, StoreError> {
        let Some((generation, body)) = self.read_system_doc(name).await? else {
            return Ok(0);
        };
        let drives = self.drives.clone();
        let name = name.to_string();
        blocking(move || {
            let bytes = serde_json::to_vec(&SystemDoc {
                format: SYSTEM_FORMAT,
                generation,
                body,
            })
            .map_err(|e| StoreError::Internal(e.to_string()))?;
            let mut fixed = 0;
            for d in drives.iter().filter(|d| d.is_online()) {
                let path = doc_path(d, &name);
                let current = std::fs::read(&path)
                    .ok()
                    .and_then(|b| decode_record::<SystemDoc>(&path, &b, SYSTEM_FORMAT).ok())
                    .map(|doc| doc.generation);
                if current == Some(generation) {
                    continue;
                }
                if let Some(parent) = path.parent() {
                    create_dir_durable(parent)?;
                }
                write_file_durable(&path, &bytes)?;
                fixed += 1;
            }
            Ok(fixed)
        })
        .await
    }
}
