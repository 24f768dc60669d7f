//! The drive format file (`.gureum/format`): deployment id, drive index,
//! drive count and parity. Checked at start so swapped, foreign or reordered
//! drives are refused instead of silently mixing shards. A blank drive in an
//! existing set is formatted in place (a replacement waiting for heal).

use serde::{Deserialize, Serialize};

use super::drive::{Drive, create_dir_durable, write_file_durable};
use super::error::StoreError;
use super::meta::decode_record;

/// Current format-file version.
const FORMAT_VERSION: u32 = 1;

/// Contents of `.gureum/format`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DriveFormat {
    /// Record format version.
    pub format: u32,
    /// Id shared by every drive of one deployment.
    pub deployment_id: String,
    /// This drive's position.
    pub drive_index: usize,
    /// Drives in the set.
    pub drive_count: usize,
    /// Parity shards per block.
    pub parity: usize,
}

/// What the checked drive set agreed on.
#[derive(Debug, Clone)]
pub struct SetFormat {
    /// Deployment id.
    pub deployment_id: String,
    /// Parity of the set.
    pub parity: usize,
    /// Indexes of drives that were blank and have just been formatted.
    pub fresh: Vec<usize>,
}

/// Reads every drive's format, checks they agree with each other and with
/// their position, and formats blank drives. `parity` is the configured
/// value (None = keep what the drives say, or `default` for a new set).
pub fn check_and_format(
    drives: &[Drive],
    parity: Option<usize>,
    default: usize,
) -> Result<SetFormat, StoreError> {
    let mut found: Vec<Option<DriveFormat>> = Vec::with_capacity(drives.len());
    for d in drives {
        let path = d.format_path();
        match std::fs::read(&path) {
            Ok(bytes) => {
                let f: DriveFormat = decode_record(&path, &bytes, FORMAT_VERSION)
                    .map_err(|e| StoreError::Config(format!("drive format file {e}")))?;
                found.push(Some(f));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => found.push(None),
            Err(e) => {
                return Err(StoreError::Config(format!("{}: {e}", path.display())));
            }
        }
    }
    let reference = found.iter().flatten().next().cloned();
    let (deployment_id, set_parity) = match &reference {
        Some(r) => (r.deployment_id.clone(), r.parity),
        None => (uuid::Uuid::new_v4().to_string(), parity.unwrap_or(default)),
    };
    if let Some(p) = parity
        && p != set_parity
    {
        return Err(StoreError::Config(format!(
            "--parity {p} does not match the drives, which were formatted with parity {set_parity}"
        )));
    }
    for (i, f) in found.iter().enumerate() {
        let Some(f) = f else { continue };
        let where_ = drives[i].root.display();
        if f.deployment_id != deployment_id {
            return Err(StoreError::Config(format!(
                "drive {where_} belongs to another deployment ({})",
                f.deployment_id
            )));
        }
        if f.drive_index != i {
            return Err(StoreError::Config(format!(
                "drive {where_} is drive #{} of its set but was given as #{i}: keep the --drive order",
                f.drive_index
            )));
        }
        if f.drive_count != drives.len() {
            return Err(StoreError::Config(format!(
                "drive {where_} belongs to a set of {} drives, {} given",
                f.drive_count,
                drives.len()
            )));
        }
    }
    let mut fresh = Vec::new();
    for (i, f) in found.iter().enumerate() {
        if f.is_some() {
            continue;
        }
        let d = &drives[i];
        create_dir_durable(&d.sys_dir())?;
        let rec = DriveFormat {
            format: FORMAT_VERSION,
            deployment_id: deployment_id.clone(),
            drive_index: i,
            drive_count: drives.len(),
            parity: set_parity,
        };
        let bytes =
            serde_json::to_vec_pretty(&rec).map_err(|e| StoreError::Internal(e.to_string()))?;
        write_file_durable(&d.format_path(), &bytes)?;
        fresh.push(i);
    }
    Ok(SetFormat {
        deployment_id,
        parity: set_parity,
        fresh,
    })
}
