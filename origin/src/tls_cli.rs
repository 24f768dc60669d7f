//! `gureum-origin tls-self-signed`: a private CA and a server certificate
//! signed by it (rcgen), for demos and tests. Writes `ca.pem` (what
//! clients trust: curl `--cacert`, the edge's `[origin] ca_file`),
//! `cert.pem` (the server's chain: leaf then CA) and `key.pem` (0600). The
//! CA's own key is not kept: a new run makes a new CA, so nothing can sign
//! more certificates with it later. Must never print key material.

use std::io::Write;
use std::net::IpAddr;
use std::path::Path;

use anyhow::Context;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose, SanType,
};

/// Writes the three files into `out` (created if needed) for `names`
/// (DNS names or IP addresses), valid for `days`.
pub fn run(out: &Path, names: &[String], days: u32) -> anyhow::Result<()> {
    anyhow::ensure!(days > 0, "--days must be at least 1");
    let names: Vec<String> = if names.is_empty() {
        vec!["localhost".into(), "127.0.0.1".into(), "::1".into()]
    } else {
        names.to_vec()
    };
    let now = time::OffsetDateTime::now_utc();
    let not_before = now - time::Duration::hours(1);
    let not_after = now + time::Duration::days(i64::from(days));

    let ca_key = KeyPair::generate().context("generating the CA key")?;
    let mut ca = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    // A name of its own per run: verifiers find issuers by name, and two
    // CAs with one name make an old bundle fail oddly instead of cleanly.
    let tag = now.unix_timestamp_nanos() % 1_000_000_000_000;
    dn.push(
        DnType::CommonName,
        format!("Gureum self-signed CA {tag:012}"),
    );
    ca.distinguished_name = dn;
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca.not_before = not_before;
    ca.not_after = not_after;
    let ca_cert = ca.self_signed(&ca_key).context("signing the CA")?;

    let mut leaf = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, names[0].as_str());
    leaf.distinguished_name = dn;
    leaf.subject_alt_names = names
        .iter()
        .map(|n| match n.parse::<IpAddr>() {
            Ok(ip) => Ok(SanType::IpAddress(ip)),
            Err(_) => n
                .as_str()
                .try_into()
                .map(SanType::DnsName)
                .map_err(|_| anyhow::anyhow!("--name {n:?} is neither a DNS name nor an IP")),
        })
        .collect::<anyhow::Result<_>>()?;
    leaf.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf.not_before = not_before;
    leaf.not_after = not_after;
    let leaf_key = KeyPair::generate().context("generating the server key")?;
    let issuer = rcgen::Issuer::new(ca, ca_key);
    let leaf_cert = leaf
        .signed_by(&leaf_key, &issuer)
        .context("signing the server certificate")?;

    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    write(&out.join("ca.pem"), ca_cert.pem().as_bytes(), 0o644)?;
    let chain = format!("{}{}", leaf_cert.pem(), ca_cert.pem());
    write(&out.join("cert.pem"), chain.as_bytes(), 0o644)?;
    write(
        &out.join("key.pem"),
        leaf_key.serialize_pem().as_bytes(),
        0o600,
    )?;
    println!(
        "wrote {}/{{ca.pem,cert.pem,key.pem}} for {} (valid {days} days)",
        out.display(),
        names.join(", ")
    );
    Ok(())
}

/// Writes `path` through a temporary file and a rename, so a server
/// watching it never reads half a file.
fn write(path: &Path, data: &[u8], mode: u32) -> anyhow::Result<()> {
    let tmp = path.with_extension("pem.tmp");
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut f = opts
        .open(&tmp)
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    f.write_all(data)
        .and_then(|()| f.sync_all())
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
