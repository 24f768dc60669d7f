//! Request bodies: one pre-generated random pool, sliced without copying.
//!
//! Object `i` of a given size is the pool slice starting at a per-object
//! offset, so objects differ from each other yet cost nothing to produce, and
//! a GET can be checked against the exact bytes that were PUT. Big uploads
//! stream [`GenBody`], which hands out pool slices chunk by chunk instead of
//! holding the whole object.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Frame, SizeHint};
use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};

/// Slack past the largest object, so object offsets can vary.
const SLACK: usize = 64 * 1024;
/// Offset stride between consecutive objects (prime, not page aligned).
const STRIDE: u64 = 4099;

#[derive(Clone)]
pub struct Pool {
    data: Bytes,
}

impl Pool {
    /// A pool for objects up to `max_object` bytes.
    pub fn random(max_object: usize, seed: u64) -> Self {
        let mut buf = vec![0u8; max_object + SLACK];
        StdRng::seed_from_u64(seed).fill_bytes(&mut buf);
        Pool { data: buf.into() }
    }

    /// The body of object number `idx` of `size` bytes (a zero-copy slice).
    pub fn object(&self, idx: u64, size: u64) -> Bytes {
        let size = size as usize;
        assert!(size <= self.data.len(), "object larger than the body pool");
        let span = (self.data.len() - size) as u64 + 1;
        let off = ((idx.wrapping_mul(STRIDE)) % span) as usize;
        self.data.slice(off..off + size)
    }
}

/// A streamed body of `len` bytes made of pool slices of `chunk` bytes, with
/// an exact size hint (so it is sent with Content-Length, not chunked).
pub struct GenBody {
    pool: Pool,
    remaining: u64,
    chunk: u64,
    seq: u64,
    salt: u64,
}

impl GenBody {
    pub fn new(pool: Pool, len: u64, chunk: u64, salt: u64) -> Self {
        let chunk = chunk.min(pool.data.len() as u64).max(1);
        GenBody {
            pool,
            remaining: len,
            chunk,
            seq: 0,
            salt,
        }
    }
}

impl http_body::Body for GenBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = self.get_mut();
        if this.remaining == 0 {
            return Poll::Ready(None);
        }
        let len = this.chunk.min(this.remaining);
        let idx = this.seq.wrapping_add(this.salt.wrapping_mul(7919));
        let data = this.pool.object(idx, len);
        this.seq += 1;
        this.remaining -= len;
        Poll::Ready(Some(Ok(Frame::data(data))))
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body::Body as _;

    #[test]
    fn objects_are_slices_of_the_pool() {
        let pool = Pool::random(1 << 20, 7);
        let a = pool.object(0, 1 << 20);
        let b = pool.object(1, 1 << 20);
        assert_eq!(a.len(), 1 << 20);
        assert_ne!(a, b);
        assert_eq!(pool.object(1, 1 << 20), b);
    }

    #[test]
    fn genbody_yields_exact_length() {
        let pool = Pool::random(1 << 16, 1);
        let mut body = GenBody::new(pool, 300_000, 1 << 16, 3);
        assert_eq!(body.size_hint().exact(), Some(300_000));
        let waker = futures::task::noop_waker();
        let mut cx = Context::from_waker(&waker);
        let mut total = 0;
        while let Poll::Ready(Some(Ok(frame))) = Pin::new(&mut body).poll_frame(&mut cx) {
            total += frame.into_data().map(|d| d.len()).unwrap_or(0);
        }
        assert_eq!(total, 300_000);
        assert!(body.is_end_stream());
    }
}
