//! `gureum-edge sign`: makes a CloudFront-style signed URL or signed
//! cookies for a private distribution, without aws-cli or an SDK. Reads the
//! edge config (to check the key id is one a private distribution covering
//! the URL trusts) and the private key; prints the result on stdout. Must
//! never print or log the private key.

use std::path::PathBuf;

use clap::Args;

use crate::config::{ConfigError, ServeArgs};
use crate::signed::{SignPolicy, Signer};

/// Flags of `sign`.
#[derive(Debug, Args)]
pub struct SignArgs {
    /// The edge's TOML config (the key id must be a `[[distribution.key]]`
    /// of a `signed = true` distribution that covers --url).
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// CloudFront key pair id (`[[distribution.key]] id`).
    #[arg(long, value_name = "ID")]
    pub key_id: String,
    /// PEM private key (PKCS#8, PKCS#1 RSA or SEC1 P-256) of that key.
    #[arg(long, value_name = "FILE")]
    pub private_key: PathBuf,
    /// The URL viewers will ask for: `https://edge.example/bucket/key`.
    #[arg(long, value_name = "URL")]
    pub url: String,
    /// Seconds from now until the grant expires.
    #[arg(long, value_name = "SECS", default_value_t = 3600)]
    pub expires_in: u64,
    /// A custom policy over this resource instead of a canned one: `*` and
    /// `?` wildcards, e.g. `https://edge.example/media/hls/course1/*` so one
    /// grant covers a playlist and all its segments.
    #[arg(long, value_name = "PATTERN")]
    pub policy_resource: Option<String>,
    /// Custom policy: only this IPv4 address or CIDR may use the grant.
    #[arg(long, value_name = "CIDR")]
    pub ip: Option<String>,
    /// Custom policy: seconds from now before which the grant is not valid.
    #[arg(long, value_name = "SECS")]
    pub not_before_in: Option<u64>,
    /// Print a `Cookie:` header (CloudFront-* cookies) instead of a URL.
    #[arg(long)]
    pub cookies: bool,
}

/// Why signing failed, naming the flag or file.
#[derive(Debug, thiserror::Error)]
pub enum SignCliError {
    #[error("{0}")]
    Config(#[from] ConfigError),
    #[error("cannot read --private-key {path}: {source}")]
    ReadKey {
        path: String,
        source: std::io::Error,
    },
    #[error("--private-key {path}: {source}")]
    Key {
        path: String,
        source: crate::signed::SignError,
    },
    #[error("{0}")]
    Sign(#[from] crate::signed::SignError),
    #[error("{0}")]
    Usage(String),
}

impl SignArgs {
    /// What to print: the signed URL, or `Cookie: …`.
    pub fn run(&self, now_epoch: i64) -> Result<String, SignCliError> {
        let cfg = ServeArgs {
            config: self.config.clone(),
            listen: None,
            tls_cert: None,
            tls_key: None,
        }
        .resolve()?;
        let path = url_path(&self.url).ok_or_else(|| {
            SignCliError::Usage(format!(
                "--url {:?} is not http(s)://host/bucket/key",
                self.url
            ))
        })?;
        let decoded = percent_encoding::percent_decode_str(path)
            .decode_utf8()
            .map_err(|_| SignCliError::Usage(format!("--url {:?}: path is not UTF-8", self.url)))?;
        let (bucket, key) = decoded
            .split_once('/')
            .filter(|(b, k)| !b.is_empty() && !k.is_empty())
            .ok_or_else(|| {
                SignCliError::Usage(format!("--url {:?} names no bucket/key", self.url))
            })?;
        let router = crate::routes::Router::new(cfg.distributions);
        let dist = router
            .find(bucket, key)
            .and_then(|i| router.distribution(i))
            .ok_or_else(|| {
                SignCliError::Usage(format!(
                    "--url {:?} is under no distribution of {}",
                    self.url,
                    self.config.display()
                ))
            })?;
        let keys = dist.signed.as_ref().ok_or_else(|| {
            SignCliError::Usage(format!(
                "distribution {}/{} is not signed = true: its URLs need no signature",
                dist.bucket, dist.prefix
            ))
        })?;
        if !keys.contains(&self.key_id) {
            return Err(SignCliError::Usage(format!(
                "--key-id {:?} is not a [[distribution.key]] of {}/{}",
                self.key_id, dist.bucket, dist.prefix
            )));
        }
        let pem =
            std::fs::read_to_string(&self.private_key).map_err(|source| SignCliError::ReadKey {
                path: self.private_key.display().to_string(),
                source,
            })?;
        let signer = Signer::from_pem(&self.key_id, &pem).map_err(|source| SignCliError::Key {
            path: self.private_key.display().to_string(),
            source,
        })?;
        let secs = |s: u64| i64::try_from(s).unwrap_or(i64::MAX);
        let expires = now_epoch.saturating_add(secs(self.expires_in));
        let policy = match &self.policy_resource {
            None => {
                if self.ip.is_some() || self.not_before_in.is_some() {
                    return Err(SignCliError::Usage(
                        "--ip and --not-before-in need a custom policy (--policy-resource)".into(),
                    ));
                }
                SignPolicy::Canned { expires }
            }
            Some(resource) => SignPolicy::Custom {
                resource: resource.clone(),
                date_less_than: expires,
                date_greater_than: self
                    .not_before_in
                    .map(|s| now_epoch.saturating_add(secs(s))),
                ip: self.ip.clone(),
            },
        };
        if self.cookies {
            let pairs = signer.sign_cookies(&self.url, &policy)?;
            let joined: Vec<String> = pairs.iter().map(|(n, v)| format!("{n}={v}")).collect();
            Ok(format!("Cookie: {}", joined.join("; ")))
        } else {
            Ok(signer.sign_url(&self.url, &policy)?)
        }
    }
}

/// The path of an absolute http(s) URL, without its leading `/` and
/// query.
fn url_path(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let (_host, path) = rest.split_once('/')?;
    path.split(['?', '#']).next()
}
