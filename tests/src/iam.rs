//! IAM query-API calls against a test origin (`POST /`, form body,
//! SigV4 for service `iam`), and the user-with-a-key setup most access
//! tests start from.

use gureum_common::sigv4::{Payload, Signer};

use crate::origin::Origin;
use crate::raw::{RawResponse, raw_http, xml_values};

fn form(params: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (i, (k, v)) in params.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(&crate::fixtures::uri_encode(k, false));
        out.push('=');
        out.push_str(&crate::fixtures::uri_encode(v, false));
    }
    out
}

impl Origin {
    /// An IAM call signed with the root credentials.
    pub async fn iam(&self, action: &str, params: &[(&str, &str)]) -> RawResponse {
        let (ak, sk) = self.creds();
        self.iam_as(&ak, &sk, action, params).await
    }

    /// An IAM call signed with the given credentials.
    pub async fn iam_as(
        &self,
        access_key: &str,
        secret_key: &str,
        action: &str,
        params: &[(&str, &str)],
    ) -> RawResponse {
        let mut all = vec![("Action", action), ("Version", "2010-05-08")];
        all.extend_from_slice(params);
        let body = form(&all);
        let host = self.addr().to_string();
        let url = format!("http://{host}/");
        let ct = (
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-8",
        );
        let signed = Signer::new(access_key, secret_key, "us-east-1", "iam")
            .sign("POST", &url, &[ct], Payload::Bytes(body.as_bytes()))
            .unwrap_or_else(|e| panic!("{e}"));
        let mut headers = vec![(ct.0.to_string(), ct.1.to_string())];
        headers.extend(signed);
        raw_http(self.addr(), "POST", "/", &headers, body.as_bytes())
            .await
            .unwrap_or_else(|e| panic!("IAM {action}: {e}"))
    }

    /// An IAM call as root that must succeed.
    pub async fn iam_ok(&self, action: &str, params: &[(&str, &str)]) -> String {
        let r = self.iam(action, params).await;
        assert_eq!(r.status, 200, "IAM {action}: {}", r.text());
        r.text()
    }

    /// Creates user `name` with inline policy `policy` (when given) and an
    /// access key; returns `(access key, secret key)`.
    pub async fn user_with_key(&self, name: &str, policy: Option<&str>) -> (String, String) {
        self.iam_ok("CreateUser", &[("UserName", name)]).await;
        if let Some(doc) = policy {
            self.iam_ok(
                "PutUserPolicy",
                &[
                    ("UserName", name),
                    ("PolicyName", "inline"),
                    ("PolicyDocument", doc),
                ],
            )
            .await;
        }
        let xml = self.iam_ok("CreateAccessKey", &[("UserName", name)]).await;
        let ak = xml_values(&xml, "AccessKeyId").pop().expect("AccessKeyId");
        let sk = xml_values(&xml, "SecretAccessKey")
            .pop()
            .expect("SecretAccessKey");
        (ak, sk)
    }
}
