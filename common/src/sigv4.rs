//! SigV4 request signing for Gureum's own clients (the edge's origin
//! client, the heal CLI, the test harness), on `aws-sigv4`: one place that
//! knows the settings S3 wants (single percent-encoding, no path
//! normalisation, `x-amz-content-sha256` always sent). Signs headers only;
//! it never sends a request and never logs a secret.

use std::fmt;
use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest, SigningSettings,
    UriPathNormalizationMode, sign,
};
use aws_sigv4::sign::v4;

/// Why a request could not be signed (a URL or header SigV4 cannot
/// express; never a network failure).
#[derive(Debug, thiserror::Error)]
#[error("cannot sign {url}: {reason}")]
pub struct SignError {
    /// The URL being signed.
    pub url: String,
    /// What aws-sigv4 said.
    pub reason: String,
}

/// What the signature covers of the body.
#[derive(Debug, Clone, Copy)]
pub enum Payload<'a> {
    /// `UNSIGNED-PAYLOAD` (streamed bodies, GETs of big objects).
    Unsigned,
    /// These exact bytes (hashed into the signature).
    Bytes(&'a [u8]),
    /// A precomputed `x-amz-content-sha256` value (e.g. a STREAMING-* mode).
    Precomputed(&'a str),
}

/// A key pair and the scope it signs for.
#[derive(Clone)]
pub struct Signer {
    access_key: String,
    secret_key: String,
    region: String,
    service: String,
}

impl fmt::Debug for Signer {
    // The secret never reaches a log line, not even through `{:?}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("access_key", &self.access_key)
            .field("region", &self.region)
            .field("service", &self.service)
            .finish_non_exhaustive()
    }
}

impl Signer {
    /// A signer for `service` (`s3`, `iam`) in `region`.
    pub fn new(access_key: &str, secret_key: &str, region: &str, service: &str) -> Self {
        Self {
            access_key: access_key.to_string(),
            secret_key: secret_key.to_string(),
            region: region.to_string(),
            service: service.to_string(),
        }
    }

    /// An S3 signer.
    pub fn s3(access_key: &str, secret_key: &str, region: &str) -> Self {
        Self::new(access_key, secret_key, region, "s3")
    }

    /// The access key id.
    pub fn access_key(&self) -> &str {
        &self.access_key
    }

    /// The signing region.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The headers to add (`authorization`, `x-amz-date`,
    /// `x-amz-content-sha256`, ...) for a request to `url` (absolute, with
    /// its query, already percent-encoded as it will be sent) carrying
    /// `headers`, all of which are signed.
    pub fn sign(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        payload: Payload<'_>,
    ) -> Result<Vec<(String, String)>, SignError> {
        self.sign_at(SystemTime::now(), method, url, headers, payload)
    }

    /// [`Signer::sign`] as of `time` (clock-skew tests, presigned expiry).
    pub fn sign_at(
        &self,
        time: SystemTime,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        payload: Payload<'_>,
    ) -> Result<Vec<(String, String)>, SignError> {
        Ok(self.sign_with_seed(time, method, url, headers, payload)?.0)
    }

    /// [`Signer::sign_at`], also returning the request's signature: the
    /// seed of an aws-chunked body's chunk signatures.
    pub fn sign_with_seed(
        &self,
        time: SystemTime,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        payload: Payload<'_>,
    ) -> Result<(Vec<(String, String)>, String), SignError> {
        let fail = |reason: String| SignError {
            url: url.to_string(),
            reason,
        };
        let identity = Credentials::new(
            &self.access_key,
            &self.secret_key,
            None,
            None,
            "gureum-signer",
        )
        .into();
        let mut settings = SigningSettings::default();
        settings.percent_encoding_mode = PercentEncodingMode::Single;
        settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name(&self.service)
            .time(time)
            .settings(settings)
            .build()
            .map_err(|e| fail(e.to_string()))?
            .into();
        let body = match payload {
            Payload::Unsigned => SignableBody::UnsignedPayload,
            Payload::Bytes(b) => SignableBody::Bytes(b),
            Payload::Precomputed(v) => SignableBody::Precomputed(v.to_string()),
        };
        let signable = SignableRequest::new(method, url, headers.iter().copied(), body)
            .map_err(|e| fail(e.to_string()))?;
        let (instructions, seed) = sign(signable, &params)
            .map_err(|e| fail(e.to_string()))?
            .into_parts();
        let headers = instructions
            .headers()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Ok((headers, seed))
    }

    /// The signature of one aws-chunked chunk, chained from `previous`
    /// (the seed for the first chunk), for a request signed at `time`.
    pub fn chunk_signature(
        &self,
        time: SystemTime,
        chunk: &[u8],
        previous: &str,
    ) -> Result<String, SignError> {
        let fail = |reason: String| SignError {
            url: "aws-chunked chunk".to_string(),
            reason,
        };
        let identity = Credentials::new(
            &self.access_key,
            &self.secret_key,
            None,
            None,
            "gureum-signer",
        )
        .into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name(&self.service)
            .time(time)
            .settings(())
            .build()
            .map_err(|e| fail(e.to_string()))?;
        let out = v4::sign_chunk(&bytes::Bytes::copy_from_slice(chunk), previous, &params)
            .map_err(|e| fail(e.to_string()))?;
        Ok(out.signature().to_string())
    }

    /// The `x-amz-signature` of a browser-form POST policy (the base64
    /// policy document as sent in the form), signed for `time`'s day.
    pub fn post_policy_signature(&self, time: SystemTime, policy_b64: &str) -> String {
        let key = v4::generate_signing_key(&self.secret_key, time, &self.region, &self.service);
        v4::calculate_signature(key, policy_b64.as_bytes())
    }

    /// Signs and adds the headers to an `http::Request` whose URI is
    /// absolute; `headers` are the request's own headers to sign.
    pub fn sign_request<B>(
        &self,
        req: &mut http::Request<B>,
        headers: &[(&str, &str)],
        payload: Payload<'_>,
    ) -> Result<(), SignError> {
        let url = req.uri().to_string();
        let signed = self.sign(req.method().as_str(), &url, headers, payload)?;
        for (k, v) in signed {
            let name = http::HeaderName::from_bytes(k.as_bytes()).map_err(|e| SignError {
                url: url.clone(),
                reason: e.to_string(),
            })?;
            let value = http::HeaderValue::from_str(&v).map_err(|e| SignError {
                url: url.clone(),
                reason: e.to_string(),
            })?;
            req.headers_mut().insert(name, value);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header<'a>(h: &'a [(String, String)], name: &str) -> Option<&'a str> {
        h.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    #[test]
    fn signs_with_the_scope_asked_for() {
        let s = Signer::new("AKID", "secret", "eu-west-3", "iam");
        let t = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
        let h = s
            .sign_at(
                t,
                "POST",
                "http://127.0.0.1:9000/",
                &[],
                Payload::Bytes(b"x"),
            )
            .expect("sign");
        let auth = header(&h, "authorization").expect("authorization");
        assert!(
            auth.starts_with(
                "AWS4-HMAC-SHA256 Credential=AKID/20231114/eu-west-3/iam/aws4_request"
            ),
            "{auth}"
        );
        assert_eq!(header(&h, "x-amz-date"), Some("20231114T221320Z"));
        // sha256("x")
        assert_eq!(
            header(&h, "x-amz-content-sha256"),
            Some("2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881")
        );
        let unsigned = s
            .sign_at(t, "GET", "http://h/b/k", &[], Payload::Unsigned)
            .expect("sign");
        assert_eq!(
            header(&unsigned, "x-amz-content-sha256"),
            Some("UNSIGNED-PAYLOAD")
        );
        assert!(!format!("{s:?}").contains("secret"));
    }

    #[test]
    fn same_input_same_signature_and_keys_differ() {
        let t = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
        let sign = |secret: &str| {
            Signer::s3("AKID", secret, "us-east-1")
                .sign_at(
                    t,
                    "GET",
                    "http://h/b/k?x=1",
                    &[("range", "bytes=0-1")],
                    Payload::Unsigned,
                )
                .expect("sign")
        };
        assert_eq!(sign("a"), sign("a"));
        assert_ne!(
            header(&sign("a"), "authorization"),
            header(&sign("b"), "authorization")
        );
        let bad =
            Signer::s3("AKID", "a", "us-east-1").sign("GET", "not a url", &[], Payload::Unsigned);
        assert!(bad.is_err());
    }
}
