//! TLS helpers: a CA and server certificate made by the real
//! `gureum-origin tls-self-signed`, an aws-sdk-s3 client that trusts that
//! CA, the serial of the certificate a listener presents, and curl over
//! HTTPS.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use aws_credential_types::Credentials;
use aws_sdk_s3::Client;
use aws_sdk_s3::config::{BehaviorVersion, Region};
use aws_smithy_http_client::tls::{self, TlsContext, TrustStore, rustls_provider::CryptoMode};

use crate::origin::origin_bin;

/// Files written by `tls-self-signed`.
#[derive(Debug, Clone)]
pub struct TlsPair {
    /// The CA certificate clients trust.
    pub ca: PathBuf,
    /// Server certificate chain (leaf, then CA).
    pub cert: PathBuf,
    /// Server private key.
    pub key: PathBuf,
}

/// Runs `gureum-origin tls-self-signed --out dir --name …` and returns the
/// files; panics with its output when it fails.
pub fn self_signed(dir: &Path, names: &[&str]) -> TlsPair {
    let mut cmd = Command::new(origin_bin());
    cmd.arg("tls-self-signed").arg("--out").arg(dir);
    for n in names {
        cmd.arg("--name").arg(n);
    }
    let out = cmd.output().expect("run tls-self-signed");
    assert!(
        out.status.success(),
        "tls-self-signed failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    TlsPair {
        ca: dir.join("ca.pem"),
        cert: dir.join("cert.pem"),
        key: dir.join("key.pem"),
    }
}

/// An S3 client for `endpoint` (https://…) that trusts only `ca`.
pub fn s3_client_trusting(endpoint: &str, creds: (&str, &str), ca: &Path) -> Client {
    let pem = std::fs::read(ca).expect("read CA");
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc))
        .tls_context(
            TlsContext::builder()
                .with_trust_store(TrustStore::empty().with_pem_certificate(pem))
                .build()
                .expect("TLS context"),
        )
        .build_https();
    let conf = aws_sdk_s3::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .force_path_style(true)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(creds.0, creds.1, None, None, "tls-test"))
        .http_client(http)
        .build();
    Client::from_conf(conf)
}

/// The serial number (hex, as openssl prints it) of the certificate the
/// listener at `addr` presents.
pub fn presented_serial(addr: &str) -> String {
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "openssl s_client -connect {addr} -servername localhost </dev/null 2>/dev/null \
             | openssl x509 -noout -serial"
        ))
        .output()
        .expect("run openssl");
    let text = String::from_utf8_lossy(&out.stdout);
    text.trim()
        .strip_prefix("serial=")
        .unwrap_or_else(|| panic!("no serial from {addr}: {text:?}"))
        .to_string()
}

/// `curl -sS` with `args`; returns its output (exit status included).
pub fn curl(args: &[&str]) -> Output {
    Command::new("curl")
        .arg("-sS")
        .args(args)
        .output()
        .expect("run curl")
}
