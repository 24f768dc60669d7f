//! `gureum-origin heal --endpoint URL`: asks a running origin to heal,
//! shows a progress bar while it works, and exits 0 only when every object
//! is healed. Requests are SigV4-signed with the root credentials from the
//! environment for `--region` (the common signer), like any S3 client.

use std::time::Duration;

use anyhow::Context;
use bytes::Bytes;
use gureum_common::s3xml::S3ErrorDoc;
use gureum_common::sigv4::{Payload, Signer};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use indicatif::{ProgressBar, ProgressStyle};

use crate::objects::HealStatus;
use crate::server::RootCredentials;

type HttpClient = Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>;

async fn call(
    client: &HttpClient,
    signer: &Signer,
    method: &str,
    url: &str,
) -> anyhow::Result<HealStatus> {
    let mut req = http::Request::builder()
        .method(method)
        .uri(url)
        .body(Full::new(Bytes::new()))?;
    signer.sign_request(&mut req, &[], Payload::Bytes(b""))?;
    let resp = client
        .request(req)
        .await
        .with_context(|| format!("cannot reach {url}"))?;
    let status = resp.status();
    let body = resp.into_body().collect().await?.to_bytes();
    if !status.is_success() {
        match S3ErrorDoc::parse(&body) {
            Some(e) => anyhow::bail!("{url}: HTTP {status} {}: {}", e.code, e.message),
            None => anyhow::bail!("{url}: HTTP {status}"),
        }
    }
    serde_json::from_slice(&body).context("unexpected heal status response")
}

/// Runs the heal client against `endpoint`.
pub async fn run(endpoint: &str, region: &str, creds: RootCredentials) -> anyhow::Result<()> {
    let url = format!("{}/_gureum/admin/heal", endpoint.trim_end_matches('/'));
    let client: HttpClient = Client::builder(TokioExecutor::new()).build_http();
    let signer = Signer::s3(&creds.access_key, &creds.secret_key, region);
    let mut status = call(&client, &signer, "POST", &url).await?;
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
        status = call(&client, &signer, "GET", &url).await?;
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
