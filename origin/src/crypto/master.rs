//! The master key (contract: `--master-key-file PATH`, TOML
//! `master_key_file`; when absent `<meta-dir>/master.key` is generated at
//! first start with mode 0600): 32 random bytes kept as 64 hex digits on
//! one line. It seals small secrets as `v1.<key id>.<base64 nonce||ct>`
//! with AES-256-GCM and caller-chosen associated data (the name of what is
//! sealed), so a sealed value moved onto another record does not open.
//! The key id (first 8 hex digits of SHA-256 of the key) says which key
//! sealed a value, which is what rotation needs.

use std::fmt;
use std::io::Write;
use std::path::Path;

use base64::Engine;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};

/// Why a master key could not be loaded or a value not be opened.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    /// The key file could not be read or created.
    #[error("master key file {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// The key file does not hold 64 hex digits.
    #[error("master key file {0}: expected 64 hex digits (32 bytes) on one line")]
    BadKeyFile(String),
    /// A sealed value that is not `v1.<id>.<base64>`.
    #[error("sealed value is malformed")]
    Malformed,
    /// Sealed with another master key.
    #[error("sealed with master key {0}, which is not the one configured")]
    WrongKey(String),
    /// Authentication failed: tampered, or the associated data differs.
    #[error("sealed value does not open (tampered or moved)")]
    Tampered,
    /// The system RNG failed.
    #[error("system random number generator failed")]
    Random,
}

/// The deployment's master key.
pub struct MasterKey {
    key: LessSafeKey,
    id: String,
}

impl fmt::Debug for MasterKey {
    // The key itself never reaches a log line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MasterKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl MasterKey {
    /// A master key from its 32 bytes.
    pub fn from_bytes(bytes: &[u8; 32]) -> MasterKey {
        let digest = ring::digest::digest(&ring::digest::SHA256, bytes);
        let id = hex::encode(&digest.as_ref()[..4]);
        // 32 bytes is AES-256's key length, so this cannot fail.
        let unbound = UnboundKey::new(&AES_256_GCM, bytes).unwrap_or_else(|_| unreachable!());
        MasterKey {
            key: LessSafeKey::new(unbound),
            id,
        }
    }

    /// Reads the key at `path`, or, when `create` and the file does not
    /// exist, generates one there (mode 0600, fsynced).
    pub fn load_or_create(path: &Path, create: bool) -> Result<MasterKey, SealError> {
        let name = path.display().to_string();
        let io = |source| SealError::Io {
            path: name.clone(),
            source,
        };
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let raw =
                    hex::decode(text.trim()).map_err(|_| SealError::BadKeyFile(name.clone()))?;
                let bytes: [u8; 32] = raw
                    .try_into()
                    .map_err(|_| SealError::BadKeyFile(name.clone()))?;
                Ok(MasterKey::from_bytes(&bytes))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => {
                let mut bytes = [0u8; 32];
                SystemRandom::new()
                    .fill(&mut bytes)
                    .map_err(|_| SealError::Random)?;
                use std::os::unix::fs::OpenOptionsExt;
                let mut f = std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .open(path)
                    .map_err(io)?;
                f.write_all(format!("{}\n", hex::encode(bytes)).as_bytes())
                    .map_err(io)?;
                f.sync_all().map_err(io)?;
                if let Some(parent) = path.parent() {
                    std::fs::File::open(parent)
                        .and_then(|d| d.sync_all())
                        .map_err(io)?;
                }
                Ok(MasterKey::from_bytes(&bytes))
            }
            Err(e) => Err(io(e)),
        }
    }

    /// Which key this is (safe to log).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Seals `plain`, bound to `aad` (the name of what is sealed).
    pub fn seal(&self, plain: &[u8], aad: &str) -> Result<String, SealError> {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| SealError::Random)?;
        let mut buf = plain.to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad.as_bytes()),
                &mut buf,
            )
            .map_err(|_| SealError::Random)?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&buf);
        Ok(format!(
            "v1.{}.{}",
            self.id,
            base64::engine::general_purpose::STANDARD.encode(out)
        ))
    }

    /// Opens a value sealed by [`MasterKey::seal`] with the same `aad`.
    pub fn open(&self, sealed: &str, aad: &str) -> Result<Vec<u8>, SealError> {
        let mut parts = sealed.splitn(3, '.');
        let (Some("v1"), Some(id), Some(body)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(SealError::Malformed);
        };
        if id != self.id {
            return Err(SealError::WrongKey(id.to_string()));
        }
        let raw = base64::engine::general_purpose::STANDARD
            .decode(body)
            .map_err(|_| SealError::Malformed)?;
        if raw.len() < NONCE_LEN {
            return Err(SealError::Malformed);
        }
        let (nonce, ct) = raw.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| SealError::Malformed)?;
        let mut buf = ct.to_vec();
        let plain = self
            .key
            .open_in_place(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad.as_bytes()),
                &mut buf,
            )
            .map_err(|_| SealError::Tampered)?;
        Ok(plain.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_and_refusals() {
        let k = MasterKey::from_bytes(&[7u8; 32]);
        let other = MasterKey::from_bytes(&[8u8; 32]);
        let sealed = k.seal(b"secret", "AKIA1").expect("seal");
        assert!(!sealed.contains("secret"));
        assert_eq!(k.open(&sealed, "AKIA1").expect("open"), b"secret");
        // Two seals of the same value differ (fresh nonce).
        assert_ne!(sealed, k.seal(b"secret", "AKIA1").expect("seal"));
        let cases: Vec<(String, &str, &MasterKey)> = vec![
            (sealed.clone(), "AKIA2", &k),
            (sealed.clone(), "AKIA1", &other),
            (sealed.replacen("v1", "v2", 1), "AKIA1", &k),
            ("v1".into(), "AKIA1", &k),
            (format!("v1.{}.!!!", k.id()), "AKIA1", &k),
            (format!("v1.{}.AAAA", k.id()), "AKIA1", &k),
            (
                {
                    let mut t = sealed.clone();
                    let last = t
                        .pop()
                        .map(|c| if c == 'A' { 'B' } else { 'A' })
                        .unwrap_or('A');
                    t.push(last);
                    t
                },
                "AKIA1",
                &k,
            ),
        ];
        for (i, (value, aad, key)) in cases.iter().enumerate() {
            assert!(key.open(value, aad).is_err(), "case {i} opened");
        }
        assert!(!format!("{k:?}").contains("0707"));
    }

    #[test]
    fn key_file_created_once_with_0600() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("master.key");
        assert!(MasterKey::load_or_create(&path, false).is_err());
        let a = MasterKey::load_or_create(&path, true).expect("create");
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let b = MasterKey::load_or_create(&path, true).expect("load");
        assert_eq!(a.id(), b.id());
        let sealed = a.seal(b"x", "y").expect("seal");
        assert_eq!(b.open(&sealed, "y").expect("open"), b"x");
        std::fs::write(&path, "nothex\n").expect("write");
        let err = MasterKey::load_or_create(&path, true).expect_err("bad file");
        assert!(err.to_string().contains("master.key"), "{err}");
    }
}
