//! `objects`: uploads a numbered set of objects (`PREFIX0`, `PREFIX1`, ...)
//! to a target and writes one line per object, `KEY<TAB>GET-URL`, where the
//! URL of an S3 target is presigned (valid [`crate::target`]'s TTL). The
//! benchmark scripts use it to seed the origin and to give curl, wrk and
//! nginx's `proxy_pass` URLs they can fetch without a signer of their own.
//!
//! Bodies are streamed [`GenBody`]s of one small random pool (sent with
//! Content-Length), so a 512 MiB object costs no client memory.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use futures::{StreamExt, TryStreamExt, stream};

use crate::body::{GenBody, Pool};
use crate::target::{Op, Target};
use crate::util::{MIB, fmt_size};

pub struct Options {
    pub prefix: String,
    pub count: usize,
    pub size: u64,
    pub concurrency: usize,
    /// Only sign GET URLs, upload nothing (the objects exist already).
    pub presign_only: bool,
    pub urls_out: Option<PathBuf>,
}

pub async fn run(http: &reqwest::Client, t: &Target, o: &Options) -> Result<()> {
    let chunk = o.size.clamp(1, MIB);
    let pool = Pool::random(chunk as usize, 0x6f62_6a65_6374 ^ o.size);
    let start = Instant::now();
    let urls: Vec<(String, String)> = stream::iter(0..o.count)
        .map(|i| {
            let key = format!("{}{i}", o.prefix);
            let pool = pool.clone();
            async move {
                if !o.presign_only {
                    let put = t.sign(Op::Put, &key).await?;
                    let body = reqwest::Body::wrap(GenBody::new(pool, o.size, chunk, i as u64));
                    let resp = http
                        .put(put.url.clone())
                        .headers(put.headers.clone())
                        .body(body)
                        .send()
                        .await
                        .with_context(|| format!("PUT {key}"))?;
                    let status = resp.status();
                    let text = resp.bytes().await.unwrap_or_default();
                    if !status.is_success() {
                        bail!(
                            "PUT {key}: HTTP {status}: {}",
                            String::from_utf8_lossy(&text[..text.len().min(300)])
                        );
                    }
                }
                let get = t.sign(Op::Get, &key).await?;
                anyhow::Ok((key, get.url.to_string()))
            }
        })
        .buffered(o.concurrency.max(1))
        .try_collect()
        .await?;
    if !o.presign_only {
        let secs = start.elapsed().as_secs_f64();
        eprintln!(
            "gureum-load: [{}] uploaded {} x {} under {:?} in {secs:.1}s ({:.1} MiB/s)",
            t.name,
            o.count,
            fmt_size(o.size),
            o.prefix,
            (o.count as u64 * o.size) as f64 / MIB as f64 / secs.max(1e-9)
        );
    }
    let mut out: Box<dyn Write> = match &o.urls_out {
        Some(p) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("creating {}", p.display()))?,
        )),
        None => Box::new(std::io::stdout().lock()),
    };
    for (key, url) in urls {
        writeln!(out, "{key}\t{url}")?;
    }
    out.flush()?;
    Ok(())
}
