//! Command line and TOML configuration of `gureum-edge`. Parses and
//! validates into [`EdgeConfig`] with one-line errors; starts nothing.
//!
//! Sizes are bytes (an integer) or a human form ("256MiB", "10GB");
//! durations are seconds (an integer) or a human form ("90s", "1h", "2d").

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};
use serde::Deserialize;

pub use self::distribution::{Distribution, TtlRule};
pub use crate::cache::CacheConfig;
use gureum_common::limits::Limits;

mod distribution;

/// Gureum edge: CDN node caching designated folders of a Gureum origin.
#[derive(Debug, Parser)]
#[command(name = "gureum-edge", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the distributions of a config file (see deploy/edge.example.toml).
    Serve(ServeArgs),
    /// Make a CloudFront-style signed URL or signed cookies for a private
    /// (`signed = true`) distribution.
    Sign(crate::sign_cli::SignArgs),
}

/// Flags of `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// TOML config: listen, [origin], [cache], [admin], [fallback], [tls], [limits], [[distribution]].
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// Address to listen on; overrides `listen` in the config [default: 127.0.0.1:8080].
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// PEM certificate chain (leaf first): the listener speaks HTTPS;
    /// overrides `[tls] cert_file`. Needs --tls-key.
    #[arg(long, value_name = "FILE")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert; overrides `[tls] key_file`.
    #[arg(long, value_name = "FILE")]
    pub tls_key: Option<PathBuf>,
}

/// A config that cannot be used; the message is the one-line reason.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(String);

pub(crate) fn bad(msg: impl Into<String>) -> ConfigError {
    ConfigError(msg.into())
}

/// The origin the edge pulls from.
#[derive(Debug, Clone)]
pub struct OriginConfig {
    /// `http://host:port` or `https://host:port`, no trailing slash.
    pub base_url: String,
    /// CA certificates an HTTPS origin is verified against (None: the
    /// system's roots).
    pub ca_file: Option<PathBuf>,
    /// `host:port`, what the signature's Host is.
    pub authority: String,
    /// The edge's own (read-only) access key.
    pub access_key: String,
    /// Its secret key.
    pub secret_key: String,
    /// SigV4 signing region.
    pub region: String,
}

/// What happens to requests outside every distribution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fallback {
    /// Forward unchanged to the origin (client's own auth), never cached.
    Proxy,
    /// 307 to `public_url` + path and query.
    Redirect {
        /// Public base URL of the origin region, without a trailing slash.
        public_url: String,
    },
}

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct EdgeConfig {
    /// Listen address.
    pub listen: SocketAddr,
    /// Origin to pull from.
    pub origin: OriginConfig,
    /// Budgets.
    pub cache: CacheConfig,
    /// Bearer token of `/_edge/*`; `None` disables the admin API.
    pub admin_token: Option<String>,
    /// Fallback for everything not distributed.
    pub fallback: Fallback,
    /// Designated folders.
    pub distributions: Vec<Distribution>,
    /// Certificate and key of an HTTPS listener (None: plain HTTP).
    pub tls: Option<gureum_common::tls::TlsFiles>,
    /// Connection hygiene (`[limits]`).
    pub limits: gureum_common::limits::Limits,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<String>,
    origin: FileOrigin,
    cache: FileCache,
    admin: Option<FileAdmin>,
    fallback: Option<FileFallback>,
    tls: Option<FileTls>,
    limits: Option<toml::Table>,
    #[serde(default)]
    distribution: Vec<distribution::FileDistribution>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileTls {
    cert_file: PathBuf,
    key_file: PathBuf,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileOrigin {
    url: String,
    access_key: String,
    secret_key: String,
    region: Option<String>,
    ca_file: Option<PathBuf>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileCache {
    memory_bytes: Option<Human>,
    disk_dir: PathBuf,
    disk_bytes: Option<Human>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileAdmin {
    token: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileFallback {
    mode: Option<String>,
    public_url: Option<String>,
}

/// An integer or a human-readable string, resolved by the key's unit.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum Human {
    Int(u64),
    Text(String),
}

const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
const DEFAULT_MEMORY: u64 = 256 << 20;
const DEFAULT_DISK: u64 = 10 << 30;

impl ServeArgs {
    /// Reads and validates the config file, applying flags.
    pub fn resolve(&self) -> Result<EdgeConfig, ConfigError> {
        let text = std::fs::read_to_string(&self.config)
            .map_err(|e| bad(format!("cannot read config {}: {e}", self.config.display())))?;
        let file: FileConfig = toml::from_str(&text).map_err(|e| {
            // toml's message spans lines (it quotes the source); keep one line.
            let msg = one_line(e.message());
            let place = e
                .span()
                .map(|s| {
                    let line = text[..s.start.min(text.len())].lines().count().max(1);
                    format!(" (line {line})")
                })
                .unwrap_or_default();
            bad(format!("config {}: {msg}{place}", self.config.display()))
        })?;
        let base_dir = self.config.parent().unwrap_or(Path::new("."));
        let mut cfg = build(file, self.listen.as_deref(), base_dir)?;
        match (&self.tls_cert, &self.tls_key) {
            (Some(cert), Some(key)) => {
                cfg.tls = Some(gureum_common::tls::TlsFiles {
                    cert: cert.clone(),
                    key: key.clone(),
                });
            }
            (None, None) => {}
            _ => return Err(bad("--tls-cert and --tls-key go together")),
        }
        Ok(cfg)
    }
}

/// Parses a config from TOML text (paths relative to `base_dir`).
pub fn from_toml(text: &str, base_dir: &Path) -> Result<EdgeConfig, ConfigError> {
    let file: FileConfig = toml::from_str(text).map_err(|e| bad(one_line(e.message())))?;
    build(file, None, base_dir)
}

/// Joins a multi-line parser message into one line.
fn one_line(msg: &str) -> String {
    msg.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

fn build(
    file: FileConfig,
    listen_flag: Option<&str>,
    base_dir: &Path,
) -> Result<EdgeConfig, ConfigError> {
    let listen_text = listen_flag
        .map(str::to_string)
        .or(file.listen)
        .unwrap_or_else(|| DEFAULT_LISTEN.to_string());
    let listen = resolve_addr(&listen_text)?;
    let relative = |p: PathBuf| if p.is_absolute() { p } else { base_dir.join(p) };
    let mut origin = origin(file.origin)?;
    origin.ca_file = origin.ca_file.take().map(relative);
    let tls = file.tls.map(|t| gureum_common::tls::TlsFiles {
        cert: relative(t.cert_file),
        key: relative(t.key_file),
    });
    let cache = CacheConfig {
        memory_bytes: size(
            file.cache.memory_bytes,
            "cache.memory_bytes",
            DEFAULT_MEMORY,
        )?,
        disk_dir: if file.cache.disk_dir.is_absolute() {
            file.cache.disk_dir
        } else {
            base_dir.join(file.cache.disk_dir)
        },
        disk_bytes: size(file.cache.disk_bytes, "cache.disk_bytes", DEFAULT_DISK)?,
    };
    let admin_token = file
        .admin
        .and_then(|a| a.token)
        .filter(|t| !t.trim().is_empty());
    let fallback = fallback(file.fallback)?;
    let distributions = distribution::build_all(file.distribution, &relative)?;
    let limits = limits(file.limits)?;
    Ok(EdgeConfig {
        listen,
        origin,
        cache,
        admin_token,
        fallback,
        distributions,
        tls,
        limits,
    })
}

/// `[limits]` over the edge's defaults (a table names only what it changes).
fn limits(table: Option<toml::Table>) -> Result<Limits, ConfigError> {
    let defaults = Limits::edge_default();
    let limits = match table {
        None => defaults,
        Some(t) => {
            let mut merged =
                toml::Table::try_from(&defaults).map_err(|e| bad(format!("limits: {e}")))?;
            merged.extend(t);
            toml::Value::Table(merged)
                .try_into::<Limits>()
                .map_err(|e| bad(format!("[limits]: {}", one_line(&e.to_string()))))?
        }
    };
    limits.validate().map_err(bad)?;
    Ok(limits)
}

fn resolve_addr(text: &str) -> Result<SocketAddr, ConfigError> {
    text.to_socket_addrs()
        .ok()
        .and_then(|mut it| it.next())
        .ok_or_else(|| bad(format!("listen address {text:?} is not host:port")))
}

fn origin(o: FileOrigin) -> Result<OriginConfig, ConfigError> {
    let url = o.url.trim().trim_end_matches('/');
    let (scheme, authority) = if let Some(rest) = url.strip_prefix("http://") {
        ("http", rest)
    } else if let Some(rest) = url.strip_prefix("https://") {
        ("https", rest)
    } else {
        return Err(bad(format!(
            "origin.url {:?} must start with http:// or https://",
            o.url
        )));
    };
    if authority.is_empty() || authority.contains('/') || authority.contains('@') {
        return Err(bad(format!(
            "origin.url {:?} must be {scheme}://host[:port] without a path",
            o.url
        )));
    }
    if scheme == "http" && o.ca_file.is_some() {
        return Err(bad(format!(
            "origin.ca_file is set but origin.url {:?} is plain http://",
            o.url
        )));
    }
    if authority.parse::<http::uri::Authority>().is_err() {
        return Err(bad(format!("origin.url {:?} has a bad host", o.url)));
    }
    if o.access_key.is_empty() || o.secret_key.is_empty() {
        return Err(bad("origin.access_key and origin.secret_key must be set"));
    }
    Ok(OriginConfig {
        base_url: format!("{scheme}://{authority}"),
        ca_file: o.ca_file,
        authority: authority.to_string(),
        access_key: o.access_key,
        secret_key: o.secret_key,
        region: o
            .region
            .filter(|r| !r.is_empty())
            .unwrap_or_else(|| "us-east-1".to_string()),
    })
}

fn fallback(f: Option<FileFallback>) -> Result<Fallback, ConfigError> {
    let Some(f) = f else {
        return Ok(Fallback::Proxy);
    };
    match f.mode.as_deref().unwrap_or("proxy") {
        "proxy" => Ok(Fallback::Proxy),
        "redirect" => {
            let url = f
                .public_url
                .filter(|u| u.starts_with("http://") || u.starts_with("https://"))
                .ok_or_else(|| {
                    bad("fallback.mode = \"redirect\" needs fallback.public_url = \"https://...\"")
                })?;
            Ok(Fallback::Redirect {
                public_url: url.trim_end_matches('/').to_string(),
            })
        }
        other => Err(bad(format!(
            "fallback.mode {other:?}: expected \"proxy\" or \"redirect\""
        ))),
    }
}

fn size(v: Option<Human>, name: &str, default: u64) -> Result<u64, ConfigError> {
    match v {
        None => Ok(default),
        Some(Human::Int(n)) => Ok(n),
        Some(Human::Text(t)) => parse_size(&t).ok_or_else(|| {
            bad(format!(
                "{name} = {t:?}: expected bytes, e.g. 268435456 or \"256MiB\""
            ))
        }),
    }
}

pub(crate) fn duration_secs(v: Human, name: &str) -> Result<u64, ConfigError> {
    match v {
        Human::Int(n) => Ok(n),
        Human::Text(t) => parse_duration_secs(&t).ok_or_else(|| {
            bad(format!(
                "{name} = {t:?}: expected seconds, e.g. 3600 or \"1h\""
            ))
        }),
    }
}

/// "256MiB", "1.5GB", "4096", "10 GiB" -> bytes.
pub fn parse_size(text: &str) -> Option<u64> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let num: f64 = num.parse().ok()?;
    let mult: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "m" | "mb" => 1e6,
        "g" | "gb" => 1e9,
        "t" | "tb" => 1e12,
        "ki" | "kib" => 1024.0,
        "mi" | "mib" => 1024.0 * 1024.0,
        "gi" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "ti" | "tib" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    let bytes = num * mult;
    (bytes.is_finite() && bytes >= 0.0 && bytes < u64::MAX as f64).then_some(bytes as u64)
}

/// "90", "90s", "15m", "1h", "2d" -> seconds.
pub fn parse_duration_secs(text: &str) -> Option<u64> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let num: u64 = num.parse().ok()?;
    let mult = match unit.trim() {
        "" | "s" => 1,
        "m" | "min" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return None,
    };
    num.checked_mul(mult)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const MINIMAL: &str = r#"
        [origin]
        url = "http://127.0.0.1:9000"
        access_key = "a"
        secret_key = "b"
        [cache]
        disk_dir = "cache"
    "#;

    #[test]
    fn human_sizes_and_durations() {
        assert_eq!(parse_size("256MiB"), Some(256 << 20));
        assert_eq!(parse_size("10 GiB"), Some(10 << 30));
        assert_eq!(parse_size("1kb"), Some(1000));
        assert_eq!(parse_size("12"), Some(12));
        assert_eq!(parse_size("12 parsecs"), None);
        assert_eq!(parse_duration_secs("1h"), Some(3600));
        assert_eq!(parse_duration_secs("90"), Some(90));
        assert_eq!(parse_duration_secs("soon"), None);
    }

    #[test]
    fn defaults_apply() {
        let cfg = from_toml(MINIMAL, Path::new("/etc/edge")).expect("valid");
        assert_eq!(cfg.listen.to_string(), DEFAULT_LISTEN);
        assert_eq!(cfg.cache.memory_bytes, DEFAULT_MEMORY);
        assert_eq!(cfg.cache.disk_dir, PathBuf::from("/etc/edge/cache"));
        assert_eq!(cfg.fallback, Fallback::Proxy);
        assert_eq!(cfg.origin.region, "us-east-1");
        assert!(cfg.admin_token.is_none());
    }

    #[test]
    fn full_example_parses() {
        let text = format!(
            "{MINIMAL}\n[admin]\ntoken = \"t\"\n[fallback]\nmode = \"redirect\"\n\
             public_url = \"https://s3.example.com/\"\n\
             [[distribution]]\nbucket = \"media\"\nprefix = \"video/\"\nttl_secs = \"2h\"\nprewarm = true\n"
        );
        let cfg = from_toml(&text, Path::new(".")).expect("valid");
        assert_eq!(cfg.admin_token.as_deref(), Some("t"));
        assert_eq!(
            cfg.fallback,
            Fallback::Redirect {
                public_url: "https://s3.example.com".into()
            }
        );
        assert_eq!(cfg.distributions[0].ttl, Duration::from_secs(7200));
        assert!(cfg.distributions[0].prewarm);
    }

    #[test]
    fn limits_table_overrides_the_edge_defaults() {
        let cfg = from_toml(MINIMAL, Path::new(".")).expect("valid");
        assert_eq!(cfg.limits, Limits::edge_default());
        let cfg = from_toml(
            &format!("{MINIMAL}\n[limits]\nheader_read_timeout_secs = 2\n"),
            Path::new("."),
        )
        .expect("valid");
        assert_eq!(cfg.limits.header_read_timeout_secs, 2);
        assert_eq!(cfg.limits.max_headers, Limits::edge_default().max_headers);
        for bad in [
            "max_conections = 1",
            "max_headers = 0",
            "header_read_timeout_secs = \"x\"",
        ] {
            let r = from_toml(&format!("{MINIMAL}\n[limits]\n{bad}\n"), Path::new("."));
            assert!(r.is_err_and(|e| e.to_string().contains("limits")), "{bad}");
        }
    }

    #[test]
    fn bad_configs_are_refused() {
        let cases = [
            MINIMAL.replace("http://127.0.0.1:9000", "ftp://x"),
            format!("{MINIMAL}\n[fallback]\nmode = \"redirect\"\n"),
            format!("{MINIMAL}\n[fallback]\nmode = \"teleport\"\n"),
            format!("{MINIMAL}\nbogus = 1\n"),
            format!("{MINIMAL}\n[[distribution]]\nbucket = \"a/b\"\n"),
            MINIMAL.replace(
                "disk_dir = \"cache\"",
                "disk_dir = \"c\"\ndisk_bytes = \"lots\"",
            ),
        ];
        for text in cases {
            assert!(
                from_toml(&text, Path::new(".")).is_err(),
                "accepted: {text}"
            );
        }
    }
}
