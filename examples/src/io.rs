//! Stand-ins for an async runtime's I/O types, so the crate needs nothing but std.
//!
//! Every operation first awaits [`yield_now`], which returns `Pending` once like a socket that is
//! not ready yet. That makes each `.await` a real suspension point, as it would be with tokio.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A future that is `Pending` the first time it is polled and `Ready` the second time.
pub struct Yield {
    polled: bool,
}

impl Future for Yield {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.polled {
            Poll::Ready(())
        } else {
            self.polled = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

/// Gives the executor a chance to run something else.
pub async fn yield_now() {
    Yield { polled: false }.await
}

/// An in-memory connection: reads come from `incoming`, writes go to `outgoing`.
pub struct Connection {
    incoming: Vec<u8>,
    read_pos: usize,
    pub outgoing: Vec<u8>,
}

impl Connection {
    pub fn new(incoming: &[u8]) -> Connection {
        Connection { incoming: incoming.to_vec(), read_pos: 0, outgoing: Vec::new() }
    }

    /// Reads up to `buf.len()` bytes; `Ok(0)` means the peer closed the connection.
    pub async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        yield_now().await;
        let available = &self.incoming[self.read_pos..];
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.read_pos += n;
        Ok(n)
    }

    pub async fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        yield_now().await;
        self.outgoing.extend_from_slice(data);
        Ok(())
    }
}

/// A millisecond timer, like an embedded HAL's `Timer::after_millis`.
pub struct Timer;

impl Timer {
    pub async fn after_millis(ms: u64) {
        let _ = ms;
        yield_now().await;
    }
}
