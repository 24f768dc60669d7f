//! Secrets at rest: the deployment's master key and the sealing of small
//! secrets (IAM secret keys, and the data keys of encrypted objects) with
//! it. AES-256-GCM from `ring`; nothing here is hand-rolled cryptography.
//! Never logs key material; never writes a key to a drive.

pub mod master;

pub use master::{MasterKey, SealError};
