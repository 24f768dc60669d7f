//! Targets: where requests go and how they are authorised.
//!
//! An S3 target signs with aws-sdk-s3's query-string presigning (static
//! credentials, path style, the PUT payload left UNSIGNED-PAYLOAD) and a plain
//! target is `URL/BUCKET/KEY` as is. Either way the result is a [`Signed`]
//! URL plus headers that the plain HTTP client sends: signing is done before
//! a run's clock starts, so the load tool spends its CPU on moving bytes.

use std::str::FromStr;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use aws_sdk_s3::config::{Region, RequestChecksumCalculation, ResponseChecksumValidation};
use aws_sdk_s3::presigning::{PresignedRequest, PresigningConfig};
use reqwest::Url;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

/// Presigned URLs stay valid this long (a run signs before it starts).
const PRESIGN_TTL: Duration = Duration::from_secs(3 * 3600);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    S3,
    Plain,
}

/// `NAME=KIND:URL` from the command line.
#[derive(Clone, Debug)]
pub struct TargetSpec {
    pub name: String,
    pub kind: Kind,
    pub url: String,
}

impl FromStr for TargetSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let (name, rest) = s
            .split_once('=')
            .ok_or_else(|| format!("target {s:?}: expected NAME=KIND:URL"))?;
        let (kind, url) = rest
            .split_once(':')
            .ok_or_else(|| format!("target {s:?}: expected NAME=KIND:URL"))?;
        let kind = match kind {
            "s3" => Kind::S3,
            "plain" | "http" | "nginx" => Kind::Plain,
            other => {
                return Err(format!(
                    "target {s:?}: unknown kind {other:?} (s3 or plain)"
                ));
            }
        };
        if name.is_empty() || name.contains(char::is_whitespace) {
            return Err(format!("target {s:?}: bad name"));
        }
        Url::parse(url).map_err(|e| format!("target {s:?}: bad URL: {e}"))?;
        Ok(TargetSpec {
            name: name.to_string(),
            kind,
            url: url.trim_end_matches('/').to_string(),
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Put,
    Get,
    Head,
    Delete,
}

/// A request ready to send: URL and the headers its signature covers.
#[derive(Clone, Debug)]
pub struct Signed {
    pub url: Url,
    pub headers: HeaderMap,
}

pub struct Target {
    pub name: String,
    /// Server processes whose CPU time is measured per run (`--cpu-pid`).
    pub cpu_pids: Vec<u32>,
    base: String,
    bucket: String,
    s3: Option<aws_sdk_s3::Client>,
    presign: PresigningConfig,
}

impl Target {
    pub fn new(
        spec: &TargetSpec,
        bucket: &str,
        creds: Option<(String, String)>,
        region: &str,
    ) -> Result<Self> {
        let s3 = match spec.kind {
            Kind::Plain => None,
            Kind::S3 => {
                let (ak, sk) = creds.ok_or_else(|| {
                    anyhow!(
                        "target {}: S3 needs --access-key/--secret-key \
                         (or GUREUM_ROOT_ACCESS_KEY/GUREUM_ROOT_SECRET_KEY)",
                        spec.name
                    )
                })?;
                let creds =
                    aws_credential_types::Credentials::new(ak, sk, None, None, "gureum-load");
                let conf = aws_sdk_s3::Config::builder()
                    .behavior_version_latest()
                    .region(Region::new(region.to_string()))
                    .endpoint_url(&spec.url)
                    .force_path_style(true)
                    .credentials_provider(creds)
                    // No checksum headers or query parameters in presigned URLs:
                    // the body is not known when signing.
                    .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
                    .response_checksum_validation(ResponseChecksumValidation::WhenRequired)
                    .build();
                Some(aws_sdk_s3::Client::from_conf(conf))
            }
        };
        Ok(Target {
            name: spec.name.clone(),
            cpu_pids: Vec::new(),
            base: spec.url.clone(),
            bucket: bucket.to_string(),
            s3,
            presign: PresigningConfig::expires_in(PRESIGN_TTL)?,
        })
    }

    /// Creates the bucket on an S3 target (an existing one is fine).
    pub async fn ensure_bucket(&self) -> Result<()> {
        let Some(client) = &self.s3 else {
            return Ok(());
        };
        match client.create_bucket().bucket(&self.bucket).send().await {
            Ok(_) => Ok(()),
            Err(err) => {
                if let Some(se) = err.as_service_error()
                    && (se.is_bucket_already_owned_by_you() || se.is_bucket_already_exists())
                {
                    return Ok(());
                }
                Err(anyhow::Error::from(err))
                    .with_context(|| format!("CreateBucket {} at {}", self.bucket, self.base))
            }
        }
    }

    /// Signs one request for `key` in the target's bucket.
    pub async fn sign(&self, op: Op, key: &str) -> Result<Signed> {
        let Some(client) = &self.s3 else {
            let url = format!("{}/{}/{}", self.base, self.bucket, key);
            return Ok(Signed {
                url: Url::parse(&url).with_context(|| format!("bad URL {url}"))?,
                headers: HeaderMap::new(),
            });
        };
        let (b, cfg) = (&self.bucket, self.presign.clone());
        let req: PresignedRequest = match op {
            Op::Put => {
                client
                    .put_object()
                    .bucket(b)
                    .key(key)
                    .presigned(cfg)
                    .await?
            }
            Op::Get => {
                client
                    .get_object()
                    .bucket(b)
                    .key(key)
                    .presigned(cfg)
                    .await?
            }
            Op::Head => {
                client
                    .head_object()
                    .bucket(b)
                    .key(key)
                    .presigned(cfg)
                    .await?
            }
            Op::Delete => {
                client
                    .delete_object()
                    .bucket(b)
                    .key(key)
                    .presigned(cfg)
                    .await?
            }
        };
        let mut headers = HeaderMap::new();
        for (name, value) in req.headers() {
            // The client sets these itself from the body.
            if name.eq_ignore_ascii_case("content-length") || name.eq_ignore_ascii_case("host") {
                continue;
            }
            headers.insert(HeaderName::from_str(name)?, HeaderValue::from_str(value)?);
        }
        let url =
            Url::parse(req.uri()).with_context(|| format!("bad presigned URL {}", req.uri()))?;
        if url.query().is_none() {
            bail!("presigned URL without a query string: {url}");
        }
        Ok(Signed { url, headers })
    }
}

/// `NAME=ACCESS_KEY:SECRET_KEY` from the command line: the credentials S3
/// target NAME signs with instead of the common ones (e.g. an IAM user's
/// key beside root's, to measure what authorization costs).
#[derive(Clone)]
pub struct TargetKey {
    pub name: String,
    pub access_key: String,
    pub secret_key: String,
}

impl std::fmt::Debug for TargetKey {
    // The secret stays out of clap's debug output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TargetKey({}={}:***)", self.name, self.access_key)
    }
}

impl FromStr for TargetKey {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || "--target-key: expected NAME=ACCESS_KEY:SECRET_KEY".to_string();
        let (name, pair) = s.split_once('=').ok_or_else(bad)?;
        let (ak, sk) = pair.split_once(':').ok_or_else(bad)?;
        if name.is_empty() || ak.is_empty() || sk.is_empty() {
            return Err(bad());
        }
        Ok(TargetKey {
            name: name.to_string(),
            access_key: ak.to_string(),
            secret_key: sk.to_string(),
        })
    }
}

/// `NAME=PID[,PID...]` from the command line: the server processes behind
/// target NAME, whose CPU time each run reports.
#[derive(Clone, Debug)]
pub struct CpuPids {
    pub name: String,
    pub pids: Vec<u32>,
}

impl FromStr for CpuPids {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let (name, list) = s
            .split_once('=')
            .ok_or_else(|| format!("--cpu-pid {s:?}: expected NAME=PID[,PID...]"))?;
        let pids = list
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| {
                p.parse::<u32>()
                    .map_err(|_| format!("--cpu-pid {s:?}: bad PID {p:?}"))
            })
            .collect::<Result<Vec<u32>, String>>()?;
        if pids.is_empty() {
            return Err(format!("--cpu-pid {s:?}: no PID"));
        }
        Ok(CpuPids {
            name: name.to_string(),
            pids,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_cpu_pids() {
        let c: CpuPids = "nginx=10,11, 12".parse().expect("valid");
        assert_eq!(c.name, "nginx");
        assert_eq!(c.pids, vec![10, 11, 12]);
        assert!("nginx".parse::<CpuPids>().is_err());
        assert!("nginx=x".parse::<CpuPids>().is_err());
        assert!("nginx=".parse::<CpuPids>().is_err());
    }

    #[test]
    fn parse_spec() {
        let t: TargetSpec = "gureum=s3:http://127.0.0.1:9000/".parse().expect("valid");
        assert_eq!(t.name, "gureum");
        assert_eq!(t.kind, Kind::S3);
        assert_eq!(t.url, "http://127.0.0.1:9000");
        let n: TargetSpec = "nginx=plain:http://127.0.0.1:8080".parse().expect("valid");
        assert_eq!(n.kind, Kind::Plain);
        assert!("x".parse::<TargetSpec>().is_err());
        assert!("x=ftp:http://a".parse::<TargetSpec>().is_err());
    }

    #[tokio::test]
    async fn presigned_put_is_unsigned_payload() {
        let spec: TargetSpec = "g=s3:http://127.0.0.1:9".parse().expect("valid");
        let t = Target::new(&spec, "bkt", Some(("AK".into(), "SK".into())), "us-east-1")
            .expect("target");
        let s = t.sign(Op::Put, "a/b-1").await.expect("sign");
        let q = s.url.query().unwrap_or_default();
        assert_eq!(s.url.path(), "/bkt/a/b-1");
        assert!(q.contains("X-Amz-Signature="), "{q}");
        assert!(!q.contains("checksum"), "no checksum in presigned PUT: {q}");
        let p = Target::new(
            &"n=plain:http://h:1".parse().expect("valid"),
            "bkt",
            None,
            "us-east-1",
        )
        .expect("target");
        let s = p.sign(Op::Get, "k").await.expect("sign");
        assert_eq!(s.url.as_str(), "http://h:1/bkt/k");
    }
}
