//! Command line and TOML configuration of `gureum-origin`. Flags win over
//! the `--config` file; the result is validated into `ServeConfig` /
//! `StorageConfig` with one-line errors. Parses only; starts nothing.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use serde::Deserialize;

/// Gureum origin: S3-compatible object store with erasure coding.
#[derive(Debug, Parser)]
#[command(name = "gureum-origin", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the S3 API (root credentials from GUREUM_ROOT_ACCESS_KEY / GUREUM_ROOT_SECRET_KEY).
    Serve(ServeArgs),
    /// Rebuild the index (meta dir) from the drives alone; run with the server stopped.
    Reindex(StorageArgs),
    /// Ask a running origin to rebuild every missing or corrupt shard (root credentials from env).
    Heal(HealArgs),
    /// Write a private CA and a server certificate it signed (ca.pem, cert.pem, key.pem) for demos and tests.
    TlsSelfSigned(TlsSelfSignedArgs),
}

/// Flags of `tls-self-signed`.
#[derive(Debug, Args)]
pub struct TlsSelfSignedArgs {
    /// Directory to write ca.pem, cert.pem and key.pem into (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// A DNS name or IP address the certificate is for; repeat for more
    /// [default: localhost, 127.0.0.1, ::1].
    #[arg(long = "name", value_name = "HOST")]
    pub names: Vec<String>,
    /// Days the certificates are valid.
    #[arg(long, default_value_t = 365)]
    pub days: u32,
}

/// Flags of `heal`.
#[derive(Debug, Args)]
pub struct HealArgs {
    /// Origin URL, e.g. http://127.0.0.1:9000.
    #[arg(long, value_name = "URL")]
    pub endpoint: String,
    /// Region the requests are signed for (the origin's --region).
    #[arg(long, default_value = "us-east-1")]
    pub region: String,
}

/// Storage flags shared by `serve` and `reindex`.
#[derive(Debug, Args, Clone)]
pub struct StorageArgs {
    /// TOML file with any of: listen, drives, parity, meta_dir, region, domain, master_key_file, tls_cert, tls_key, and a [limits] table.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// A drive directory; repeat for each drive. Order matters.
    #[arg(long = "drive", value_name = "PATH")]
    pub drives: Vec<PathBuf>,
    /// Parity shards per block (default: 0 for 1 drive, 1 for 2-3, 2 for 4-7, 4 for 8+).
    #[arg(long)]
    pub parity: Option<usize>,
    /// Directory of the metadata index.
    #[arg(long, value_name = "PATH")]
    pub meta_dir: Option<PathBuf>,
}

/// Flags of `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Storage flags.
    #[command(flatten)]
    pub storage: StorageArgs,
    /// Address to listen on [default: 127.0.0.1:9000].
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// Region reported to clients [default: us-east-1]; requests signed for any region are accepted.
    #[arg(long)]
    pub region: Option<String>,
    /// Domain for virtual-host-style requests (bucket.DOMAIN); path style always works.
    #[arg(long)]
    pub domain: Option<String>,
    /// The deployment's master key (64 hex digits), which wraps IAM secret
    /// keys [default: META_DIR/master.key, created 0600 at first start].
    #[arg(long, value_name = "PATH")]
    pub master_key_file: Option<PathBuf>,
    /// PEM certificate chain (leaf first): the listener speaks HTTPS. Needs --tls-key.
    #[arg(long, value_name = "FILE")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert.
    #[arg(long, value_name = "FILE")]
    pub tls_key: Option<PathBuf>,
}

/// Keys accepted in the `--config` TOML file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<String>,
    #[serde(alias = "drive")]
    drives: Option<Vec<PathBuf>>,
    parity: Option<usize>,
    meta_dir: Option<PathBuf>,
    region: Option<String>,
    domain: Option<String>,
    master_key_file: Option<PathBuf>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    limits: Option<gureum_common::limits::Limits>,
}

fn read_file(path: &Option<PathBuf>) -> anyhow::Result<FileConfig> {
    let Some(path) = path else {
        return Ok(FileConfig::default());
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("cannot read config {}: {e}", path.display()))?;
    toml::from_str(&text).map_err(|e| {
        anyhow::anyhow!(
            "config {}: {}",
            path.display(),
            e.message().lines().next().unwrap_or("invalid TOML")
        )
    })
}

/// Validated storage settings.
#[derive(Debug, Clone)]
pub struct StorageConfig {
    /// Drives in order.
    pub drives: Vec<PathBuf>,
    /// Parity, if configured.
    pub parity: Option<usize>,
    /// Index directory.
    pub meta_dir: PathBuf,
}

/// Validated `serve` settings.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Storage settings.
    pub storage: StorageConfig,
    /// Listen address.
    pub listen: SocketAddr,
    /// Reported region.
    pub region: String,
    /// Virtual-host domain.
    pub domain: Option<String>,
    /// Master key file, and whether it may be created (only the default
    /// location is; a named file that is missing is an error).
    pub master_key: (PathBuf, bool),
    /// Certificate and key of an HTTPS listener (None: plain HTTP).
    pub tls: Option<gureum_common::tls::TlsFiles>,
    /// Connection hygiene (`[limits]` in the config).
    pub limits: gureum_common::limits::Limits,
}

fn storage(args: &StorageArgs, file: &FileConfig) -> anyhow::Result<StorageConfig> {
    let drives = if args.drives.is_empty() {
        file.drives.clone().unwrap_or_default()
    } else {
        args.drives.clone()
    };
    if drives.is_empty() {
        anyhow::bail!("no drives given: pass --drive PATH once per drive");
    }
    let parity = args.parity.or(file.parity);
    if let Some(p) = parity
        && p >= drives.len()
    {
        anyhow::bail!(
            "--parity {p} must be smaller than the number of drives ({})",
            drives.len()
        );
    }
    let meta_dir = args
        .meta_dir
        .clone()
        .or_else(|| file.meta_dir.clone())
        .ok_or_else(|| anyhow::anyhow!("no meta dir given: pass --meta-dir PATH"))?;
    Ok(StorageConfig {
        drives,
        parity,
        meta_dir,
    })
}

impl StorageArgs {
    /// Resolves flags + file into storage settings.
    pub fn resolve(&self) -> anyhow::Result<StorageConfig> {
        storage(self, &read_file(&self.config)?)
    }
}

impl ServeArgs {
    /// Resolves flags + file into serve settings.
    pub fn resolve(&self) -> anyhow::Result<ServeConfig> {
        let file = read_file(&self.storage.config)?;
        let storage = storage(&self.storage, &file)?;
        let listen_s = self
            .listen
            .clone()
            .or_else(|| file.listen.clone())
            .unwrap_or_else(|| "127.0.0.1:9000".into());
        let listen = listen_s.parse().map_err(|_| {
            anyhow::anyhow!("--listen {listen_s}: not an address like 127.0.0.1:9000")
        })?;
        let region = self
            .region
            .clone()
            .or_else(|| file.region.clone())
            .unwrap_or_else(|| "us-east-1".into());
        let master_key = match self
            .master_key_file
            .clone()
            .or_else(|| file.master_key_file.clone())
        {
            Some(path) => (path, false),
            None => (storage.meta_dir.join("master.key"), true),
        };
        let cert = self.tls_cert.clone().or_else(|| file.tls_cert.clone());
        let key = self.tls_key.clone().or_else(|| file.tls_key.clone());
        let tls = match (cert, key) {
            (Some(cert), Some(key)) => Some(gureum_common::tls::TlsFiles { cert, key }),
            (None, None) => None,
            (Some(_), None) => {
                anyhow::bail!("--tls-cert needs --tls-key (or tls_key in the config)")
            }
            (None, Some(_)) => {
                anyhow::bail!("--tls-key needs --tls-cert (or tls_cert in the config)")
            }
        };
        let limits = file.limits.clone().unwrap_or_default();
        limits.validate().map_err(|e| match &self.storage.config {
            Some(path) => anyhow::anyhow!("config {}: {e}", path.display()),
            None => anyhow::anyhow!("{e}"),
        })?;
        Ok(ServeConfig {
            storage,
            listen,
            region,
            domain: self.domain.clone().or_else(|| file.domain.clone()),
            master_key,
            tls,
            limits,
        })
    }
}
