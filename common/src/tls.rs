//! TLS for both binaries: loads a PEM certificate chain and key, builds the
//! rustls server configuration the listeners use (TLS 1.2 and 1.3 only,
//! ALPN `h2` then `http/1.1`) and the client configuration the edge uses
//! toward an HTTPS origin, and keeps the served certificate current — on
//! SIGHUP and when the files change — without touching open connections
//! (a handshake picks the certificate; a live connection keeps its own).
//!
//! Owns: PEM loading, the reloading certificate resolver, the config
//! builders. Must never: log key material or read a file on a handshake
//! (reloads happen on a background task, handshakes only clone an `Arc`).

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls::{ClientConfig, RootCertStore, ServerConfig};

/// How often the certificate files are checked for changes.
const POLL: Duration = Duration::from_secs(2);

/// Where a listener's certificate chain and private key live (PEM).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// Certificate chain, leaf first.
    pub cert: PathBuf,
    /// Private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

/// Why TLS material could not be used; each names the file at fault.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A file could not be read.
    #[error("{}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A file is not PEM of the expected kind.
    #[error("{}: {what}", path.display())]
    Pem {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        what: String,
    },
    /// rustls refused the material (key does not match the certificate,
    /// unsupported key type, …).
    #[error("{context}: {source}")]
    Rustls {
        /// Which files or which step.
        context: String,
        /// rustls' reason.
        source: rustls::Error,
    },
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn read(path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// The certificates of a PEM file (at least one).
pub fn load_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let pem = read(path)?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::Pem {
            path: path.to_path_buf(),
            what: format!("not a PEM certificate file ({e})"),
        })?;
    if certs.is_empty() {
        return Err(TlsError::Pem {
            path: path.to_path_buf(),
            what: "no CERTIFICATE block found".into(),
        });
    }
    Ok(certs)
}

fn load_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    let pem = read(path)?;
    // The parse error is not shown: it could quote the key's bytes.
    PrivateKeyDer::from_pem_slice(&pem).map_err(|_| TlsError::Pem {
        path: path.to_path_buf(),
        what: "no PRIVATE KEY block found (PKCS#8, RSA or EC PEM expected)".into(),
    })
}

/// Loads `files` into a key rustls can serve, checking that the key is
/// the certificate's.
pub fn load(files: &TlsFiles) -> Result<Arc<CertifiedKey>, TlsError> {
    let certs = load_certs(&files.cert)?;
    let key = load_key(&files.key)?;
    let context = || format!("{} with {}", files.cert.display(), files.key.display());
    let certified =
        CertifiedKey::from_der(certs, key, &provider()).map_err(|source| TlsError::Rustls {
            context: context(),
            source,
        })?;
    Ok(Arc::new(certified))
}

/// Counts reload outcomes (`ok`, `error`) for the binaries' metrics.
pub type ReloadHook = Arc<dyn Fn(&'static str) + Send + Sync>;

/// The certificate a listener serves, replaceable while it runs.
#[derive(Debug)]
pub struct ReloadingCert {
    files: TlsFiles,
    current: RwLock<Arc<CertifiedKey>>,
}

impl ReloadingCert {
    /// Loads `files` once (an error here is a startup error).
    pub fn new(files: TlsFiles) -> Result<Arc<Self>, TlsError> {
        let current = load(&files)?;
        Ok(Arc::new(Self {
            files,
            current: RwLock::new(current),
        }))
    }

    /// Reads the files again; on error the old certificate stays.
    pub fn reload(&self) -> Result<(), TlsError> {
        let next = load(&self.files)?;
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = next;
        Ok(())
    }

    fn mtimes(&self) -> (Option<SystemTime>, Option<SystemTime>) {
        let m = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
        (m(&self.files.cert), m(&self.files.key))
    }

    /// Reloads on SIGHUP and whenever either file's modification time
    /// changes, for as long as the process runs. `hook` hears each outcome.
    pub fn spawn_reloader(self: &Arc<Self>, hook: ReloadHook) {
        let this = Arc::clone(self);
        tokio::spawn(async move {
            #[cfg(unix)]
            let mut hup =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
            let mut seen = this.mtimes();
            let mut tick = tokio::time::interval(POLL);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                #[cfg(unix)]
                let hangup = async {
                    match hup.as_mut() {
                        Some(s) => {
                            s.recv().await;
                        }
                        None => std::future::pending::<()>().await,
                    }
                };
                #[cfg(not(unix))]
                let hangup = std::future::pending::<()>();
                let why = tokio::select! {
                    () = hangup => "SIGHUP",
                    _ = tick.tick() => {
                        let now = this.mtimes();
                        if now == seen {
                            continue;
                        }
                        seen = now;
                        "files changed"
                    }
                };
                // A writer may be halfway through replacing the pair; a
                // failed load is retried when the times move again.
                let outcome = {
                    let this = Arc::clone(&this);
                    tokio::task::spawn_blocking(move || this.reload()).await
                };
                match outcome {
                    Ok(Ok(())) => {
                        tracing::info!(cert = %this.files.cert.display(), why, "TLS certificate reloaded");
                        hook("ok");
                    }
                    Ok(Err(err)) => {
                        tracing::warn!(%err, why, "TLS certificate not reloaded; serving the previous one");
                        hook("error");
                    }
                    Err(err) => {
                        tracing::warn!(%err, "TLS reload task failed");
                        hook("error");
                    }
                }
            }
        });
    }
}

impl ResolvesServerCert for ReloadingCert {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(Arc::clone(
            &self.current.read().unwrap_or_else(|e| e.into_inner()),
        ))
    }
}

/// A listener's configuration: TLS 1.3 and 1.2, ALPN h2 then http/1.1,
/// the certificate from `cert`.
pub fn server_config(cert: Arc<ReloadingCert>) -> Result<Arc<ServerConfig>, TlsError> {
    let mut cfg = ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|source| TlsError::Rustls {
            context: "TLS versions".into(),
            source,
        })?
        .with_no_client_auth()
        .with_cert_resolver(cert);
    cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(cfg))
}

/// What a listener needs for `files`: the certificate loaded (an error
/// here is a startup error), its reloader running with `hook`, and the
/// server configuration serving it.
pub fn listener(files: &TlsFiles, hook: ReloadHook) -> Result<Arc<ServerConfig>, TlsError> {
    let cert = ReloadingCert::new(files.clone())?;
    cert.spawn_reloader(hook);
    server_config(cert)
}

/// The roots a client trusts: the certificates of `ca_file`, or the
/// system's when None.
pub fn client_roots(ca_file: Option<&Path>) -> Result<RootCertStore, TlsError> {
    let mut roots = RootCertStore::empty();
    match ca_file {
        Some(path) => {
            for cert in load_certs(path)? {
                roots.add(cert).map_err(|source| TlsError::Rustls {
                    context: format!("{}: not a usable CA certificate", path.display()),
                    source,
                })?;
            }
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            for err in &found.errors {
                tracing::debug!(%err, "a system CA certificate could not be read");
            }
            let (added, _ignored) = roots.add_parsable_certificates(found.certs);
            if added == 0 {
                tracing::warn!(
                    "no system CA certificates found; HTTPS to an origin will fail verification"
                );
            }
        }
    }
    Ok(roots)
}

/// A client configuration verifying servers against `roots` (TLS 1.3 and
/// 1.2). ALPN is left to the connector, which offers what it can speak.
pub fn client_config(roots: RootCertStore) -> Result<ClientConfig, TlsError> {
    let cfg = ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|source| TlsError::Rustls {
            context: "TLS versions".into(),
            source,
        })?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(cfg)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Pair {
        _dir: tempfile::TempDir,
        files: TlsFiles,
    }

    fn write_pair(name: &str) -> Pair {
        let dir = tempfile::tempdir().expect("tempdir");
        let cert = rcgen::generate_simple_self_signed(vec![name.to_string()]).expect("rcgen");
        let files = TlsFiles {
            cert: dir.path().join("cert.pem"),
            key: dir.path().join("key.pem"),
        };
        std::fs::write(&files.cert, cert.cert.pem()).expect("write cert");
        std::fs::write(&files.key, cert.signing_key.serialize_pem()).expect("write key");
        Pair { _dir: dir, files }
    }

    #[test]
    fn loads_a_generated_pair() {
        let p = write_pair("localhost");
        let key = load(&p.files).expect("load");
        assert_eq!(key.cert.len(), 1);
    }

    #[test]
    fn refusals_name_the_file() {
        let a = write_pair("a.test");
        let b = write_pair("b.test");
        let missing = TlsFiles {
            cert: a.files.cert.with_file_name("nope.pem"),
            key: a.files.key.clone(),
        };
        let swapped = TlsFiles {
            cert: a.files.key.clone(),
            key: a.files.key.clone(),
        };
        let no_key = TlsFiles {
            cert: a.files.cert.clone(),
            key: a.files.cert.clone(),
        };
        let mismatched = TlsFiles {
            cert: a.files.cert.clone(),
            key: b.files.key.clone(),
        };
        let cases: [(&str, &TlsFiles, &str); 4] = [
            ("missing cert", &missing, "nope.pem"),
            ("key as cert", &swapped, "CERTIFICATE"),
            ("cert as key", &no_key, "PRIVATE KEY"),
            ("key of another cert", &mismatched, "key.pem"),
        ];
        for (name, files, want) in cases {
            let err = load(files).expect_err(name).to_string();
            assert!(err.contains(want), "{name}: {err}");
        }
    }

    #[test]
    fn reload_swaps_and_keeps_the_old_on_error() {
        let p = write_pair("one.test");
        let r = ReloadingCert::new(p.files.clone()).expect("new");
        let first = r.current.read().expect("lock").cert[0].clone();
        let other = write_pair("two.test");
        std::fs::copy(&other.files.cert, &p.files.cert).expect("copy cert");
        std::fs::copy(&other.files.key, &p.files.key).expect("copy key");
        r.reload().expect("reload");
        let second = r.current.read().expect("lock").cert[0].clone();
        assert_ne!(first, second);
        std::fs::write(&p.files.key, "garbage").expect("write");
        assert!(r.reload().is_err());
        let third = r.current.read().expect("lock").cert[0].clone();
        assert_eq!(second, third, "a failed reload keeps serving the old pair");
    }

    #[test]
    fn configs_offer_h2_and_http11() {
        let p = write_pair("localhost");
        let cfg = server_config(ReloadingCert::new(p.files.clone()).expect("new")).expect("cfg");
        assert_eq!(
            cfg.alpn_protocols,
            vec![b"h2".to_vec(), b"http/1.1".to_vec()]
        );
        let roots = client_roots(Some(&p.files.cert)).expect("roots");
        assert_eq!(roots.len(), 1);
        assert!(client_roots(Some(&p.files.key)).is_err());
    }
}
