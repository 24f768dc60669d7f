//! A fill job: one origin Range GET for a run of slices, cut into slices
//! as the bytes stream in, each verified against its block hash, stored
//! in the cache and handed to every waiting reader the moment it is
//! whole. A slice that fails verification, or a response cut short, is
//! fetched again from that slice on (a few times); when that fails the
//! waiting readers get the error, so their responses break instead of
//! ending early looking complete. Never answers clients itself.

use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use http_body_util::BodyExt;

use super::Fetcher;
use super::flight::{FillState, Flight, Run};
use crate::cache::meta::ObjectMeta;
use crate::error::EdgeError;

/// Time to the origin's response headers for a GET.
const HEADER_TIMEOUT: Duration = Duration::from_secs(30);
/// Longest pause between two body chunks before the fill is given up.
const BODY_STALL: Duration = Duration::from_secs(30);
/// Fetches of one slice that may fail verification before readers fail.
const MAX_BAD: u32 = 3;
/// Responses that may break off before readers fail.
const MAX_CUT: u32 = 3;

enum Step {
    /// Every slice of the run is done (or abandoned).
    Done,
    /// Fetch again from the current slice.
    Retry,
}

/// Fills `run` of `meta`. Runs as its own task.
pub(super) async fn run_job(fetcher: Arc<Fetcher>, meta: Arc<ObjectMeta>, run: Run) {
    let mut pos = 0;
    let mut bad = 0;
    let mut cut = 0;
    while pos < run.slices.len() {
        match fetch_from(&fetcher, &meta, &run, &mut pos, &mut bad, &mut cut).await {
            Ok(Step::Done) => return,
            Ok(Step::Retry) => continue,
            Err(err) => {
                tracing::warn!(bucket = %meta.id.bucket, key = %meta.id.key,
                    slice = run.slices.get(pos).map(|s| s.0), %err, "fill failed");
                fail_rest(&fetcher, &meta, &run.slices[pos..], err);
                return;
            }
        }
    }
}

fn fail_rest(fetcher: &Fetcher, meta: &ObjectMeta, rest: &[(u32, Arc<Flight>)], err: EdgeError) {
    for (i, flight) in rest {
        fetcher
            .flights
            .finish(meta, *i, flight, FillState::Failed(err.clone()));
    }
}

/// One origin GET from slice `run.slices[*pos]` to the end of the run.
async fn fetch_from(
    fetcher: &Arc<Fetcher>,
    meta: &Arc<ObjectMeta>,
    run: &Run,
    pos: &mut usize,
    bad: &mut u32,
    cut: &mut u32,
) -> Result<Step, EdgeError> {
    let slices = &run.slices;
    if fetcher
        .flights
        .abandon_if_unwanted(meta, &run.job, &slices[*pos..])
    {
        return Ok(Step::Done);
    }
    let (first, last) = match (slices.get(*pos), slices.last()) {
        (Some(f), Some(l)) => (f.0, l.0),
        _ => return Ok(Step::Done),
    };
    let start = meta.slice_start(first);
    let end = meta.slice_start(last) + meta.slice_len(last) - 1;
    let resp = match fetcher.get_span(meta, (start, end), HEADER_TIMEOUT).await {
        Err(EdgeError::VersionChanged) => {
            fetcher.cache.drop_version(meta);
            return Err(EdgeError::VersionChanged);
        }
        other => other?,
    };
    let mut body = resp.into_body();
    let mut buf = BytesMut::with_capacity(meta.slice_len(first) as usize);
    loop {
        let frame = match tokio::time::timeout(BODY_STALL, body.frame()).await {
            Err(_) => {
                return Err(EdgeError::OriginTimeout(
                    format!("origin body stalled for {BODY_STALL:?}").into(),
                ));
            }
            Ok(None) => None,
            Ok(Some(Err(e))) => {
                tracing::debug!(%e, "origin body broke off");
                None
            }
            Ok(Some(Ok(frame))) => Some(frame),
        };
        let Some(frame) = frame else {
            // Cut short: whatever arrived of the current slice is dropped.
            *cut += 1;
            fetcher
                .metrics
                .origin_errors
                .with_label_values(&["get"])
                .inc();
            if *cut >= MAX_CUT {
                return Err(EdgeError::protocol(format!(
                    "origin response cut short {cut} times"
                )));
            }
            return Ok(Step::Retry);
        };
        let Ok(data) = frame.into_data() else {
            continue;
        };
        buf.extend_from_slice(&data);
        while let Some((i, flight)) = slices.get(*pos) {
            let len = meta.slice_len(*i) as usize;
            if buf.len() < len {
                break;
            }
            let slice = buf.split_to(len).freeze();
            if !meta.verify(*i, &slice) {
                *bad += 1;
                fetcher
                    .metrics
                    .verify_failures
                    .with_label_values(&["origin"])
                    .inc();
                tracing::warn!(bucket = %meta.id.bucket, key = %meta.id.key, slice = i,
                    attempt = *bad, "origin bytes failed verification; refetching");
                if *bad >= MAX_BAD {
                    return Err(EdgeError::Integrity {
                        slice: *i,
                        attempts: *bad,
                    });
                }
                return Ok(Step::Retry);
            }
            // Progress: only failures in a row count against the fill.
            *bad = 0;
            *cut = 0;
            fetcher.cache.put_slice(meta, *i, slice.clone()).await;
            fetcher
                .flights
                .finish(meta, *i, flight, FillState::Ready(slice));
            *pos += 1;
            if *pos == slices.len() {
                return Ok(Step::Done);
            }
            if fetcher
                .flights
                .abandon_if_unwanted(meta, &run.job, &slices[*pos..])
            {
                return Ok(Step::Done);
            }
            if let Some((next, _)) = slices.get(*pos) {
                buf.reserve(meta.slice_len(*next) as usize);
            }
        }
    }
}
