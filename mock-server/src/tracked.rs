//! The I/O wrapper of every accepted connection: it records when bytes last moved (for the idle
//! timeout) and, once a WebSocket sets a budget, fails reads past so many bytes per second (every
//! frame counts, continuation and control frames included, which the WebSocket library does not
//! show).

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::gate::ConnInfo;

/// The error a read returns past the inbound budget.
#[derive(Debug)]
pub struct InboundFlood;

impl std::fmt::Display for InboundFlood {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("inbound byte rate exceeded")
    }
}

impl std::error::Error for InboundFlood {}

/// A stream that reports its activity to its [`ConnInfo`].
pub struct Tracked<S> {
    inner: S,
    info: Arc<ConnInfo>,
    window_start: Instant,
    window_bytes: u64,
}

impl<S> Tracked<S> {
    /// Wraps `inner`.
    pub fn new(inner: S, info: Arc<ConnInfo>) -> Self {
        Tracked { inner, info, window_start: Instant::now(), window_bytes: 0 }
    }

    fn count_read(&mut self, n: usize) -> io::Result<()> {
        self.info.touch();
        let budget = self.info.inbound_budget();
        if budget == 0 {
            return Ok(());
        }
        let now = Instant::now();
        if now.saturating_duration_since(self.window_start) >= Duration::from_secs(1) {
            self.window_start = now;
            self.window_bytes = 0;
        }
        self.window_bytes = self.window_bytes.saturating_add(n as u64);
        if self.window_bytes > budget {
            self.info.set_flooded();
            return Err(io::Error::other(InboundFlood));
        }
        Ok(())
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Tracked<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        if self.info.flooded() {
            return Poll::Ready(Err(io::Error::other(InboundFlood)));
        }
        let before = buf.filled().len();
        ready!(Pin::new(&mut self.inner).poll_read(cx, buf))?;
        let n = buf.filled().len() - before;
        if n > 0 {
            self.count_read(n)?;
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Tracked<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let n = ready!(Pin::new(&mut self.inner).poll_write(cx, buf))?;
        if n > 0 {
            self.info.touch();
        }
        Poll::Ready(Ok(n))
    }

    fn poll_write_vectored(mut self: Pin<&mut Self>, cx: &mut Context<'_>, bufs: &[io::IoSlice<'_>]) -> Poll<io::Result<usize>> {
        let n = ready!(Pin::new(&mut self.inner).poll_write_vectored(cx, bufs))?;
        if n > 0 {
            self.info.touch();
        }
        Poll::Ready(Ok(n))
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Whether an error (or one of its sources) is [`InboundFlood`].
pub fn is_flood(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut source = Some(e);
    while let Some(err) = source {
        if err.is::<InboundFlood>() {
            return true;
        }
        if let Some(io) = err.downcast_ref::<io::Error>() {
            if io.get_ref().is_some_and(|inner| inner.is::<InboundFlood>()) {
                return true;
            }
        }
        source = err.source();
    }
    false
}
