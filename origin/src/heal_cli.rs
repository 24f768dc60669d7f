//! `gureum-origin heal --endpoint URL`: asks a running origin to heal,
//! shows a progress bar while it works, and exits 0 only when every object
//! is healed. Requests are SigV4-signed with the root credentials from the
//! environment (aws-sigv4), like any S3 client would.

use std::time::{Duration, SystemTime};

use anyhow::Context;
use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    PayloadChecksumKind, SignableBody, SignableRequest, SigningSettings, sign,
};
use aws_sigv4::sign::v4;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use indicatif::{ProgressBar, ProgressStyle};

use crate::objects::HealStatus;
use crate::server::RootCredentials;

type HttpClient = Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>;

async fn call(
    client: &HttpClient,
    creds: &RootCredentials,
    method: &str,
    url: &str,
) -> anyhow::Result<HealStatus> {
    let mut req = http::Request::builder()
        .method(method)
        .uri(url)
        .body(Full::new(Bytes::new()))?;
    let identity = Credentials::new(
        &creds.access_key,
        &creds.secret_key,
        None,
        None,
        "gureum-heal",
    )
    .into();
    let mut settings = SigningSettings::default();
    settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name("s3")
        .time(SystemTime::now())
        .settings(settings)
        .build()?
        .into();
    let signable = SignableRequest::new(
        method,
        url,
        std::iter::empty::<(&str, &str)>(),
        SignableBody::Bytes(b""),
    )?;
    let (instructions, _) = sign(signable, &params)?.into_parts();
    instructions.apply_to_request_http1x(&mut req);
    let resp = client
        .request(req)
        .await
        .with_context(|| format!("cannot reach {url}"))?;
    let status = resp.status();
    let body = resp.into_body().collect().await?.to_bytes();
    if !status.is_success() {
        let text = String::from_utf8_lossy(&body);
        let code = text
            .split("<Code>")
            .nth(1)
            .and_then(|s| s.split("</Code>").next())
            .unwrap_or("");
        anyhow::bail!("{url}: HTTP {status} {code}");
    }
    serde_json::from_slice(&body).context("unexpected heal status response")
}

/// Runs the heal client against `endpoint`.
pub async fn run(endpoint: &str, creds: RootCredentials) -> anyhow::Result<()> {
    let url = format!("{}/_gureum/admin/heal", endpoint.trim_end_matches('/'));
    let client: HttpClient = Client::builder(TokioExecutor::new()).build_http();
    let mut status = call(&client, &creds, "POST", &url).await?;
    let bar = ProgressBar::new(status.total.max(1));
    bar.set_style(
        ProgressStyle::with_template("healing [{bar:40}] {pos}/{len} objects {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    loop {
        bar.set_length(status.total.max(1));
        bar.set_position(status.done);
        bar.set_message(format!(
            "({} shards rewritten, {} failed)",
            status.shards_rewritten, status.failed
        ));
        if status.finished && !status.running {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        status = call(&client, &creds, "GET", &url).await?;
    }
    bar.finish();
    println!(
        "heal finished: {} objects checked, {} shard files rewritten, {} drives re-formatted, {} failed",
        status.done, status.shards_rewritten, status.drives_formatted, status.failed
    );
    if status.failed > 0 {
        anyhow::bail!(
            "{} objects could not be healed{}",
            status.failed,
            status
                .last_error
                .map(|e| format!(" (last: {e})"))
                .unwrap_or_default()
        );
    }
    Ok(())
}
