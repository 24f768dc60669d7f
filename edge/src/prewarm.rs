//! Pre-warm: for distributions with `prewarm = true`, lists the folder at
//! the origin (ListObjectsV2, signed) and pulls every object into the
//! cache in the background, a few at a time, through the same
//! single-flight fill path as client misses. Progress goes to the log and
//! to `gureum_edge_prewarm_*`. Never answers clients.

use std::sync::Arc;
use std::time::Duration;

use http::{Method, StatusCode};
use tokio::sync::Semaphore;

use crate::app::Edge;
use crate::config::Distribution;
use crate::fetch::MetaOutcome;
use crate::fetch::client::{Kind, query_value, read_small};

/// Objects pulled at once per distribution.
const CONCURRENCY: usize = 4;
/// Time limit of one listing page.
const LIST_TIMEOUT: Duration = Duration::from_secs(30);
/// Listing attempts before the pre-warm gives up (origin not up yet...).
const LIST_ATTEMPTS: u32 = 10;

/// Starts the pre-warm of every distribution that asks for it.
pub fn spawn(edge: &Arc<Edge>) {
    for d in edge.cfg.distributions.iter().filter(|d| d.prewarm) {
        tokio::spawn(prewarm(Arc::clone(edge), d.clone()));
    }
}

/// Text of every `<tag>` element, XML entities decoded.
fn xml_values(xml: &str, tag: &str) -> Vec<String> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(s) = rest.find(&open) {
        let after = &rest[s + open.len()..];
        let Some(e) = after.find(&close) else { break };
        out.push(unescape(&after[..e]));
        rest = &after[e + close.len()..];
    }
    out
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let Some(end) = tail.find(';') else {
            out.push_str(tail);
            return out;
        };
        let entity = &tail[1..end];
        let decoded = match entity {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &tail[end + 1..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// One ListObjectsV2 page: keys and the continuation token.
async fn list_page(
    edge: &Edge,
    d: &Distribution,
    token: Option<&str>,
) -> Result<(Vec<String>, Option<String>), String> {
    let mut target = format!(
        "/{}?list-type=2&prefix={}",
        query_value(&d.bucket),
        query_value(&d.prefix)
    );
    if let Some(t) = token {
        target.push_str(&format!("&continuation-token={}", query_value(t)));
    }
    let resp = edge
        .origin
        .signed(Kind::List, Method::GET, &target, &[], LIST_TIMEOUT)
        .await
        .map_err(|e| e.to_string())?;
    let status = resp.status();
    let body = read_small(resp.into_body(), 64 << 20, LIST_TIMEOUT)
        .await
        .map_err(|e| e.to_string())?;
    let xml = String::from_utf8_lossy(&body);
    if status != StatusCode::OK {
        let code = xml_values(&xml, "Code")
            .into_iter()
            .next()
            .unwrap_or_default();
        return Err(format!("ListObjectsV2 answered {status} {code}"));
    }
    let keys = xml_values(&xml, "Key");
    let truncated = xml_values(&xml, "IsTruncated")
        .first()
        .is_some_and(|v| v == "true");
    let next = xml_values(&xml, "NextContinuationToken").into_iter().next();
    Ok((keys, next.filter(|_| truncated)))
}

async fn list_all(edge: &Edge, d: &Distribution) -> Result<Vec<String>, String> {
    let mut keys = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut attempt = 0;
        let (page, next) = loop {
            match list_page(edge, d, token.as_deref()).await {
                Ok(p) => break p,
                Err(e) if attempt + 1 < LIST_ATTEMPTS => {
                    attempt += 1;
                    tracing::debug!(err = %e, attempt, "pre-warm listing failed; retrying");
                    tokio::time::sleep(Duration::from_millis(500) * attempt).await;
                }
                Err(e) => return Err(e),
            }
        };
        keys.extend(page);
        match next {
            Some(t) => token = Some(t),
            None => return Ok(keys),
        }
    }
}

/// Pulls every slice of one object into the cache.
pub async fn warm_object(edge: &Arc<Edge>, bucket: &str, key: &str) -> Result<(), String> {
    let meta = match edge.cache.lookup(bucket, key) {
        Some(m) => m,
        None => match edge.fetcher.load(bucket, key).await {
            Ok(MetaOutcome::Cached(m)) => m,
            Ok(MetaOutcome::NotFound) => return Ok(()),
            Ok(other) => return Err(format!("not cacheable: {other:?}")),
            Err(e) => return Err(e.to_string()),
        },
    };
    let mut interest = None;
    let count = meta.slice_count();
    for i in 0..count {
        if edge.cache.has_slice(&meta, i) {
            continue;
        }
        edge.fetcher
            .slice(&meta, i, count - 1, &mut interest)
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

async fn prewarm(edge: Arc<Edge>, d: Distribution) {
    let keys = match list_all(&edge, &d).await {
        Ok(k) => k,
        Err(err) => {
            tracing::warn!(bucket = %d.bucket, prefix = %d.prefix, %err, "pre-warm listing failed; giving up");
            return;
        }
    };
    let total = keys.len();
    tracing::info!(bucket = %d.bucket, prefix = %d.prefix, objects = total, "pre-warm started");
    edge.metrics.prewarm_pending.add(total as i64);
    let permits = Arc::new(Semaphore::new(CONCURRENCY));
    let mut tasks = tokio::task::JoinSet::new();
    for key in keys {
        let Ok(permit) = Arc::clone(&permits).acquire_owned().await else {
            break;
        };
        let edge = Arc::clone(&edge);
        let bucket = d.bucket.clone();
        tasks.spawn(async move {
            let _permit = permit;
            let res = warm_object(&edge, &bucket, &key).await;
            edge.metrics.prewarm_pending.dec();
            let label = if res.is_ok() { "done" } else { "failed" };
            edge.metrics
                .prewarm_objects
                .with_label_values(&[label])
                .inc();
            if let Err(err) = &res {
                tracing::warn!(bucket, key, %err, "pre-warm of object failed");
            }
            res.is_ok()
        });
    }
    let (mut done, mut failed) = (0usize, 0usize);
    while let Some(res) = tasks.join_next().await {
        if matches!(res, Ok(true)) {
            done += 1;
        } else {
            failed += 1;
        }
        let n = done + failed;
        if n % 100 == 0 || n == total {
            tracing::info!(bucket = %d.bucket, prefix = %d.prefix, done, failed, total, "pre-warm progress");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listing_xml() {
        let xml = "<ListBucketResult><IsTruncated>true</IsTruncated><Contents><Key>a&amp;b</Key>\
                   </Contents><Contents><Key>v/&#x263A;</Key></Contents>\
                   <NextContinuationToken>t1</NextContinuationToken></ListBucketResult>";
        assert_eq!(xml_values(xml, "Key"), vec!["a&b", "v/\u{263A}"]);
        assert_eq!(xml_values(xml, "NextContinuationToken"), vec!["t1"]);
        assert_eq!(unescape("x&bogus;y&"), "x&bogus;y&");
    }
}
