//! Virtual-host-style addressing: `bucket.<domain>[:port]` names the
//! bucket; any other host (an IP, `localhost`, the bare domain) is
//! path-style. s3s's own `SingleDomain` compares the Host header with its
//! port still attached, so `bucket.s3.example.com:9000` would become a
//! bucket named after the whole host; and it treats any unknown host as a
//! CNAME bucket, which would turn `localhost:9000/bucket/key` requests into
//! a bucket called `localhost`. This wrapper fixes both.

use s3s::S3Result;
use s3s::host::{S3Host, VirtualHost};

/// The configured `--domain`, lowercase, without a port.
pub struct DomainHost {
    domain: String,
}

impl DomainHost {
    /// Virtual hosts under `domain`; None when it is not a valid host name.
    pub fn new(domain: &str) -> Option<Self> {
        let d = domain.trim().trim_end_matches('.').to_ascii_lowercase();
        let valid = !d.is_empty()
            && d.split('.').all(|l| {
                !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            });
        valid.then_some(Self { domain: d })
    }
}

impl DomainHost {
    /// The bucket a Host header names (`bucket.<domain>[:port]`, any
    /// case), or None for path style. The one virtual-host parser: s3s
    /// routes with it and the HTTP front picks CORS rules with it.
    pub fn bucket_of<'a>(&self, host: &'a str) -> Option<&'a str> {
        let name = match host.rsplit_once(':') {
            Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
            _ => host,
        };
        name.len()
            .checked_sub(self.domain.len() + 1)
            .filter(|&cut| {
                name.get(cut..)
                    .is_some_and(|tail| tail.eq_ignore_ascii_case(&format!(".{}", self.domain)))
            })
            .and_then(|cut| name.get(..cut))
            .filter(|b| !b.is_empty())
    }
}

impl S3Host for DomainHost {
    fn parse_host_header<'a>(&'a self, host: &'a str) -> S3Result<VirtualHost<'a>> {
        let bucket = self.bucket_of(host);
        Ok(match bucket {
            Some(b) if !b.is_empty() => VirtualHost::new(self.domain.as_str()).with_bucket(b),
            _ => VirtualHost::new(self.domain.as_str()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_and_foreign_hosts() {
        let h = DomainHost::new("s3.example.com").expect("valid");
        let b = |host: &str| {
            h.parse_host_header(host)
                .expect("parse")
                .bucket()
                .map(str::to_string)
        };
        assert_eq!(b("media.s3.example.com:9000").as_deref(), Some("media"));
        assert_eq!(b("media.s3.example.com").as_deref(), Some("media"));
        assert_eq!(b("s3.example.com:9000"), None);
        assert_eq!(b("localhost:9000"), None);
        assert_eq!(b("evils3.example.com"), None);
        assert_eq!(b("Media.S3.Example.COM:9000").as_deref(), Some("Media"));
        assert_eq!(h.bucket_of("médïa.s3.example.com"), Some("médïa"));
        assert_eq!(h.bucket_of("é.s3.example.co"), None);
        assert!(DomainHost::new("bad domain").is_none());
    }
}
